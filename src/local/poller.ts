/**
 * The local stand-in for Lambda's SQS event source mapping, for one lane:
 * receive a batch, invoke the handler with a Lambda-shaped event, delete what
 * the handler did not report as failed. A thrown error, a timeout or an
 * invalid response deletes nothing, so SQS redelivers the whole batch after
 * the visibility timeout and its redrive policy moves messages to the DLQ,
 * exactly as with Lambda. The poller itself never stops on an error: it
 * logs, backs off and goes on.
 *
 * Receiving: the first receive of a batch asks for one message, because
 * local-aws-sqs holds a long poll until MaxNumberOfMessages messages are
 * there (AWS answers as soon as any is); the batch is then filled with
 * receives of up to 10 within the lane's batching window. Both servers
 * behave correctly with this; see docs/local.md.
 *
 * Concurrent receives: like the several pollers of the event source mapping,
 * the poller receives several batches at once. It has `maxConcurrency` slots;
 * a receive takes one and hands it to the batch it received (or frees it when
 * it got nothing), so receives in progress + batches in flight never exceed
 * `maxConcurrency`. How many receives run at once follows the queue:
 * - narrow (at start, and after a receive that came back short of a full
 *   batch or failed): `readyReceives` at a time, one for a standard lane. An
 *   idle lane holds one long poll, not `maxConcurrency` of them: `npm start`
 *   runs a poller per lane and test suites start many, and parallel long
 *   polls on an empty queue would only multiply requests and server timers
 *   for nothing. A lane with provisioned pollers is the exception, as on AWS:
 *   its minimum pollers stay ready, so it holds that many long polls and a
 *   burst starts that many batches at once instead of ramping up from one.
 * - wide (after a receive that filled a whole batch, so more messages are
 *   probably waiting): a receive starts whenever a slot is free.
 * A failed receive narrows and backs off every receiver: no new receive
 * starts until the backoff has passed, and failures of receives that were
 * already running when it started count but do not lengthen it, so an outage
 * costs one failing receive per backoff, not one per slot.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { MAX_BATCH_ENTRIES } from '../definition/limits.ts';
import type { Definition } from '../definition/registry.ts';
import { consumerTimeoutSeconds } from '../definition/timeouts.ts';
import { lambdaContext, messagesToRetain, toSqsRecord, WHOLE_BATCH } from './lambda-shapes.ts';

// biome-ignore lint/suspicious/noConfusingVoidType: Lambda's own SQSHandler type; a handler that reports no failures returns nothing.
export type LaneHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface PollerTuning {
  /** Records per invocation. Default: the lane's `batchSize`. */
  readonly batchSize: number;
  /** Seconds to wait for a full batch once a message is there. Default: the lane's `maxBatchingWindowSeconds`. */
  readonly maxBatchingWindowSeconds: number;
  /**
   * Batches in flight plus receives in progress, at most. A receive starts only
   * while fewer are running, and then only one at a time unless the last
   * receive filled a whole batch (see the module header). Default: the lane's
   * `maxConcurrency`, capped at `LOCAL_CONCURRENCY_CAP`.
   */
  readonly maxConcurrency: number;
  /**
   * Receives that run at once even while the queue is idle (narrow), like
   * the event pollers AWS keeps ready. Default 1; for a lane with
   * `provisionedPollers`, its minimum, capped at `maxConcurrency`.
   */
  readonly readyReceives: number;
  /** An invocation running longer fails its whole batch. Default: `consumerTimeoutSeconds` of the lane. */
  readonly functionTimeoutMs: number;
  /** Long-poll wait of an idle receive. Default 1 s; bounds how long pause() and stop() wait for it. */
  readonly waitTimeSeconds: number;
  /** Wait after the first failed receive, doubled per further failure. Default 200 ms. */
  readonly errorBackoffMs: number;
  /** Longest wait between failing receives. Default 5 s. */
  readonly maxErrorBackoffMs: number;
  /** Reported as `context.memoryLimitInMB`. Default 1024. */
  readonly memoryLimitInMB: number;
}

