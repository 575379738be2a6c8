/**
 * Types of the one definition of lanes and task types. Imported by cdk/,
 * src/cdk, src/runtime, src/publisher and the local run; must never import aws-cdk-lib.
 */
import type { InferInput, InferOutput, StandardSchemaV1 } from './standard-schema.ts';
import type { TaskEnvelope } from './envelope.ts';

/** Options of one lane. Every field is documented with its default in `lanes.ts`. */
export interface LaneOptions {
  /** Records per invocation (SQS event source `batchSize`). */
  readonly batchSize: number;
  /** Seconds the event source may wait to fill a batch (`maximumBatchingWindow`). */
  readonly maxBatchingWindowSeconds: number;
  /** Default task timeout; a task type may set a shorter or longer one. */
  readonly taskTimeoutSeconds: number;
  /** Receives before SQS moves a message to the lane's DLQ (redrive policy). */
  readonly maxReceiveCount: number;
  /** Default max age of a task: older tasks are expired, never run. */
  readonly maxAgeSeconds: number;
  /** How long a `done` dedup record suppresses repeats of the same key. */
  readonly dedupWindowSeconds: number;
  /**
   * Maximum concurrent invocations of the lane's consumer (event source
   * `maxConcurrency`, 2..1000). With `provisionedPollers` AWS takes no
   * maximum concurrency: the lane's bound is its maximum pollers (10 invokes
   * each), and `defineLane` sets this to that bound.
   */
  readonly maxConcurrency: number;
  /**
   * Provisioned mode of the lane's event source mapping, for lanes whose
   * traffic comes in bursts: `minimum` pollers always ready (billed while
   * idle), scaling to `maximum`, about three times faster than standard
   * polling. None by default: standard mode.
   */
  readonly provisionedPollers?: ProvisionedPollers;
  /**
   * Concurrency reserved for the lane's consumer (the function's reserved
   * concurrent executions): guaranteed to it whatever else runs in the
   * account, and taken from every other function. At least
   * `maxConcurrency`, or the mapping would invoke more than the function
   * may run. None by default: the lane shares the account's pool.
   */
  readonly reservedConcurrency?: number;
  /** Alarm when the oldest message in the queue is older than this. */
  readonly queueAgeAlarmSeconds: number;
  /** `worker`: each task runs in a worker thread that is terminated at its timeout (stops CPU-bound work). */
  readonly isolation: 'inline' | 'worker';
  /** Minutes between heartbeat tasks that prove the lane is alive end to end. */
  readonly heartbeatIntervalMinutes: number;
  /**
   * At most this many runs per key at once across every consumer of the lane,
   * all of its types together (docs/design.md#6-limits). None by default: no
   * per-key limit, and no extra requests.
   */
  readonly concurrency?: ConcurrencyLimit;
}

/** Which key a limit counts by: derived from the payload and the envelope, like `dedupKey`. */
export type LimitKey<P = unknown> = (payload: P, envelope: TaskEnvelope<P>) => string;

/**
 * At most `perTenant` runs of one tenant at once, or at most `limit` runs per
 * `key` at once (docs/design.md#6-limits). A task over it is `deferred`, not failed.
 */
export type ConcurrencyLimit<P = unknown> = { readonly perTenant: number } | { readonly key: LimitKey<P>; readonly limit: number };

/** At most `limit` runs per key in any `perSeconds` (a token bucket refilled evenly; docs/design.md#6-limits). */
export interface RateLimit<P = unknown> {
  /** Default: the envelope's tenant. */
  readonly key?: LimitKey<P>;
  readonly limit: number;
  readonly perSeconds: number;
}

/** One limit a type's runs are held to, resolved from the lane's and the type's options. */
export type ResolvedLimit =
  | { readonly kind: 'concurrency'; readonly scope: string; readonly key: LimitKey; readonly limit: number }
  | { readonly kind: 'rate'; readonly scope: string; readonly key: LimitKey; readonly limit: number; readonly perSeconds: number };

