/**
 * The local stand-in for EventBridge Scheduler: fires every scheduled task
 * type of the definition (lane heartbeats included) by sending the type's
 * tick message, rendered as EventBridge renders it, to the lane's queue over
 * SQS. A fast-forward `speed` compresses scheduled time for demos and tests:
 * at 60, one scheduled minute passes per real second, and the ticks carry
 * the scheduled (fast-forwarded) times.
 *
 * Differences from EventBridge: no flexible window (ticks go out at their
 * time), and no retries: a failed send is counted and reported, and the next
 * tick comes on schedule.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Definition } from '../definition/registry.ts';
import { renderTick, tickMessageTemplate } from '../definition/schedule.ts';
import type { ResolvedTaskType } from '../definition/types.ts';
import { fireTimes, type FireTimes } from './schedule-expression.ts';

export class SchedulerOptionsError extends Error {
  override readonly name = 'SchedulerOptionsError';
}

/**
 * Scheduled time versus real time. Both start together at `anchor` (a whole
 * second, since ticks carry second-precision times); scheduled time then runs
 * `speed` times as fast.
 */
export class ScheduleClock {
  readonly speed: number;
  /** Epoch ms at which scheduled and real time coincide. */
  readonly anchor: number;
  readonly #realNow: () => number;

  constructor(speed = 1, realNow: () => number = Date.now) {
    if (!Number.isFinite(speed) || speed < 1) throw new SchedulerOptionsError(`speed must be a number >= 1 (got ${speed})`);
    this.speed = speed;
    this.#realNow = realNow;
    this.anchor = Math.ceil(realNow() / 1000) * 1000;
  }

