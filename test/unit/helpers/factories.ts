/**
 * Small factories for the unit layer: SQS records, envelopes, a clock, a
 * scripted runner, fake dedup stores, fake worker threads, and AWS SDK
 * clients whose requests are answered in-process. Modelled on Powertools for
 * AWS Lambda (packages/batch/tests/helpers/factories.ts). Every default is a
 * fixed value, so a test can write out the result it expects.
 */
import { EventEmitter } from 'node:events';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import type { DeadLetterRecordStore, ReasonAttributes } from '../../../src/runtime/dead-letter.ts';
import type { ClaimEntry, ClaimRequest, ClaimResult, DedupPort, DoneMark } from '../../../src/runtime/dedup.ts';
import type { BatchedStore } from '../../../src/runtime/dedup-batch.ts';
import type { LimitDecision, LimitPort, LimitRequest } from '../../../src/runtime/limiter.ts';
import type { TaskRun, TaskRunner } from '../../../src/runtime/runner.ts';
import type { WorkerReady, WorkerRequest } from '../../../src/runtime/task-worker.ts';
import type { PoolThread } from '../../../src/runtime/worker-pool.ts';

/** The clock's start: 2024-05-01T12:00:00.000Z. */
export const T0 = 1_714_564_800_000;
/** Default `createdAt` of an envelope: 30 s before T0. */
export const CREATED_AT = '2024-05-01T11:59:30.000Z';
const MESSAGE_ID = 'msg-1';
const TASK_ID = 'task-1';
const TENANT = 'acme';

export interface RecordOptions {
  /** SQS ApproximateReceiveCount. Default 1. */
  readonly receiveCount?: number;
  readonly attributes?: Partial<SQSRecordAttributes>;
  readonly messageAttributes?: SQSMessageAttributes;
}

export function sqsRecordFactory(body: string, options: RecordOptions = {}): SQSRecord {
  return {
    messageId: MESSAGE_ID,
    receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(T0 - 1_000),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(T0 - 500),
      ...options.attributes,
    },
    messageAttributes: options.messageAttributes ?? {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:tasklanes-work',
    awsRegion: 'us-east-1',
  };
}

/** A v1 envelope body of `unit.work`; a field set to undefined is left out. */
export function envelopeFactory(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ v: 1, id: TASK_ID, type: 'unit.work', tenant: TENANT, createdAt: CREATED_AT, payload: { n: 1 }, ...fields });
}

export interface FakeClock {
  readonly now: () => number;
  advance(ms: number): void;
}