/**
 * Batches in flight per lane locally. In-process handlers share one event
 * loop and a laptop has a few cores: 4 concurrent batches still exercise
 * concurrency (dedup races, coalescing) without the 50 of `critical` on AWS.
 */
export const LOCAL_CONCURRENCY_CAP = 4;

export const POLLER_DEFAULTS = {
  waitTimeSeconds: 1,
  errorBackoffMs: 200,
  maxErrorBackoffMs: 5_000,
  memoryLimitInMB: 1024,
} as const satisfies Partial<PollerTuning>;

/** SQS's longest long poll. */
const MAX_WAIT_TIME_SECONDS = 20;

export function pollerTuning(definition: Definition, lane: string, overrides: Partial<PollerTuning> = {}): PollerTuning {
  const laneDefinition = definition.lane(lane);
  const maxConcurrency = overrides.maxConcurrency ?? Math.min(laneDefinition.maxConcurrency, LOCAL_CONCURRENCY_CAP);
  return {
    ...POLLER_DEFAULTS,
    batchSize: laneDefinition.batchSize,
    maxBatchingWindowSeconds: laneDefinition.maxBatchingWindowSeconds,
    maxConcurrency,
    readyReceives: Math.min(laneDefinition.provisionedPollers?.minimum ?? 1, maxConcurrency),
    functionTimeoutMs: consumerTimeoutSeconds(definition, lane) * 1000,
    ...overrides,
  };
}

/** Structurally compatible with the consumer's JsonLogger (src/runtime/logger.ts) and a Powertools Logger. */
export interface PollerLog {
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

export const stderrLog: PollerLog = {
  warn: (message, details) => console.error(JSON.stringify({ level: 'WARN', message, ...details })),
  error: (message, details) => console.error(JSON.stringify({ level: 'ERROR', message, ...details })),
};

export interface LanePollerOptions {
  readonly definition: Definition;
  readonly lane: string;
  readonly queue: { readonly queueUrl: string; readonly queueArn: string };
  readonly sqs: SQSClient;
  readonly handler: LaneHandler;
  readonly tuning?: Partial<PollerTuning>;
  /** Default: JSON lines on stderr. */
  readonly log?: PollerLog;
}

export type PollerState = 'running' | 'paused' | 'stopped';

export interface PollerCounters {
  /** Invocations. */
  batches: number;
  /** Messages received. */
  received: number;
  /** Messages deleted after their batch. */
  deleted: number;
  /** Records the handler listed in `batchItemFailures`. */
  reportedFailures: number;
  /** Invocations that threw or returned an invalid response: the whole batch stayed. */
  failedBatches: number;
  /** Invocations that ran past `functionTimeoutMs`: the whole batch stayed. */
  timedOutBatches: number;
  /** Failed receive and delete calls (and deletes SQS refused). */
  sqsErrors: number;
}

/** The invocation outlived the function timeout; the handler keeps running but its batch is given up. */
export class InvocationTimeoutError extends Error {
  override readonly name = 'InvocationTimeoutError';
}

export class LanePoller {
  readonly lane: string;
  readonly tuning: PollerTuning;
  readonly #options: LanePollerOptions;
  readonly #log: PollerLog;
  readonly #region: string;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #counters: PollerCounters = {
    batches: 0,
    received: 0,
    deleted: 0,
    reportedFailures: 0,
    failedBatches: 0,
    timedOutBatches: 0,
    sqsErrors: 0,
  };
  /** Receives in progress; each settles after dispatching what it received and never rejects. */
  readonly #receives = new Set<Promise<void>>();
  #state: PollerState = 'running';
  /** Fired when the state changes or a slot is freed (a receive or a batch ended): the loop then looks again. */
  #changed = signal();
  /** Narrow or wide, see the module header. */
  #wide = false;
  /** The current backoff step; 0 while receives succeed. */
  #backoffMs = 0;
  /** No receive starts before this time (epoch ms). */
  #backoffUntil = 0;
  readonly #loop: Promise<void>;