/** ProvisionedPollerConfig of an SQS event source mapping; the ranges are AWS's (src/definition/scaling.ts). */
export interface ProvisionedPollers {
  /** Event pollers kept ready even while the queue is empty: 2..200. */
  readonly minimum: number;
  /** Event pollers the mapping may scale to: 2..2000, and at least `minimum`. */
  readonly maximum: number;
}

export interface LaneDefinition extends LaneOptions {
  readonly name: string;
  /** One sentence for humans: what runs here and who waits for it. */
  readonly description: string;
}

/** What a handler gets besides its payload. */
export interface TaskContext {
  /** Fires at the task's timeout: pass it to fetch(), SDK calls, streams. */
  readonly signal: AbortSignal;
  readonly envelope: TaskEnvelope;
  readonly lane: string;
  /** 1 on the first delivery (SQS ApproximateReceiveCount). */
  readonly attempt: number;
  /** Epoch ms at which the task times out. */
  readonly deadline: number;
}

export type TaskHandler<P> = (payload: P, context: TaskContext) => Promise<unknown> | unknown;

/** A schedule as EventBridge Scheduler takes it. */
export interface TaskSchedule {
  /** `rate(5 minutes)` or `cron(0 3 * * ? *)`. */
  readonly expression: string;
  /** IANA time zone for cron expressions; default UTC. */
  readonly timezone?: string;
  /** Tenant the ticks run as; default `system`. */
  readonly tenant?: string;
}

export interface TaskTypeDefinition<S extends StandardSchemaV1 = StandardSchemaV1> {
  /** Name published in the envelope's `type`, e.g. `email.send`. */
  readonly type: string;
  readonly lane: string;
  readonly description?: string;
  /** The payload's schema, of any Standard Schema validator (zod 4 or zod/mini, valibot, ArkType); the handler gets its output. */
  readonly schema: S;
  readonly handler: TaskHandler<InferOutput<S>>;
  /** Default: the lane's `taskTimeoutSeconds`. */
  readonly timeoutSeconds?: number;
  /** Attempts before the consumer dead-letters with the reason attached. Default: the lane's `maxReceiveCount`. */
  readonly maxAttempts?: number;
  /** Default: the lane's `maxAgeSeconds`. Ignored when the envelope has `notAfter`. */
  readonly maxAgeSeconds?: number;
  /** Dedup key when the envelope has none. Default: the envelope's `id`. */
  readonly dedupKey?: (payload: InferOutput<S>, envelope: TaskEnvelope<InferOutput<S>>) => string;
  readonly schedule?: TaskSchedule;
  /** Scheduled types default to singletons: a tick that finds a run in progress is skipped. */
  readonly singleton?: boolean;
  /** Per-key concurrency of this type alone, beside the lane's. None by default. */
  readonly concurrency?: ConcurrencyLimit<InferOutput<S>>;
  /** Per-key rate of this type's runs. None by default. */
  readonly rateLimit?: RateLimit<InferOutput<S>>;
}

/** A task type after defaults from its lane are applied. */
export interface ResolvedTaskType extends TaskTypeDefinition {
  readonly timeoutSeconds: number;
  readonly maxAttempts: number;
  readonly maxAgeSeconds: number;
  readonly singleton: boolean;
  /** The lane's concurrency limit, then the type's, then its rate limit; empty when none applies (no extra requests). */
  readonly limits: readonly ResolvedLimit[];
}

/** A task type as `defineTask` returns it: usable wherever a definition is, with its name and schema kept. */
export type TypedTaskType<T extends string, S extends StandardSchemaV1> = TaskTypeDefinition & { readonly type: T; readonly schema: S };

/** Type name -> payload a publisher passes (the schema's input, before defaults apply). */
export type PayloadsOf<Tasks extends readonly { readonly type: string; readonly schema: StandardSchemaV1 }[]> = {
  [Task in Tasks[number] as Task['type']]: InferInput<Task['schema']>;
};