  /** Scheduled time now, epoch ms. */
  now(): number {
    return this.toScheduled(this.#realNow());
  }

  toScheduled(real: number): number {
    return this.anchor + (real - this.anchor) * this.speed;
  }

  /** The real instant at which scheduled time reaches `scheduled`. */
  toReal(scheduled: number): number {
    return this.anchor + (scheduled - this.anchor) / this.speed;
  }
}

/** One tick sent to a lane's queue. */
export interface LocalTick {
  readonly type: string;
  readonly lane: string;
  readonly scheduledTime: Date;
  readonly executionId: string;
  readonly messageId: string;
}

export interface TickCounters {
  /** Ticks sent to the queue. */
  fired: number;
  /** Ticks whose SendMessage failed (not retried). */
  failed: number;
}

export interface LocalSchedulerOptions {
  readonly definition: Definition;
  readonly sqs: SQSClient;
  /** Queue URL of each lane. */
  readonly queueUrls: Readonly<Record<string, string>>;
  /** Scheduled minutes per real minute. Default 1 (real time). */
  readonly speed?: number;
  /** Default: every scheduled task type of the definition. */
  readonly types?: readonly string[];
  /** Called after each tick is sent. */
  readonly onTick?: (tick: LocalTick) => void;
  /** Called when a tick could not be sent. Default: a JSON line on stderr. */
  readonly onError?: (error: unknown, tick: { readonly type: string; readonly scheduledTime: Date }) => void;
  /** Real clock, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly task: ResolvedTaskType;
  readonly template: string;
  readonly queueUrl: string;
  readonly times: FireTimes;
  /** Scheduled epoch ms of the next tick; undefined when the schedule has ended. */
  next: number | undefined;
  readonly counters: TickCounters;
}

const stderrError: NonNullable<LocalSchedulerOptions['onError']> = (error, tick) =>
  console.error(
    JSON.stringify({
      level: 'ERROR',
      message: 'tick not sent',
      type: tick.type,
      scheduledTime: tick.scheduledTime.toISOString(),
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }),
  );

export class LocalScheduler {
  readonly clock: ScheduleClock;
  readonly #options: LocalSchedulerOptions;
  readonly #entries: Entry[];
  readonly #sending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: LocalSchedulerOptions) {
    this.#options = options;
    this.clock = new ScheduleClock(options.speed ?? 1, options.now ?? Date.now);
    const scheduled = options.definition.tasks.filter((task) => task.schedule);
    const wanted = options.types ?? scheduled.map((task) => task.type);
    this.#entries = wanted.map((type) => {
      const task = scheduled.find((candidate) => candidate.type === type);
      if (!task)
        throw new SchedulerOptionsError(
          `"${type}" is not a scheduled task type (scheduled: ${scheduled.map((t) => t.type).join(', ') || 'none'})`,
        );
      const queueUrl = options.queueUrls[task.lane];
      if (!queueUrl) throw new SchedulerOptionsError(`no queue URL for lane "${task.lane}" of "${type}"`);
      // Throws ScheduleExpressionError for what cannot be fired locally, before anything starts.
      const times = fireTimes(task.schedule!, this.clock.anchor);
      return { task, template: tickMessageTemplate(task), queueUrl, times, next: undefined, counters: { fired: 0, failed: 0 } };
    });
  }

  /** Scheduled types, by type: ticks fired and failed so far. */
  get counters(): Readonly<Record<string, Readonly<TickCounters>>> {
    return Object.fromEntries(this.#entries.map((entry) => [entry.task.type, { ...entry.counters }]));
  }

  /** Starts firing: rate schedules fire now and every interval after, cron schedules on their calendar. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const from = this.clock.now() - 1;
    for (const entry of this.#entries) entry.next = entry.times.next(Math.max(from, this.clock.anchor - 1));
    this.#arm();
  }

  /** Stops firing and waits for ticks being sent. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await Promise.all(this.#sending);
  }

  #arm(): void {
    if (!this.#running) return;
    const due = this.#entries.map((entry) => entry.next).filter((next): next is number => next !== undefined);
    if (due.length === 0) return;
    const wait = Math.max(0, this.clock.toReal(Math.min(...due)) - (this.#options.now ?? Date.now)());
    // Never keeps the process alive on its own: the servers and pollers do that.
    this.#timer = setTimeout(() => this.#fireDue(), wait).unref();
  }

  #fireDue(): void {
    const now = this.clock.now();
    for (const entry of this.#entries) {
      // A stalled event loop catches up tick by tick, as EventBridge would deliver each one.
      while (this.#running && entry.next !== undefined && entry.next <= now) {
        this.#track(this.#send(entry, new Date(entry.next)));
        entry.next = entry.times.next(entry.next);
      }
    }
    this.#arm();
  }

  #track(sending: Promise<void>): void {
    const tracked = sending.finally(() => this.#sending.delete(tracked));
    this.#sending.add(tracked);
  }

  async #send(entry: Entry, scheduledTime: Date): Promise<void> {
    const executionId = randomUUID();
    try {
      const { MessageId } = await this.#options.sqs.send(
        new SendMessageCommand({ QueueUrl: entry.queueUrl, MessageBody: renderTick(entry.template, { executionId, scheduledTime }) }),
      );
      entry.counters.fired++;
      this.#options.onTick?.({ type: entry.task.type, lane: entry.task.lane, scheduledTime, executionId, messageId: MessageId ?? '' });
    } catch (error) {
      entry.counters.failed++;
      (this.#options.onError ?? stderrError)(error, { type: entry.task.type, scheduledTime });
    }
  }
}

/** A scheduler for every scheduled type of a local stack's definition, started. */
export function startLocalScheduler(
  stack: {
    readonly definition: Definition;
    readonly clients: { readonly sqs: SQSClient };
    readonly queueUrls: Readonly<Record<string, string>>;
  },
  options: Omit<LocalSchedulerOptions, 'definition' | 'sqs' | 'queueUrls'> = {},
): LocalScheduler {
  const scheduler = new LocalScheduler({ ...options, definition: stack.definition, sqs: stack.clients.sqs, queueUrls: stack.queueUrls });
  scheduler.start();
  return scheduler;
}
