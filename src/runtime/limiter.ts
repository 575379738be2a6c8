/**
 * Holds a run to its type's limits (docs/design.md#6-limits): a slot of each
 * concurrency limit, then a token of its rate limit, or the first limit that
 * is full. Types without limits never reach it, so they make no extra
 * requests. A grant gives its slots back once (`release`); a refusal gives
 * back what it had taken.
 *
 * Within one batch, a key found full stays full for the batch's other
 * records of that key until one of the batch's own runs gives a slot back:
 * a flood's batch of ten asks DynamoDB once, not ten times; other batches of
 * this process take it as full for the scope's typical run time, or until
 * a run of this process gives a slot of it back. Deferring on a stale
 * "full" is always safe; it only costs the task a wait.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TaskEnvelope } from '../definition/envelope.ts';
import { LIMIT_DEFAULTS, limitRecordKey } from '../definition/task-limits.ts';
import type { ResolvedLimit, ResolvedTaskType } from '../definition/types.ts';
import { ConcurrencyLeases } from './concurrency-leases.ts';
import { DeferralSchedule } from './deferral-schedule.ts';
import { SlotHandoff } from './slot-handoff.ts';
import { RateLimiter } from './rate-limit.ts';

export interface LimitGrant {
  readonly kind: 'granted';
  /** Gives the run's slots back, saying how long it ran (`runMs`, when it did); later calls do nothing. */
  release(runMs?: number): Promise<void>;
}

export interface OverLimit {
  readonly kind: 'over';
  readonly limit: ResolvedLimit;
  /** The limit's key for this task, e.g. the tenant. */
  readonly key: string;
  /**
   * How long from now this task's place on the key's schedule is (deferral-schedule.ts); undefined
   * while a concurrency limit's run time is not known yet.
   */
  readonly waitMs?: number;
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

/** At most this many full keys are remembered across batches. */
const MAX_FULL_KEYS = 1000;

const GRANTED_NOTHING: LimitGrant = { kind: 'granted', release: async () => {} };

export class TaskLimiter {
  readonly #leases: ConcurrencyLeases;
  readonly #rates: RateLimiter;
  readonly #schedule: DeferralSchedule;
  readonly #handoff = new SlotHandoff();
  /** Concurrency records found full, until when this process takes that as known: the scope's typical run, or a local release. */
  readonly #fullUntil = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: TaskLimiterOptions) {
    this.#leases = new ConcurrencyLeases(options.client, options.table, options.now);
    this.#rates = new RateLimiter(options.client, options.table, options.now);
    this.#schedule = new DeferralSchedule(options.now);
    this.#now = options.now ?? Date.now;
  }

  /** Gives a slot back and lets a run of this process that waits for it try (slot-handoff.ts). */
  async #giveBack(record: string, owner: string): Promise<void> {
    await this.#leases.release(record, owner);
    this.#fullUntil.delete(record);
    this.#handoff.released(record);
  }

  /**
   * A refused concurrency slot, in a batch that holds a run of the same key already (the batch waits
   * for that run anyway), while fewer of the key's runs wait than it may run at once: wait up to LIMIT_DEFAULTS.waitInPlaceSeconds for this process to give a slot
   * of the key back, and take it (undefined). Otherwise, or after that wait, the refusal with its
   * place on the key's schedule.
   */
  async #waitInPlace(
    limit: ResolvedLimit,
    key: string,
    record: string,
    request: LimitRequest,
    over: OverLimit,
    batchHolds: boolean,
  ): Promise<OverLimit | undefined> {
    const holdMs = LIMIT_DEFAULTS.waitInPlaceSeconds * 1000;
    // As many as the key runs at once, at most, and only in batches it holds anyway: a flooding key holds no
    // more batches than it has runs, and no more records than twice them.
    if (batchHolds && this.#handoff.waiting(record) < limit.limit) {
      const until = Date.now() + holdMs;
      for (let left = holdMs; left > 0; left = until - Date.now()) {
        if (!(await this.#handoff.wait(record, left))) break;
        if (!(await this.#take(limit, key, record, request))) return undefined;
      }
    }
    return { ...over, waitMs: this.#schedule.reserve(record, limit) };
  }

  /** A port for one batch, remembering the keys it found full. */
  forBatch(): LimitPort {
    const full = new Map<string, OverLimit>();
    // Runs of this batch holding or waiting for a slot, per limit record: the batch ends only after them.
    const holding = new Map<string, number>();
    const hold = (record: string, by: number) => holding.set(record, (holding.get(record) ?? 0) + by);
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
        // Another batch of this process found the key full within a run's time: asking again would find it full too.
        if ((this.#fullUntil.get(record) ?? 0) > this.#now()) return { kind: 'over', limit, key } satisfies OverLimit;
        const over = await this.#take(limit, key, record, request);
        // Before the next in turn asks: it must find the refusal.
        if (over?.limit.kind === 'concurrency') {
          full.set(record, over);
          const runMs = this.#schedule.runMs(limit.scope);
          if (runMs !== undefined) {
            this.#fullUntil.delete(record);
            if (this.#fullUntil.size >= MAX_FULL_KEYS) this.#fullUntil.delete(this.#fullUntil.keys().next().value!);
            this.#fullUntil.set(record, this.#now() + runMs);
          }
        }
        return over;
      } finally {
        done();
      }
    };
    return {
      acquire: async (request) => {
        const taken: string[] = [];
        const giveBack = () => Promise.all(taken.map((record) => this.#giveBack(record, request.owner))).then(() => undefined);
        for (const limit of request.task.limits) {
          const key = limit.key(request.envelope.payload, request.envelope);
          const record = limitRecordKey(limit, key);
          let over: OverLimit | undefined;
          try {
            over = await ask(limit, key, record, request);
            // Every refusal, remembered or fresh, takes its own place on the key's schedule.
            if (over?.limit.kind === 'concurrency') {
              const batchHolds = (holding.get(record) ?? 0) > 0;
              hold(record, 1);
              over = await this.#waitInPlace(limit, key, record, request, over, batchHolds).finally(() => hold(record, -1));
            } else if (over) over = { ...over, waitMs: this.#schedule.reserve(record, limit, over.waitMs) };
          } catch (error) {
            await giveBack().catch(() => {});
            throw error;
          }
          if (over) {
            await giveBack().catch(() => {
              // Their leases end on their own.
            });
            return over;
          }
          if (limit.kind === 'concurrency') {
            taken.push(record);
            hold(record, 1);
          }
        }
        if (taken.length === 0) return GRANTED_NOTHING;
        let released: Promise<void> | undefined;
        return {
          kind: 'granted',
          release: (runMs) => {
            if (released) return released;
            if (runMs !== undefined) for (const limit of request.task.limits) this.#schedule.observeRun(limit.scope, runMs);
            released = giveBack().finally(() => {
              for (const record of taken) {
                full.delete(record);
                hold(record, -1);
              }
            });
            return released;
          },
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
    // waitMs here is the wait for the next token; acquire turns it into a place on the schedule.
    return rate.kind === 'allowed' ? undefined : { kind: 'over', limit, key, waitMs: rate.retryAfterMs };
  }
}
