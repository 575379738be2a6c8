/**
 * A local EventBridge Scheduler API for one-time schedules, so a publisher's
 * `runAt` beyond SQS's 15 minutes goes through the real SDK client against
 * the embedded servers: CreateSchedule (`POST /schedules/{Name}`),
 * GetSchedule and DeleteSchedule in Scheduler's REST-JSON, each schedule
 * fired at its `at(...)` time by sending its target's SendMessage to the
 * embedded SQS, then deleted (ActionAfterCompletion DELETE).
 *
 * Differences from EventBridge Scheduler (docs/local.md#scheduler-endpoint):
 * schedules live in this process's memory and are gone when it stops; only
 * `at(...)` in UTC (recurring schedules run through scheduler.ts); the
 * groups are `default` and LOCAL_NAMES.scheduleGroup; no retries: a send
 * that fails goes at once to the target's DeadLetterConfig queue, if any;
 * a flexible window fires at its start; nothing checks the role.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { GetQueueUrlCommand, SendMessageCommand, type SendMessageCommandInput, type SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_NAMES } from '../definition/environment.ts';

/** The universal target for SQS SendMessage (any partition); the templated SQS target is a queue ARN. */
const UNIVERSAL_SEND_MESSAGE = /^arn:aws[a-z-]*:scheduler:::aws-sdk:sqs:sendMessage$/;
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:(\d{12}):([A-Za-z0-9_-]+)$/;
const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,64}$/;
const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const UTC_ZONES = new Set([undefined, 'UTC', 'Etc/UTC']);
/** setTimeout's longest delay; a later schedule is re-armed when that passes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const LOCAL_SCHEDULE_GROUPS = ['default', LOCAL_NAMES.scheduleGroup] as const;

/** A schedule as CreateSchedule took it (the fields the local endpoint uses). */
export interface LocalSchedule {
  readonly Name: string;
  readonly GroupName: string;
  readonly Arn: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly FlexibleTimeWindow: { readonly Mode: string; readonly MaximumWindowInMinutes?: number };
  readonly ActionAfterCompletion: 'DELETE' | 'NONE';
  readonly State: 'ENABLED' | 'DISABLED';
  readonly Description?: string;
  readonly Target: {
    readonly Arn: string;
    readonly RoleArn: string;
    readonly Input?: string;
    readonly SqsParameters?: { readonly MessageGroupId?: string };
    readonly RetryPolicy?: { readonly MaximumEventAgeInSeconds?: number; readonly MaximumRetryAttempts?: number };
    readonly DeadLetterConfig?: { readonly Arn?: string };
  };
  /** Epoch ms it fires. */
  readonly at: number;
  /** Epoch ms it fired (a schedule kept after firing: ActionAfterCompletion NONE). */
  firedAt?: number;
}

export interface SchedulerEndpointCounters {
  /** Schedules whose send succeeded. */
  fired: number;
  /** Schedules whose send failed (each then dead-lettered, if it names a DLQ). */
  failed: number;
  /** Failed sends delivered to the target's DeadLetterConfig queue. */
  deadLettered: number;
}

export interface LocalSchedulerEndpointOptions {
  /** Client of the embedded SQS server, which every schedule sends to. */
  readonly sqs: SQSClient;
  readonly region: string;
  readonly accountId: string;
  /**
   * The clock schedules fire by, epoch ms. Default `Date.now`. A test passes
   * a clock it moves ahead, then calls `fireDue()`: a timer armed for the old
   * clock would otherwise wait the real time out.
   */
  readonly now?: () => number;
  /** A send that failed. Default: a JSON line on stderr. */
  readonly onError?: (error: unknown, schedule: LocalSchedule) => void;
}

