/**
 * Keeps what the local consumers report: counts per lane and outcome (the
 * local stand-in for the CloudWatch metrics), the most recent tasks, and
 * waiters for an outcome to happen. `npm start` prints from it and the local
 * dashboard reads it.
 */
import { OUTCOMES, TIMED_OUT, type Outcome } from '../definition/metrics.ts';
import type { OutcomeEvent, OutcomeListener } from '../runtime/outcome.ts';

/** How many of the latest outcomes are kept for display. */
export const RECENT_LIMIT = 200;
/** How many outcomes `history` and `waitFor` can look back on; bounds memory of a long local run. */
export const HISTORY_LIMIT = 100_000;

export type OutcomeCounts = Record<Outcome | typeof TIMED_OUT, number>;

export const emptyCounts = (): OutcomeCounts => Object.fromEntries([...OUTCOMES, TIMED_OUT].map((name) => [name, 0])) as OutcomeCounts;

interface Waiter {
  readonly match: (event: OutcomeEvent) => boolean;
  readonly resolve: (event: OutcomeEvent) => void;
}

export class OutcomeRecorder {
  private readonly counts = new Map<string, OutcomeCounts>();
  /** Per lane, per task type: the dashboard's per-type breakdown. */
  private readonly typeCounts = new Map<string, Map<string, OutcomeCounts>>();
  private readonly latest: OutcomeEvent[] = [];
  private readonly all: OutcomeEvent[] = [];
  private waiters: Waiter[] = [];
  private readonly subscribers = new Set<OutcomeListener>();
  #historySince = Date.now();

  /** Pass this as the consumers' `onOutcome`. */
  readonly listener: OutcomeListener = (event) => {
    for (const counts of [this.countsOf(event.lane), this.#countsOfType(event.lane, event.type)]) {
      counts[event.outcome]++;
      if (event.timedOut) counts[TIMED_OUT]++;
    }
    this.all.push(event);
    if (this.all.length > HISTORY_LIMIT) {
      this.all.splice(0, this.all.length - HISTORY_LIMIT);
      this.#historySince = this.all[0]!.at;
    }
    this.latest.push(event);
    if (this.latest.length > RECENT_LIMIT) this.latest.shift();
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.match(event)) waiter.resolve(event);
      else still.push(waiter);
    }
    this.waiters = still;
    for (const subscriber of this.subscribers) subscriber(event);
  };

  countsOf(lane: string): OutcomeCounts {
    let counts = this.counts.get(lane);
    if (!counts) {
      counts = emptyCounts();
      this.counts.set(lane, counts);
    }
    return counts;
  }

  /** The lane's counters per task type, for the types it has seen an outcome of. */
  countsByType(lane: string): ReadonlyMap<string, Readonly<OutcomeCounts>> {
    return this.typeCounts.get(lane) ?? new Map();
  }

  #countsOfType(lane: string, type: string): OutcomeCounts {
    const types = this.typeCounts.get(lane) ?? new Map<string, OutcomeCounts>();
    this.typeCounts.set(lane, types);
    const counts = types.get(type) ?? emptyCounts();
    types.set(type, counts);
    return counts;
  }

  /** Newest last. */
  recent(): readonly OutcomeEvent[] {
    return this.latest;
  }

  /** Every outcome of the events matching `match`, oldest first. */
  history(match: (event: OutcomeEvent) => boolean): OutcomeEvent[] {
    return this.all.filter(match);
  }

  /** Epoch ms from which `history` is complete: when recording began, or the oldest outcome kept once HISTORY_LIMIT was passed. */
  get historySince(): number {
    return this.#historySince;
  }

  /** Resolves with the first event (past or future) that matches. */
  waitFor(match: (event: OutcomeEvent) => boolean): Promise<OutcomeEvent> {
    const seen = this.all.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  subscribe(listener: OutcomeListener): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }
}
