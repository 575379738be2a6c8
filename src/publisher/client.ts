/**
 * The publisher apps use: validates a task against its type's schema,
 * wraps it in the v1 envelope, routes it to its lane's queue and sends it,
 * one at a time or in batches of 10. A task due more than SQS's 15 minutes
 * ahead (`runAt`) goes to an EventBridge Scheduler one-time schedule instead,
 * which sends the same body to the same queue at that time (schedule.ts).
 * Everything it rejects, it rejects before calling SQS or Scheduler, with a
 * named error.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { PUBLISHER_ENV, queueUrlEnvName } from '../definition/environment.ts';
import { MAX_BATCH_ENTRIES, MAX_DELAY_SECONDS, MAX_MESSAGE_BYTES } from '../definition/limits.ts';
import type { Definition } from '../definition/registry.ts';
import { describeIssues, ENVELOPE_VERSION, envelopeSchema, type TaskEnvelope } from '../definition/envelope.ts';
import { validate } from '../definition/standard-schema.ts';
import {
  ConflictingDelayError,
  DeliveryAfterDeadlineError,
  InvalidTaskError,
  MessageTooLargeError,
  MissingQueueUrlError,
  MissingSchedulerConfigError,
  PublishError,
  UnknownTaskTypeError,
} from './errors.ts';
import { scheduleDelivery, type ScheduledTask, type ScheduleTarget } from './schedule.ts';

export interface PublishOptions {
  /** Required: scopes dedup, metrics and logs; also the SQS MessageGroupId (fair queues). */
  readonly tenant: string;
  /** Repeats with the same key within the dedup window run once. Default: the type's rule, else the task id. */
  readonly dedupKey?: string;
  /** Drop the task, never run it, after this moment. Default: createdAt + the type's maxAge. */
  readonly notAfter?: Date | string;
  /**
   * Seconds before the task becomes visible in its lane (SQS DelaySeconds,
   * 0..900). The wait counts against the task's deadline: a delay that ends
   * after it is refused (DeliveryAfterDeadlineError), and a task whose
   * deadline passes while it waits is expired by the consumer, never run.
   */
  readonly delaySeconds?: number;
  /**
   * When the task reaches its lane; not with `delaySeconds`
   * (ConflictingDelayError). Within SQS's 15 minutes of now it is sent with
   * DelaySeconds; later, an EventBridge Scheduler one-time schedule sends it
   * then (docs/scheduling.md#run-at), which needs `scheduleGroup` and
   * `schedulerRoleArn`. The same deadline rules as `delaySeconds`. Default: now.
   */
  readonly runAt?: Date | string;
  /** Task id. Default: a random UUID. */
  readonly id?: string;
  /** Default: now. */
  readonly createdAt?: Date | string;
}

export interface PublisherOptions {
  readonly definition: Definition;
  /** Default: a new SQSClient from the usual AWS configuration chain. */
  readonly sqs?: SQSClient;
  /** Lane -> queue URL. Default: environment variables `TASKLANES_QUEUE_URL_<LANE>`. */
  readonly queueUrls?: Readonly<Record<string, string>>;
  /**
   * For `runAt` beyond 15 minutes. Default: a new SchedulerClient from the
   * usual AWS configuration chain, created (and @aws-sdk/client-scheduler
   * loaded) on the first such task, so a publisher that never schedules never loads it.
   */
  readonly scheduler?: SchedulerClient;
  /** The deployment's schedule group (stack output ScheduleGroupName). Default: environment variable `TASKLANES_SCHEDULE_GROUP`. */
  readonly scheduleGroup?: string;
  /** The role its schedules send with (stack output SchedulerRoleArn). Default: environment variable `TASKLANES_SCHEDULER_ROLE_ARN`. */
  readonly schedulerRoleArn?: string;
  /** Default: `Date.now`. */
  readonly now?: () => number;
}

export interface PublishedTask {
  readonly id: string;
  readonly lane: string;
  /** SQS's message id; empty for a task a schedule will send (its message does not exist yet). */
  readonly messageId: string;
  /** The one-time schedule that will send the task, for a `runAt` beyond SQS's 15 minutes. */
  readonly scheduleArn?: string;
}