/** A Scheduler API error as the SDK reads it: its name in x-amzn-errortype, the message in the body. */
class SchedulerApiError extends Error {
  readonly status: number;
  readonly code: 'ValidationException' | 'ConflictException' | 'ResourceNotFoundException';
  constructor(status: number, code: SchedulerApiError['code'], message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const stderrError: NonNullable<LocalSchedulerEndpointOptions['onError']> = (error, schedule) =>
  console.error(
    JSON.stringify({
      level: 'ERROR',
      message: 'schedule not delivered',
      schedule: schedule.Arn,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }),
  );

export class LocalSchedulerEndpoint {
  readonly counters: SchedulerEndpointCounters = { fired: 0, failed: 0, deadLettered: 0 };
  readonly listener: RequestListener = (request, response) => void this.#handle(request, response);
  readonly #options: LocalSchedulerEndpointOptions;
  readonly #now: () => number;
  /** By `group/name`. */
  readonly #schedules = new Map<string, LocalSchedule>();
  readonly #sending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: LocalSchedulerEndpointOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The schedules held now, oldest first. */
  get schedules(): readonly LocalSchedule[] {
    return [...this.#schedules.values()];
  }

  /** Fires every enabled schedule due by the clock, and waits for their sends (and any already under way). */
  async fireDue(): Promise<void> {
    const now = this.#now();
    for (const schedule of this.#schedules.values()) {
      if (schedule.State === 'ENABLED' && schedule.firedAt === undefined && schedule.at <= now) this.#track(this.#fire(schedule));
    }
    await Promise.all(this.#sending);
    this.#arm();
  }

  /** Clears the timer and waits for sends under way; the schedules are dropped with the process. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.all(this.#sending);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    const due = this.schedules.filter((s) => s.State === 'ENABLED' && s.firedAt === undefined).map((s) => s.at);
    if (due.length === 0) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Math.min(...due) - this.#now()));
    // Never keeps the process alive on its own: the servers do that.
    this.#timer = setTimeout(() => void this.fireDue(), wait).unref();
  }

  #track(sending: Promise<void>): void {
    const tracked = sending.finally(() => this.#sending.delete(tracked));
    this.#sending.add(tracked);
  }

  async #fire(schedule: LocalSchedule): Promise<void> {
    schedule.firedAt = this.#now();
    try {
      await this.#options.sqs.send(new SendMessageCommand(await this.#sendMessageOf(schedule)));
      this.counters.fired++;
    } catch (error) {
      this.counters.failed++;
      (this.#options.onError ?? stderrError)(error, schedule);
      await this.#deadLetter(schedule, error);
    }
    if (schedule.ActionAfterCompletion === 'DELETE') this.#schedules.delete(keyOf(schedule.GroupName, schedule.Name));
  }

  /** What the target sends: the universal target's input is the SendMessage request itself; the templated one's is the body. */
  async #sendMessageOf(schedule: LocalSchedule): Promise<SendMessageCommandInput> {
    const { Target } = schedule;
    if (UNIVERSAL_SEND_MESSAGE.test(Target.Arn)) return JSON.parse(Target.Input ?? '{}') as SendMessageCommandInput;
    return {
      QueueUrl: await this.#queueUrl(Target.Arn),
      MessageBody: Target.Input ?? '',
      MessageGroupId: Target.SqsParameters?.MessageGroupId,
    };
  }

  async #deadLetter(schedule: LocalSchedule, error: unknown): Promise<void> {
    const dlqArn = schedule.Target.DeadLetterConfig?.Arn;
    if (!dlqArn) return;
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      await this.#options.sqs.send(
        new SendMessageCommand({
          QueueUrl: await this.#queueUrl(dlqArn),
          MessageBody: schedule.Target.Input ?? '',
          MessageAttributes: {
            ERROR_CODE: text(error instanceof Error ? error.name : 'Error'),
            ERROR_MESSAGE: text(error instanceof Error ? error.message || error.name : String(error)),
            SCHEDULE_ARN: text(schedule.Arn),
            TARGET_ARN: text(schedule.Target.Arn),
          },
        }),
      );
      this.counters.deadLettered++;
    } catch (dlqError) {
      (this.#options.onError ?? stderrError)(dlqError, schedule);
    }
  }

  async #queueUrl(queueArn: string): Promise<string> {
    const [, account, name] = QUEUE_ARN.exec(queueArn) ?? [];
    const { QueueUrl } = await this.#options.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    return QueueUrl!;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://scheduler.local');
      const [, collection, encodedName, extra] = url.pathname.split('/');
      if (collection !== 'schedules' || !encodedName || extra !== undefined)
        throw new SchedulerApiError(
          400,
          'ValidationException',
          `${request.method} ${url.pathname} is not served by the local scheduler endpoint`,
        );
      const name = decodeURIComponent(encodedName);
      const body = await readBody(request);
      const group = (request.method === 'POST' ? (body.GroupName as string | undefined) : url.searchParams.get('groupName')) ?? 'default';
      if (!(LOCAL_SCHEDULE_GROUPS as readonly string[]).includes(group))
        throw new SchedulerApiError(404, 'ResourceNotFoundException', `Schedule group ${group} does not exist.`);
      const key = keyOf(group, name);
      if (request.method === 'POST') {
        if (this.#schedules.has(key)) throw new SchedulerApiError(409, 'ConflictException', `Schedule ${name} already exists.`);
        const schedule = this.#validate(name, group, body);
        this.#schedules.set(key, schedule);
        this.#arm();
        return reply(response, 200, { ScheduleArn: schedule.Arn });
      }
      const schedule = this.#schedules.get(key);
      if (!schedule) throw new SchedulerApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      if (request.method === 'GET') {
        const { at: _at, firedAt: _firedAt, ...described } = schedule;
        return reply(response, 200, described);
      }
      if (request.method === 'DELETE') {
        this.#schedules.delete(key);
        this.#arm();
        return reply(response, 200, {});
      }
      throw new SchedulerApiError(400, 'ValidationException', `${request.method} is not served by the local scheduler endpoint`);
    } catch (error) {
      const failure = error instanceof SchedulerApiError ? error : new SchedulerApiError(400, 'ValidationException', String(error));
      response.setHeader('x-amzn-errortype', failure.code);
      reply(response, failure.status, { Message: failure.message });
    }
  }