export function fakeClock(start = T0): FakeClock {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

/** A runner that records each run and does what `act` does (return, throw, advance a clock). */
export function fakeRunner(act: (run: TaskRun) => unknown = () => 'ok'): TaskRunner & { readonly runs: TaskRun[] } {
  const runs: TaskRun[] = [];
  return {
    runs,
    run: async (run) => {
      runs.push(run);
      return act(run);
    },
    close: async () => {},
  };
}

export type DedupCall =
  | ({ readonly op: 'claim'; readonly key: string } & ClaimRequest)
  | ({ readonly op: 'markDone' } & DoneMark)
  | { readonly op: 'release'; readonly key: string; readonly owner: string };

export interface DedupScript {
  /** Answer per key: a result, or an error the claim throws. Default `claimed`. */
  readonly claims?: Readonly<Record<string, ClaimResult | Error>>;
  /** Thrown by every markDone. */
  readonly markDone?: Error;
  /** Thrown by every release. */
  readonly release?: Error;
}

/** The pipeline's dedup port, answering from a script and recording every call in order. */
export class FakeDedupStore implements DedupPort {
  private readonly script: DedupScript;
  readonly calls: DedupCall[] = [];

  constructor(script: DedupScript = {}) {
    this.script = script;
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimResult> {
    this.calls.push({ op: 'claim', key, ...request });
    const answer = this.script.claims?.[key] ?? { kind: 'claimed' };
    if (answer instanceof Error) throw answer;
    return answer;
  }

  async markDone(key: string, owner: string, taskId: string, windowSeconds: number): Promise<void> {
    this.calls.push({ op: 'markDone', key, owner, taskId, windowSeconds });
    if (this.script.markDone) throw this.script.markDone;
  }

  async release(key: string, owner: string): Promise<void> {
    this.calls.push({ op: 'release', key, owner });
    if (this.script.release) throw this.script.release;
  }
}

/** What a FakeLimits answers: granted (its release recorded), over a limit, or an error the acquire throws. */
export type LimitAnswer = 'granted' | Omit<Extract<LimitDecision, { kind: 'over' }>, 'kind'> | Error;

/** The pipeline's limit port, answering every acquire with `answer` and recording acquires and releases in order. */
export class FakeLimits implements LimitPort {
  private readonly answer: LimitAnswer;
  readonly calls: Array<{ readonly op: 'acquire'; readonly owner: string; readonly leaseMs: number } | { readonly op: 'release' }> = [];

  constructor(answer: LimitAnswer = 'granted') {
    this.answer = answer;
  }

  async acquire(request: LimitRequest): Promise<LimitDecision> {
    this.calls.push({ op: 'acquire', owner: request.owner, leaseMs: request.leaseMs });
    if (this.answer instanceof Error) throw this.answer;
    if (this.answer !== 'granted') return { kind: 'over', ...this.answer };
    let released = false;
    return {
      kind: 'granted',
      release: async () => {
        if (released) return;
        released = true;
        this.calls.push({ op: 'release' });
      },
    };
  }
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export type StoreCall =
  | { readonly op: 'claimMany'; readonly keys: readonly string[] }
  | { readonly op: 'markDoneMany'; readonly keys: readonly string[] }
  | { readonly op: 'markDone'; readonly key: string }
  | { readonly op: 'release'; readonly key: string; readonly owner: string };

/**
 * The store behind a DedupBatcher. Each claim settles with `claimAnswer`'s
 * promise (default: claimed at once); batch marks come back unprocessed for
 * the keys in `unprocessed`, or fail with `markDoneManyFailure`; single
 * marks fail for the keys in `markDoneFailures`.
 */
export class FakeBatchStore implements BatchedStore {
  readonly calls: StoreCall[] = [];
  claimAnswer: (entry: ClaimEntry) => Promise<ClaimResult> = async () => ({ kind: 'claimed' });
  unprocessed = new Set<string>();
  markDoneManyFailure: Error | undefined;
  markDoneFailures = new Map<string, Error>();

  claimMany(entries: readonly ClaimEntry[]): Array<Promise<ClaimResult>> {
    this.calls.push({ op: 'claimMany', keys: entries.map((entry) => entry.key) });
    return entries.map((entry) => this.claimAnswer(entry));
  }

  async markDoneMany(marks: readonly DoneMark[]): Promise<DoneMark[]> {
    this.calls.push({ op: 'markDoneMany', keys: marks.map((mark) => mark.key) });
    if (this.markDoneManyFailure) throw this.markDoneManyFailure;
    return marks.filter((mark) => this.unprocessed.has(mark.key));
  }

  async markDone(key: string): Promise<void> {
    this.calls.push({ op: 'markDone', key });
    const failure = this.markDoneFailures.get(key);
    if (failure) throw failure;
  }

  async release(key: string, owner: string): Promise<void> {
    this.calls.push({ op: 'release', key, owner });
  }
}

/** Stands in for a worker thread (nothing runs): the test answers its requests by emitting events. */
export class FakeThread extends EventEmitter implements PoolThread {
  readonly workerData: Record<string, unknown>;
  readonly requests: WorkerRequest[] = [];
  /** Whether the thread currently holds the process open. */
  referenced = true;
  terminations = 0;

  constructor(workerData: Record<string, unknown>) {
    super();
    this.workerData = workerData;
  }

  /** What serveTaskWorker posts once it listens. */
  ready(): void {
    const ready: WorkerReady = { ready: true };
    this.emit('message', ready);
  }

  postMessage(request: WorkerRequest): void {
    this.requests.push(request);
  }

  ref(): void {
    this.referenced = true;
  }

  unref(): void {
    this.referenced = false;
  }

  async terminate(): Promise<number> {
    this.terminations++;
    return 1;
  }
}

export interface FakeThreads {
  /** In start order. */
  readonly started: FakeThread[];
  readonly startThread: (entry: string | URL, workerData: Record<string, unknown>) => FakeThread;
}

/**
 * Starts FakeThreads for a WorkerPool (its `startThread` option). Each is
 * ready as soon as the pool listens (a microtask later), unless `ready` is
 * 'manual': then the test calls `ready()`, or never does.
 */
export function fakeThreads(ready: 'auto' | 'manual' = 'auto'): FakeThreads {
  const started: FakeThread[] = [];
  return {
    started,
    startThread: (_entry, data) => {
      const thread = new FakeThread(data);
      started.push(thread);
      if (ready === 'auto') queueMicrotask(() => thread.ready());
      return thread;
    },
  };
}

export interface SentCommand {
  /** e.g. `SendMessageCommand`. */
  readonly name: string;
  readonly input: Record<string, any>;
}

/** Answers one command: the returned value is its output; a thrown error is the request failing. */
export type Reply = (command: SentCommand) => unknown;

interface MiddlewareClient {
  readonly middlewareStack: {
    add(
      middleware: (next: unknown, context: { commandName?: string }) => (args: { input: object }) => Promise<unknown>,
      options: { step: 'initialize'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * A real SDK client whose requests never leave the process: the first
 * middleware records each command and answers it with `reply`, so the
 * command classes, inputs and error classes are the SDK's own.
 */
function answeredInProcess(client: MiddlewareClient, reply: Reply): SentCommand[] {
  const sent: SentCommand[] = [];
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const command: SentCommand = { name: context.commandName ?? 'unknown', input: args.input as Record<string, any> };
      sent.push(command);
      return { output: (await reply(command)) ?? {}, response: {} };
    },
    { step: 'initialize', name: 'answerInProcess', priority: 'high' },
  );
  return sent;
}

const CLIENT_CONFIG = { region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' } } as const;

export interface FakeSqs {
  readonly client: SQSClient;
  readonly sent: SentCommand[];
  /** Every later send fails with `error`. */
  failWith(error: Error): void;
}

/** The message id the fake SQS client gives every message sent. */
const SENT_MESSAGE_ID = 'dlq-msg-1';

/** An SQS client that records sent commands and answers `{}` (SendMessage: `{ MessageId: SENT_MESSAGE_ID }`), or fails once told to. */
export function fakeSqsClient(): FakeSqs {
  const client = new SQSClient(CLIENT_CONFIG);
  let failure: Error | undefined;
  const sent = answeredInProcess(client, (command) => {
    if (failure) throw failure;
    return command.name === 'SendMessageCommand' ? { MessageId: SENT_MESSAGE_ID } : {};
  });
  return {
    client,
    sent,
    failWith: (error) => {
      failure = error;
    },
  };
}

/** One `keep` of a FakeDeadLetterRecords. */
export interface KeptRecord {
  readonly dlqMessageId: string;
  readonly attributes: ReasonAttributes;
  readonly expiresAtSeconds: number;
}

/** The dead-letter record store, recording what it was asked to keep; every keep fails with `failure` when set. */
export class FakeDeadLetterRecords implements DeadLetterRecordStore {
  private readonly failure?: Error;
  readonly kept: KeptRecord[] = [];

  constructor(failure?: Error) {
    this.failure = failure;
  }

  async keep(dlqMessageId: string, attributes: ReasonAttributes, expiresAtSeconds: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.kept.push({ dlqMessageId, attributes, expiresAtSeconds });
  }
}

/** A DynamoDB client that records sent commands and answers each with `reply`. */
export function fakeDynamoDbClient(reply: Reply): { readonly client: DynamoDBClient; readonly sent: SentCommand[] } {
  const client = new DynamoDBClient(CLIENT_CONFIG);
  return { client, sent: answeredInProcess(client, reply) };
}
