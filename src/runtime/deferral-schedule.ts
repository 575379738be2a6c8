/**
 * When a deferred task should come back (docs/design.md#6-limits): each
 * refusal takes the next place on its key's schedule, one place per
 * `interval`, so a flood's copies return spread out at the rate the limit
 * can serve them instead of all together. A rate limit's interval is exact
 * (`perSeconds / limit`, from its next token on); a concurrency limit's is
 * the scope's typical run time divided by the limit, learnt from the runs
 * this consumer gave back (a moving average). Before any run was seen, there
 * is no estimate and the caller backs off instead.
 *
 * The schedule lives in this process: on AWS each consumer instance spreads
 * the copies it defers, so a key deferred by several instances sees copies
 * come back early; those are deferred again, later on the schedule. Keeping
 * it in DynamoDB would cost one more write per deferral.
 */
import type { ResolvedLimit } from '../definition/types.ts';

/** Weight of the newest run in the average run time. */
const RUN_WEIGHT = 0.2;
/** At most this many keys' places are remembered (the least recently deferred go first). */
const MAX_KEYS = 1000;

export class DeferralSchedule {
  private readonly now: () => number;
  readonly #runMs = new Map<string, number>();
  readonly #nextAt = new Map<string, number>();

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** The scope's typical run time, once a run was seen. */
  runMs(scope: string): number | undefined {
    return this.#runMs.get(scope);
  }

  /** A run held to `scope`'s limits took `ms`. */
  observeRun(scope: string, ms: number): void {
    const average = this.#runMs.get(scope);
    this.#runMs.set(scope, average === undefined ? ms : average + RUN_WEIGHT * (ms - average));
  }

  /**
   * Takes the next place on the schedule of `record` (a limit's key) and returns how long from now
   * until it, in ms; undefined when a concurrency limit's run time is not known yet.
   * `earliestMs`: a rate limit's wait for its next token.
   */
  reserve(record: string, limit: ResolvedLimit, earliestMs = 0): number | undefined {
    const runMs = this.#runMs.get(limit.scope);
    const interval =
      limit.kind === 'rate' ? (limit.perSeconds * 1000) / limit.limit : runMs === undefined ? undefined : runMs / limit.limit;
    if (interval === undefined) return undefined;
    const now = this.now();
    const place = Math.max(this.#nextAt.get(record) ?? 0, now + earliestMs);
    this.#nextAt.delete(record);
    if (this.#nextAt.size >= MAX_KEYS) this.#nextAt.delete(this.#nextAt.keys().next().value!);
    this.#nextAt.set(record, place + interval);
    return place - now;
  }
}
