/**
 * The stack's lane alarms, evaluated against a running local stack with the
 * same thresholds (src/definition/alarm-thresholds.ts): queue age, dead
 * letters (waiting, and sent within the window) and backlog from the
 * in-process queues (queue-stats.ts), the
 * outcome rates and the heartbeat alarms from an OutcomeRecorder's events.
 *
 * Local evaluation looks at the present, not at CloudWatch's M-of-N
 * periods: queue alarms read the queue now, rate and heartbeat alarms the
 * latest window of the stack alarm's length. Heartbeat windows follow the
 * local scheduler's clock, so a fast-forwarded run misses its heartbeats as
 * fast as it schedules them. The alarms on what only the Lambda service
 * measures (LAMBDA_SERVICE_ALARMS: the consumer's errors and throttles, the
 * event source mapping's counts) have no local counterpart and are left out.
 */
import {
  backlogThreshold,
  DEAD_LETTER_ALARMS,
  deadLetterExpiryThresholdSeconds,
  DEFAULT_ALARM_OPTIONS,
  HEARTBEAT_DELAY_INTERVALS,
  heartbeatDelayThresholdMs,
  heartbeatMissingWindowMs,
  type AlarmOptions,
  type LaneAlarmName,
  RATE_ALARMS,
  rateAlarmApplies,
} from '../definition/alarm-thresholds.ts';
import { RATE_DENOMINATOR_OUTCOMES } from '../definition/metrics.ts';
import { heartbeatType } from '../definition/schedule.ts';
import type { LaneDefinition } from '../definition/types.ts';
import type { OutcomeEvent } from '../runtime/outcome.ts';
import type { OutcomeRecorder } from './outcome-recorder.ts';
import { localMessagesSentSince, localQueueStats } from './queue-stats.ts';
import { ScheduleClock } from './scheduler.ts';
import type { LocalStack } from './stack.ts';

export type LocalAlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface LocalAlarmState {
  readonly lane: string;
  /** The same short name as the stack's alarm (`<stack>-<lane>-<alarm>`). */
  readonly alarm: LaneAlarmName;
  readonly state: LocalAlarmStateValue;
  /** What was measured; absent when there was nothing to measure. */
  readonly value?: number;
  readonly threshold: number;
  /** `value` and `threshold` are in this unit. */
  readonly unit: 'seconds' | 'messages' | 'percent' | 'heartbeats' | 'milliseconds';
  /** What the state means, with the numbers. */
  readonly description: string;
}

export interface LocalAlarmEvaluatorOptions {
  readonly stack: LocalStack;
  /** Receives every outcome of the stack's consumers (pass `recorder.listener` as their `onOutcome`). */
  readonly recorder: OutcomeRecorder;
  /** Epoch ms, the same clock the consumers stamp outcomes with. Default `Date.now`. */
  readonly now?: () => number;
  /** The local scheduler's clock (`scheduler.clock`), when it fast-forwards. Default: real time. */
  readonly clock?: ScheduleClock;
  /** Overrides of the stack's default thresholds, as given to the stack. */
  readonly alarms?: Partial<AlarmOptions>;
}

const above = (value: number, threshold: number): LocalAlarmStateValue => (value > threshold ? 'ALARM' : 'OK');

export class LocalAlarmEvaluator {
  readonly #stack: LocalStack;
  readonly #recorder: OutcomeRecorder;
  readonly #now: () => number;
  readonly #clock: ScheduleClock;
  readonly #options: AlarmOptions;
  /** Heartbeat alarms cannot tell silence from "not yet" until a whole window has been watched. */
  readonly #watchingSince: number;

  constructor(options: LocalAlarmEvaluatorOptions) {
    this.#stack = options.stack;
    this.#recorder = options.recorder;
    this.#now = options.now ?? Date.now;
    this.#clock = options.clock ?? new ScheduleClock(1, this.#now);
    this.#options = { ...DEFAULT_ALARM_OPTIONS, ...options.alarms };
    this.#watchingSince = this.#now();
  }