  /** CreateSchedule's input, checked as Scheduler checks it where the local endpoint can. */
  #validate(name: string, group: string, body: Record<string, unknown>): LocalSchedule {
    const invalid = (message: string) => new SchedulerApiError(400, 'ValidationException', message);
    if (!SCHEDULE_NAME.test(name)) throw invalid(`Name ${name}: 1 to 64 of 0-9 A-Z a-z - _ .`);
    const expression = String(body.ScheduleExpression ?? '');
    const at = AT_EXPRESSION.exec(expression)?.[1];
    if (!at) throw invalid(`ScheduleExpression ${expression}: the local endpoint takes one-time at(yyyy-mm-ddThh:mm:ss) schedules only`);
    const timezone = body.ScheduleExpressionTimezone as string | undefined;
    if (!UTC_ZONES.has(timezone)) throw invalid(`ScheduleExpressionTimezone ${timezone}: the local endpoint takes UTC only`);
    const window = body.FlexibleTimeWindow as LocalSchedule['FlexibleTimeWindow'] | undefined;
    if (window?.Mode !== 'OFF' && window?.Mode !== 'FLEXIBLE') throw invalid('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE');
    const target = body.Target as LocalSchedule['Target'] | undefined;
    if (!target?.Arn || !target.RoleArn) throw invalid('Target.Arn and Target.RoleArn are required');
    if (!UNIVERSAL_SEND_MESSAGE.test(target.Arn) && !QUEUE_ARN.test(target.Arn))
      throw invalid(
        `Target.Arn ${target.Arn}: the local endpoint sends to SQS only (a queue ARN, or the sqs:sendMessage universal target)`,
      );
    if (target.DeadLetterConfig?.Arn !== undefined && !QUEUE_ARN.test(target.DeadLetterConfig.Arn))
      throw invalid(`DeadLetterConfig.Arn ${target.DeadLetterConfig.Arn} is not an SQS queue ARN`);
    const after = (body.ActionAfterCompletion as string | undefined) ?? 'NONE';
    if (after !== 'DELETE' && after !== 'NONE') throw invalid('ActionAfterCompletion must be DELETE or NONE');
    return {
      Name: name,
      GroupName: group,
      Arn: `arn:aws:scheduler:${this.#options.region}:${this.#options.accountId}:schedule/${group}/${name}`,
      ScheduleExpression: expression,
      ...(timezone ? { ScheduleExpressionTimezone: timezone } : {}),
      FlexibleTimeWindow: window,
      ActionAfterCompletion: after,
      State: body.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      ...(typeof body.Description === 'string' ? { Description: body.Description } : {}),
      Target: target,
      at: Date.parse(`${at}Z`),
    };
  }
}

const keyOf = (group: string, name: string) => `${group}/${name}`;

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
