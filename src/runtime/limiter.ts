/**
 * Holds a run to its type's limits (docs/design.md#6-limits): a slot of each
 * concurrency limit, then a token of its rate limit, or the first limit that
 * is full. Types without limits never reach it, so they make no extra
 * requests. A grant gives its slots back once (`release`); a refusal gives
 * back what it had taken.
 *
 * Within one batch, a key found full stays full for the batch's other
 * records of that key until one of the batch's own runs gives a slot back:
 * a flood's batch of ten asks DynamoDB once, not ten times. Deferring on a
 * stale "full" is always safe; it only costs the task a wait.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TaskEnvelope } from '../definition/envelope.ts';
import { limitRecordKey } from '../definition/task-limits.ts';
import type { ResolvedLimit, ResolvedTaskType } from '../definition/types.ts';
import { ConcurrencyLeases } from './concurrency-leases.ts';
import { RateLimiter } from './rate-limit.ts';

export interface LimitGrant {
  readonly kind: 'granted';
  /** Gives the run's slots back; later calls do nothing. */
  release(): Promise<void>;
}

export interface OverLimit {
  readonly kind: 'over';
  readonly limit: ResolvedLimit;
  /** The limit's key for this task, e.g. the tenant. */
  readonly key: string;
  /** Rate limits: when the next run would be allowed. Concurrency: unknown (a slot frees when a run ends). */
  readonly retryAfterMs?: number;
}

export type LimitDecision = LimitGrant | OverLimit;

export interface LimitRequest {
  readonly task: ResolvedTaskType;
  readonly envelope: TaskEnvelope;
  /** The run holding the slots: the SQS message id. */
  readonly owner: string;
  readonly leaseMs: number;
}

/** What the pipeline needs of the limiter: one per batch (`TaskLimiter.forBatch`). */
export interface LimitPort {
  acquire(request: LimitRequest): Promise<LimitDecision>;
}

export interface TaskLimiterOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly now?: () => number;
}

const GRANTED_NOTHING: LimitGrant = { kind: 'granted', release: async () => {} };

export class TaskLimiter {
  readonly #leases: ConcurrencyLeases;
  readonly #rates: RateLimiter;

  constructor(options: TaskLimiterOptions) {
    this.#leases = new ConcurrencyLeases(options.client, options.table, options.now);
    this.#rates = new RateLimiter(options.client, options.table, options.now);
  }

  /** A port for one batch, remembering the keys it found full. */
  forBatch(): LimitPort {
    const full = new Map<string, OverLimit>();
    // The batch's records ask for one key in turn, so the first refusal spares the others a request.
    const inTurn = new Map<string, Promise<void>>();
    const ask = async (limit: ResolvedLimit, key: string, record: string, request: LimitRequest): Promise<OverLimit | undefined> => {
      const before = inTurn.get(record);
      let done!: () => void;
      const mine = new Promise<void>((resolve) => {
        done = resolve;
      });
      inTurn.set(
        record,
        (before ?? Promise.resolve()).then(() => mine),
      );
      await before;
      try {
        const known = full.get(record);
        if (known) return known;
        const over = await this.#take(limit, key, record, request);
        // Before the next in turn asks: it must find the refusal.
        if (over?.limit.kind === 'concurrency') full.set(record, over);
        return over;
      } finally {
        done();
      }
    };
    return {
      acquire: async (request) => {
        const taken: string[] = [];
        const giveBack = () => Promise.all(taken.map((record) => this.#leases.release(record, request.owner))).then(() => undefined);
        for (const limit of request.task.limits) {
          const key = limit.key(request.envelope.payload, request.envelope);
          const record = limitRecordKey(limit, key);
          const over = await ask(limit, key, record, request).catch(async (error: unknown) => {
            await giveBack().catch(() => {});
            throw error;
          });
          if (over) {
            await giveBack().catch(() => {
              // Their leases end on their own.
            });
            return over;
          }
          if (limit.kind === 'concurrency') taken.push(record);
        }
        if (taken.length === 0) return GRANTED_NOTHING;
        let released: Promise<void> | undefined;
        return {
          kind: 'granted',
          release: () =>
            (released ??= giveBack().finally(() => {
              for (const record of taken) full.delete(record);
            })),
        };
      },
    };
  }

  /** Takes one limit's slot or token; the refusal when it is full. */
  async #take(limit: ResolvedLimit, key: string, record: string, request: LimitRequest): Promise<OverLimit | undefined> {
    if (limit.kind === 'concurrency') {
      const slot = await this.#leases.acquire(record, { owner: request.owner, limit: limit.limit, leaseMs: request.leaseMs });
      return slot.kind === 'acquired' ? undefined : { kind: 'over', limit, key };
    }
    const rate = await this.#rates.take(record, { limit: limit.limit, perSeconds: limit.perSeconds });
    return rate.kind === 'allowed' ? undefined : { kind: 'over', limit, key, retryAfterMs: rate.retryAfterMs };
  }
}