  constructor(options: LanePollerOptions) {
    this.#options = options;
    this.lane = options.lane;
    this.tuning = pollerTuning(options.definition, options.lane, options.tuning);
    this.#log = options.log ?? stderrLog;
    this.#region = options.queue.queueArn.split(':')[3]!;
    this.#loop = this.#run();
  }

  get state(): PollerState {
    return this.#state;
  }

  get counters(): Readonly<PollerCounters> {
    return { ...this.#counters };
  }

  /** Stops receiving; resolves once no receive is in progress. Batches already received run to the end. */
  async pause(): Promise<void> {
    if (this.#state === 'running') this.#setState('paused');
    // The loop starts no receive while paused, so these are the last until resume().
    await Promise.all(this.#receives);
  }

  resume(): void {
    if (this.#state === 'paused') this.#setState('running');
  }

  /** Stops receiving and resolves once every batch in flight has been settled. */
  async stop(): Promise<void> {
    if (this.#state !== 'stopped') this.#setState('stopped');
    await this.#loop;
    // Receives still in progress dispatch what they get, so they are awaited before the batches.
    await Promise.all(this.#receives);
    await Promise.all(this.#inFlight);
  }

  #setState(state: PollerState): void {
    this.#state = state;
    this.#notify();
  }

  #notify(): void {
    this.#changed.fire();
    this.#changed = signal();
  }

  /** Starts receives while the rules of the module header allow; everything else happens in the receives and batches. */
  async #run(): Promise<void> {
    while (this.#state !== 'stopped') {
      const changed = this.#changed.promise;
      const backoffLeftMs = this.#backoffUntil - Date.now();
      if (this.#state === 'running' && backoffLeftMs > 0) {
        await delayUnless(backoffLeftMs, changed);
      } else if (this.#state === 'running' && this.#mayStartReceive()) {
        this.#startReceive();
      } else {
        await changed;
      }
    }
  }

  #mayStartReceive(): boolean {
    if (this.#receives.size + this.#inFlight.size >= this.tuning.maxConcurrency) return false;
    return this.#wide || this.#receives.size < this.tuning.readyReceives;
  }

  #startReceive(): void {
    const receive = this.#receiveAndDispatch().finally(() => {
      this.#receives.delete(receive);
      this.#notify();
    });
    this.#receives.add(receive);
  }

  async #receiveAndDispatch(): Promise<void> {
    let messages: Message[];
    try {
      messages = await this.#receiveBatch();
    } catch (error) {
      this.#receiveFailed(error);
      return;
    }
    this.#backoffMs = 0;
    this.#wide = messages.length >= this.tuning.batchSize;
    if (messages.length > 0) this.#dispatch(messages);
  }