  /** Every alarm of every lane, in the definition's lane order. */
  async evaluate(): Promise<LocalAlarmState[]> {
    const now = this.#now();
    const { definition } = this.#stack;
    const lookBack = Math.max(
      this.#options.ratePeriodMinutes * 60_000,
      ...definition.lanes.map((lane) =>
        this.#realMs(
          Math.max(heartbeatMissingWindowMs(this.#options, lane), HEARTBEAT_DELAY_INTERVALS * lane.heartbeatIntervalMinutes * 60_000),
        ),
      ),
    );
    const recent = this.#recorder.history((event) => event.at > now - lookBack);
    return definition.lanes.flatMap((lane) => {
      const events = recent.filter((event) => event.lane === lane.name);
      return [...this.#queueAlarms(lane, now), ...this.#rateAlarms(lane, events, now), ...this.#heartbeatAlarms(lane, events, now)];
    });
  }

  #queueAlarms(lane: LaneDefinition, now: number): LocalAlarmState[] {
    const queues = this.#stack.resources.lanes[lane.name]!;
    const service = this.#stack.servers.sqsService;
    const queue = localQueueStats(service, queues.queueUrl, now);
    const dlq = localQueueStats(service, queues.dlqUrl, now);
    const backlog = backlogThreshold(this.#options, lane, this.#stack.definition.maxTaskTimeoutSeconds(lane.name));
    return [
      {
        lane: lane.name,
        alarm: 'QueueAge',
        state: above(queue.oldestAgeSeconds, lane.queueAgeAlarmSeconds),
        value: queue.oldestAgeSeconds,
        threshold: lane.queueAgeAlarmSeconds,
        unit: 'seconds',
        description: `The oldest task has waited ${queue.oldestAgeSeconds}s; the lane promises under ${lane.queueAgeAlarmSeconds}s. Is its poller paused?`,
      },
      ...DEAD_LETTER_ALARMS.map(({ alarm, measures, periodMinutes, threshold }): LocalAlarmState => {
        const value = measures === 'depth' ? dlq.visible : localMessagesSentSince(service, queues.dlqUrl, now - periodMinutes * 60_000);
        return {
          lane: lane.name,
          alarm,
          state: above(value, threshold),
          value,
          threshold,
          unit: 'messages',
          description:
            measures === 'depth'
              ? `${value} task(s) wait in the dead-letter queue until redriven or deleted; new ones page as NewDeadLetters. \`tasklanes dlq peek ${lane.name}\` shows their reasons.`
              : `${value} task(s) dead-lettered in the last ${periodMinutes} min; they will not run unless redriven. \`tasklanes dlq peek ${lane.name}\` shows their reasons.`,
        };
      }),
      this.#deadLetterExpiry(lane, dlq.oldestAgeSeconds),
      {
        lane: lane.name,
        alarm: 'Backlog',
        state: above(queue.visible, backlog),
        value: queue.visible,
        threshold: backlog,
        unit: 'messages',
        description: `${queue.visible} task(s) waiting; above ${backlog} the lane cannot work them off within its age threshold.`,
      },
    ];
  }

  /** The age counts from each letter's SentTimestamp, its first enqueue even when SQS moved it: no later than the stack's alarm. */
  #deadLetterExpiry(lane: LaneDefinition, oldestAgeSeconds: number): LocalAlarmState {
    const threshold = deadLetterExpiryThresholdSeconds(this.#options, this.#stack.definition, lane.name);
    return {
      lane: lane.name,
      alarm: 'DeadLetterExpiry',
      state: above(oldestAgeSeconds, threshold),
      value: oldestAgeSeconds,
      threshold,
      unit: 'seconds',
      description: `The oldest dead letter is ${oldestAgeSeconds}s old; above ${threshold}s it is within ${this.#options.deadLetterExpiryWarningHours} hours of being deleted by the DLQ's 14-day retention. Peek it (\`tasklanes dlq peek ${lane.name} --json\`) and redrive or keep it.`,
    };
  }

  #rateAlarms(lane: LaneDefinition, events: readonly OutcomeEvent[], now: number): LocalAlarmState[] {
    const { ratePeriodMinutes, rateMinimumTasks } = this.#options;
    const recent = events.filter((event) => event.at > now - ratePeriodMinutes * 60_000);
    return RATE_ALARMS.filter((spec) => rateAlarmApplies(spec, this.#stack.definition, lane.name)).map(
      ({ alarm, outcomes, option, what }) => {
        const threshold = this.#options[option] as number;
        // As the stack's total: deferrals count only in their own rate (RATE_DENOMINATOR_OUTCOMES).
        const inWindow = recent.filter((event) => RATE_DENOMINATOR_OUTCOMES.includes(event.outcome) || outcomes.includes(event.outcome));
        const matching = inWindow.filter((event) => outcomes.includes(event.outcome)).length;
        // As the stack's expression: a window with fewer tasks than the minimum reads as 0.
        const value = inWindow.length >= rateMinimumTasks ? (100 * matching) / inWindow.length : 0;
        return {
          lane: lane.name,
          alarm,
          state: above(value, threshold),
          value,
          threshold,
          unit: 'percent',
          description: `${matching} of ${inWindow.length} tasks in the last ${ratePeriodMinutes} min ${what} (rates count from ${rateMinimumTasks} tasks); alarm above ${threshold}%.`,
        };
      },
    );
  }

  #heartbeatAlarms(lane: LaneDefinition, events: readonly OutcomeEvent[], now: number): LocalAlarmState[] {
    const type = heartbeatType(lane.name);
    if (!this.#stack.definition.findTask(type)) return [];
    const beats = events.filter((event) => event.type === type && event.outcome === 'succeeded');

    const missingWindow = this.#realMs(heartbeatMissingWindowMs(this.#options, lane));
    const arrived = beats.filter((event) => event.at > now - missingWindow).length;
    const watchedLongEnough = now - this.#watchingSince >= missingWindow;
    const intervals = `${this.#options.heartbeatMissingIntervals} heartbeat intervals (${lane.heartbeatIntervalMinutes} min each, scheduled time)`;

    const delayWindow = this.#realMs(HEARTBEAT_DELAY_INTERVALS * lane.heartbeatIntervalMinutes * 60_000);
    // From the tick's scheduled time, taken back to real time, to its success.
    const delays = beats
      .filter((event) => event.at > now - delayWindow && event.latencyMs !== undefined)
      .map((event) => event.at - this.#clock.toReal(event.at - event.latencyMs!));
    const delay = delays.length ? Math.max(...delays) : undefined;
    const delayThreshold = heartbeatDelayThresholdMs(lane);

    return [
      {
        lane: lane.name,
        alarm: 'HeartbeatMissing',
        state: arrived >= 1 ? 'OK' : watchedLongEnough ? 'ALARM' : 'INSUFFICIENT_DATA',
        value: arrived,
        threshold: 1,
        unit: 'heartbeats',
        description:
          arrived >= 1
            ? `${arrived} heartbeat(s) of ${type} succeeded in the last ${intervals}: the lane consumes end to end.`
            : watchedLongEnough
              ? `No heartbeat of ${type} succeeded in the last ${intervals}: nothing proves the lane alive. Is its poller paused, its consumer failing, or the scheduler stopped?`
              : `No heartbeat of ${type} yet; watched for less than ${intervals}.`,
      },
      {
        lane: lane.name,
        alarm: 'HeartbeatDelay',
        state: delay === undefined ? 'OK' : above(delay, delayThreshold),
        ...(delay === undefined ? {} : { value: delay }),
        threshold: delayThreshold,
        unit: 'milliseconds',
        description:
          delay === undefined
            ? `No heartbeat succeeded in the last ${HEARTBEAT_DELAY_INTERVALS} intervals to time (missing ones are HeartbeatMissing's).`
            : `The latest heartbeats took up to ${Math.round(delay)} ms from their scheduled time to success; alarm above ${delayThreshold} ms (the lane's queue-age threshold).`,
      },
    ];
  }

  /** A span of scheduled time, in real milliseconds. */
  #realMs(scheduledMs: number): number {
    return scheduledMs / this.#clock.speed;
  }
}