/** Type name -> payload. The default accepts any name and payload; the schema still checks them at run time. */
export type PayloadMap = Record<string, unknown>;

/** One task of a batch; with a typed PayloadMap, `payload` must match `type`. */
export type BatchEntry<P extends PayloadMap = PayloadMap> = {
  readonly [T in keyof P & string]: { readonly type: T; readonly payload: P[T]; readonly options: PublishOptions };
}[keyof P & string];

export interface FailedEntry<P extends PayloadMap = PayloadMap> {
  /** Position in the input array. */
  readonly index: number;
  readonly entry: BatchEntry<P>;
  /** SQS's error code, or the name of the publisher's own error. */
  readonly code: string;
  readonly message: string;
  /** True when retrying the same entry cannot succeed. */
  readonly senderFault: boolean;
}

export interface BatchResult<P extends PayloadMap = PayloadMap> {
  readonly successful: ReadonlyArray<PublishedTask & { readonly index: number }>;
  readonly failed: ReadonlyArray<FailedEntry<P>>;
}

/** What a schedule is made of (its task), less when: SQS takes it as is, with an optional delay. */
interface PreparedMessage extends Omit<ScheduledTask, 'at' | 'deadline'> {
  readonly delaySeconds?: number;
  /** Set when a schedule delivers the task: when (epoch ms), and the task's deadline, which bounds Scheduler's retries. */
  readonly scheduled?: { readonly at: number; readonly deadline: number };
}

const toIso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

/**
 * `new Publisher({ definition })` takes any type name and payload;
 * `new Publisher<TaskPayloads>({ definition })` (the demo's in demo/tasks/index.ts; an app: `PayloadsOf<typeof TASK_TYPES>`)
 * also checks names and payloads at compile time.
 */
export class Publisher<P extends PayloadMap = PayloadMap> {
  private readonly options: PublisherOptions;
  private readonly sqs: SQSClient;
  private readonly now: () => number;
  private scheduler: Promise<SchedulerClient> | undefined;

  constructor(options: PublisherOptions) {
    this.options = options;
    this.sqs = options.sqs ?? new SQSClient({});
    this.now = options.now ?? Date.now;
  }