  #receiveFailed(error: unknown): void {
    this.#counters.sqsErrors++;
    this.#wide = false;
    // Receives that were running when the backoff started fail alike; only a failure after it passed lengthens it.
    if (Date.now() >= this.#backoffUntil) {
      this.#backoffMs = Math.min(this.tuning.maxErrorBackoffMs, this.#backoffMs === 0 ? this.tuning.errorBackoffMs : this.#backoffMs * 2);
      this.#backoffUntil = Date.now() + this.#backoffMs;
    }
    this.#log.warn('receive failed; backing off', { lane: this.lane, backoffMs: this.#backoffMs, error: describe(error) });
  }

  /** One message (long poll), then more within the batching window. */
  async #receiveBatch(): Promise<Message[]> {
    const batch = await this.#receive(1, this.tuning.waitTimeSeconds);
    if (batch.length === 0) return batch;
    const windowEnds = Date.now() + this.tuning.maxBatchingWindowSeconds * 1000;
    while (batch.length < this.tuning.batchSize && this.#state === 'running') {
      const waitSeconds = Math.min(MAX_WAIT_TIME_SECONDS, Math.max(0, Math.floor((windowEnds - Date.now()) / 1000)));
      const more = await this.#receive(Math.min(this.tuning.batchSize - batch.length, MAX_BATCH_ENTRIES), waitSeconds);
      // Empty: the window passed (long poll) or nothing else is waiting (short poll).
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  async #receive(maxMessages: number, waitSeconds: number): Promise<Message[]> {
    const { Messages = [] } = await this.#options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queue.queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitSeconds,
        // local-aws-sqs reads only the deprecated AttributeNames; AWS reads either.
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    this.#counters.received += Messages.length;
    return Messages;
  }

  #dispatch(messages: Message[]): void {
    const invocation = this.#invoke(messages).finally(() => {
      this.#inFlight.delete(invocation);
      this.#notify();
    });
    this.#inFlight.add(invocation);
  }

  async #invoke(messages: Message[]): Promise<void> {
    const records: SQSRecord[] = [];
    for (const message of messages) {
      try {
        records.push(toSqsRecord(message, { queueArn: this.#options.queue.queueArn, region: this.#region }));
      } catch (error) {
        // Left in the queue: it comes back after the visibility timeout and ends in the DLQ if it never gets better.
        this.#log.error('message skipped', { lane: this.lane, messageId: message.MessageId, error: describe(error) });
      }
    }
    if (records.length === 0) return;
    this.#counters.batches++;

    const deadline = Date.now() + this.tuning.functionTimeoutMs;
    const context = lambdaContext({
      functionName: `tasklanes-local-${this.lane}`,
      queueArn: this.#options.queue.queueArn,
      deadline,
      memoryLimitInMB: this.tuning.memoryLimitInMB,
    });
    let response: unknown;
    try {
      response = await withTimeout(this.#options.handler({ Records: records }, context), this.tuning.functionTimeoutMs);
    } catch (error) {
      if (error instanceof InvocationTimeoutError) this.#counters.timedOutBatches++;
      else this.#counters.failedBatches++;
      this.#log.error('invocation failed; the whole batch will be redelivered', {
        lane: this.lane,
        requestId: context.awsRequestId,
        records: records.length,
        error: describe(error),
      });
      return;
    }

    const retained = messagesToRetain(response, new Set(records.map((record) => record.messageId)));
    if (retained === WHOLE_BATCH) {
      this.#counters.failedBatches++;
      this.#log.error('invalid batch response; the whole batch will be redelivered', {
        lane: this.lane,
        requestId: context.awsRequestId,
        response,
      });
      return;
    }
    this.#counters.reportedFailures += retained.size;
    await this.#delete(records.filter((record) => !retained.has(record.messageId)));
  }

  async #delete(records: SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += MAX_BATCH_ENTRIES) {
      const chunk = records.slice(start, start + MAX_BATCH_ENTRIES);
      try {
        const { Failed = [] } = await this.#options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#options.queue.queueUrl,
            Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
          }),
        );
        this.#counters.deleted += chunk.length - Failed.length;
        if (Failed.length > 0) {
          this.#counters.sqsErrors += Failed.length;
          this.#log.warn('messages not deleted; they will be redelivered', { lane: this.lane, failed: Failed });
        }
      } catch (error) {
        this.#counters.sqsErrors++;
        this.#log.warn('delete failed; the messages will be redelivered', {
          lane: this.lane,
          records: chunk.length,
          error: describe(error),
        });
      }
    }
  }
}

export function startLanePoller(options: LanePollerOptions): LanePoller {
  return new LanePoller(options);
}

interface Signal {
  readonly promise: Promise<void>;
  fire(): void;
}

function signal(): Signal {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

/**
 * Waits `ms` or until `interrupt` settles, whichever is first. The timer does
 * not keep the process alive and is cleared when interrupted: the loop may be
 * woken by every batch that ends during a backoff.
 */
async function delayUnless(ms: number, interrupt: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms).unref();
  });
  try {
    await Promise.race([elapsed, interrupt]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lambda stops a function at its timeout; locally the handler cannot be stopped, only abandoned. */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InvocationTimeoutError(`invocation ran past ${timeoutMs} ms`)), timeoutMs);
  });
  // An abandoned handler may still reject later; that must not become an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