  async publish<T extends keyof P & string>(type: T, payload: P[T], options: PublishOptions): Promise<PublishedTask> {
    const message = await this.prepare(type, payload, options);
    if (message.scheduled) return this.schedule(message);
    const result = await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: message.queueUrl,
        MessageBody: message.body,
        MessageGroupId: message.tenant,
        DelaySeconds: message.delaySeconds,
      }),
    );
    return { id: message.id, lane: message.lane, messageId: result.MessageId ?? '' };
  }

  /**
   * Sends many tasks with SendMessageBatch (10 per request, and at most the
   * SQS size limit per request). Never throws for one bad entry: invalid
   * entries and entries SQS rejects are returned in `failed` with their index.
   * An entry whose `runAt` is beyond SQS's 15 minutes becomes a schedule of
   * its own (Scheduler has no batch call), created beside the batches; one
   * Scheduler refuses is reported in `failed` the same way, with its error's name as the code.
   */
  async publishBatch(entries: ReadonlyArray<BatchEntry<P>>): Promise<BatchResult<P>> {
    const successful: Array<PublishedTask & { index: number }> = [];
    const failed: Array<FailedEntry<P>> = [];
    const byQueue = new Map<string, Array<{ index: number; message: PreparedMessage }>>();
    const scheduled: Array<{ index: number; message: PreparedMessage }> = [];
    // Validated together (a schema may answer asynchronously), then grouped in the entries' order.
    const prepared = await Promise.all(
      entries.map((entry) =>
        this.prepare(entry.type, entry.payload, entry.options).then(
          (message) => ({ message }),
          (error: unknown) => ({ error }),
        ),
      ),
    );
    entries.forEach((entry, index) => {
      try {
        const outcome = prepared[index]!;
        if ('error' in outcome) throw outcome.error;
        const { message } = outcome;
        if (message.scheduled) {
          scheduled.push({ index, message });
          return;
        }
        const group = byQueue.get(message.queueUrl) ?? [];
        group.push({ index, message });
        byQueue.set(message.queueUrl, group);
      } catch (error) {
        if (!(error instanceof PublishError)) throw error;
        failed.push({ index, entry, code: error.name, message: error.message, senderFault: true });
      }
    });

    const requests: Array<Promise<void>> = [];
    for (const [queueUrl, group] of byQueue) {
      for (const chunk of chunkBySizeAndCount(group)) {
        requests.push(
          this.sendChunk(queueUrl, chunk).then(
            (result) => {
              successful.push(...result.successful);
              failed.push(...result.failed.map((f) => ({ ...f, entry: entries[f.index]! })));
            },
            (error: Error) => {
              // The whole request failed (network, throttling): every entry in it is reported, none dropped.
              for (const { index } of chunk) {
                failed.push({ index, entry: entries[index]!, code: error.name, message: error.message, senderFault: false });
              }
            },
          ),
        );
      }
    }
    for (const { index, message } of scheduled) {
      requests.push(
        this.schedule(message).then(
          (published) => {
            successful.push({ ...published, index });
          },
          (error: Error) => {
            // A refusal the publisher can name (missing configuration) cannot succeed on a retry; Scheduler's own errors may.
            const senderFault = error instanceof PublishError || (error as { $fault?: string }).$fault === 'client';
            failed.push({ index, entry: entries[index]!, code: error.name, message: error.message, senderFault });
          },
        ),
      );
    }
    await Promise.all(requests);
    successful.sort((a, b) => a.index - b.index);
    failed.sort((a, b) => a.index - b.index);
    return { successful, failed };
  }

  private async sendChunk(
    queueUrl: string,
    chunk: ReadonlyArray<{ index: number; message: PreparedMessage }>,
  ): Promise<{ successful: Array<PublishedTask & { index: number }>; failed: Array<Omit<FailedEntry<P>, 'entry'>> }> {
    const result = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map(({ index, message }) => ({
          Id: String(index),
          MessageBody: message.body,
          MessageGroupId: message.tenant,
          DelaySeconds: message.delaySeconds,
        })),
      }),
    );
    const byIndex = new Map(chunk.map((item) => [String(item.index), item.message]));
    return {
      successful: (result.Successful ?? []).map((s) => {
        const message = byIndex.get(s.Id!)!;
        return { index: Number(s.Id), id: message.id, lane: message.lane, messageId: s.MessageId ?? '' };
      }),
      failed: (result.Failed ?? []).map((f) => ({
        index: Number(f.Id),
        code: f.Code ?? 'Unknown',
        message: f.Message ?? '',
        senderFault: f.SenderFault ?? false,
      })),
    };
  }

  private async prepare(type: string, payload: unknown, options: PublishOptions): Promise<PreparedMessage> {
    const task = this.options.definition.findTask(type);
    if (!task) throw new UnknownTaskTypeError(`unknown task type "${type}"`);
    const checkedPayload = await validate(task.schema, payload);
    if (checkedPayload.issues) {
      throw new InvalidTaskError(`invalid payload for "${type}": ${describeIssues(checkedPayload)}`);
    }
    if (options.runAt !== undefined && options.delaySeconds !== undefined) throw new ConflictingDelayError();
    const runAt = options.runAt === undefined ? undefined : new Date(options.runAt).getTime();
    if (runAt !== undefined && Number.isNaN(runAt)) throw new InvalidTaskError(`runAt is not a date: ${String(options.runAt)}`);
    if (
      options.delaySeconds !== undefined &&
      !(Number.isInteger(options.delaySeconds) && options.delaySeconds >= 0 && options.delaySeconds <= MAX_DELAY_SECONDS)
    ) {
      throw new InvalidTaskError(`delaySeconds must be an integer 0..${MAX_DELAY_SECONDS}`);
    }
    const envelope: TaskEnvelope = {
      v: ENVELOPE_VERSION,
      id: options.id ?? randomUUID(),
      type,
      tenant: options.tenant,
      ...(options.dedupKey !== undefined ? { dedupKey: options.dedupKey } : {}),
      createdAt: toIso(options.createdAt ?? new Date(this.now())),
      ...(options.notAfter !== undefined ? { notAfter: toIso(options.notAfter) } : {}),
      // The original payload, not the parsed one: the consumer applies the schema's defaults itself.
      payload,
    };
    const checked = envelopeSchema.safeParse(envelope);
    if (!checked.success) {
      throw new InvalidTaskError(`invalid task: ${describeIssues(checked.error)}`);
    }
    const now = this.now();
    // A runAt within SQS's reach is a plain delay, rounded up so the task never arrives before its time.
    const viaSchedule = runAt !== undefined && runAt - now > MAX_DELAY_SECONDS * 1000;
    const delaySeconds =
      runAt === undefined ? options.delaySeconds : viaSchedule ? undefined : Math.max(0, Math.ceil((runAt - now) / 1000));
    const deliverAt = viaSchedule ? runAt : now + (delaySeconds ?? 0) * 1000;
    // The consumer's deadline rule (src/runtime/pipeline.ts, taskDeadline): a delay that outlasts it only produces an expired task.
    // A task already past it is sent as ever: expiring stale work is the consumer's job (incident 000).
    const deadline = envelope.notAfter ? Date.parse(envelope.notAfter) : Date.parse(envelope.createdAt) + task.maxAgeSeconds * 1000;
    if (deadline > now && deliverAt >= deadline) throw new DeliveryAfterDeadlineError(new Date(deliverAt), new Date(deadline));
    const body = JSON.stringify(envelope);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(bytes, MAX_MESSAGE_BYTES);
    return {
      id: envelope.id,
      type,
      lane: task.lane,
      queueUrl: this.queueUrl(task.lane),
      body,
      tenant: options.tenant,
      delaySeconds: delaySeconds || undefined,
      ...(viaSchedule ? { scheduled: { at: deliverAt, deadline } } : {}),
    };
  }

  /** Creates the one-time schedule that sends the task at its time. */
  private async schedule(message: PreparedMessage): Promise<PublishedTask> {
    const group = this.options.scheduleGroup ?? process.env[PUBLISHER_ENV.scheduleGroup];
    const roleArn = this.options.schedulerRoleArn ?? process.env[PUBLISHER_ENV.schedulerRoleArn];
    if (!group || !roleArn)
      throw new MissingSchedulerConfigError(
        `a runAt beyond ${MAX_DELAY_SECONDS} s needs a schedule group and the scheduler role: pass scheduleGroup and schedulerRoleArn, or set ${PUBLISHER_ENV.scheduleGroup} and ${PUBLISHER_ENV.schedulerRoleArn} (the stack outputs ScheduleGroupName and SchedulerRoleArn)`,
      );
    const target: ScheduleTarget = { group, roleArn };
    const { scheduleArn } = await scheduleDelivery(await this.schedulerClient(), target, {
      id: message.id,
      type: message.type,
      lane: message.lane,
      queueUrl: message.queueUrl,
      body: message.body,
      tenant: message.tenant,
      at: message.scheduled!.at,
      deadline: message.scheduled!.deadline,
    });
    return { id: message.id, lane: message.lane, messageId: '', scheduleArn };
  }

  private schedulerClient(): Promise<SchedulerClient> {
    this.scheduler ??= this.options.scheduler
      ? Promise.resolve(this.options.scheduler)
      : import('@aws-sdk/client-scheduler').then(({ SchedulerClient }) => new SchedulerClient({}));
    return this.scheduler;
  }

  private queueUrl(lane: string): string {
    const url = this.options.queueUrls?.[lane] ?? process.env[queueUrlEnvName(lane)];
    if (!url) {
      throw new MissingQueueUrlError(
        `no queue URL for lane "${lane}": pass queueUrls or set ${queueUrlEnvName(lane)} (the stack output of the same lane)`,
      );
    }
    return url;
  }
}

/** Groups messages into SendMessageBatch requests: at most 10 entries and the SQS size limit per request. */
function chunkBySizeAndCount<T extends { message: PreparedMessage }>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.message.body, 'utf8');
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_MESSAGE_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}
