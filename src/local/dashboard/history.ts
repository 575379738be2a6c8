/**
 * The dashboard's recent past: every few seconds, each lane's throughput
 * (outcomes per second since the previous sample, in all and per outcome)
 * and the age of its oldest message, kept for the last minutes.
 */
import { OUTCOMES, type Outcome } from '../../definition/metrics.ts';

export interface LaneSample {
  /** Outcomes so far, per outcome (running totals). */
  readonly outcomes: Readonly<Record<Outcome, number>>;
  readonly oldestAgeSeconds: number;
}

export interface LanePoint {
  /** Every outcome: each delivery has one. */
  readonly throughputPerSecond: number;
  readonly outcomesPerSecond: Readonly<Record<Outcome, number>>;
  readonly oldestAgeSeconds: number;
}

export interface HistoryPoint {
  /** Epoch ms. */
  readonly at: number;
  readonly lanes: Readonly<Record<string, LanePoint>>;
}

export interface HistoryOptions {
  /** Reads every lane's totals now. */
  readonly sample: () => Promise<Readonly<Record<string, LaneSample>>>;
  /** Default 5 s. */
  readonly sampleIntervalMs?: number;
  /** Default 10 minutes. */
  readonly windowMs?: number;
  /** Called with a failed sample; the sampler goes on. Default: ignored (the next sample retries). */
  readonly onError?: (error: unknown) => void;
}

export const HISTORY_DEFAULTS = { sampleIntervalMs: 5_000, windowMs: 10 * 60_000 } as const;

export class StatusHistory {
  readonly #options: Required<HistoryOptions>;
  readonly #points: HistoryPoint[] = [];
  #previous: { at: number; lanes: Readonly<Record<string, LaneSample>> } | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(options: HistoryOptions) {
    this.#options = { ...HISTORY_DEFAULTS, onError: () => {}, ...options };
    this.#timer = setInterval(() => void this.sampleNow().catch(this.#options.onError), this.#options.sampleIntervalMs);
    // A dashboard must not keep `npm start` alive on its own.
    this.#timer.unref();
  }

  get sampleIntervalMs(): number {
    return this.#options.sampleIntervalMs;
  }

  /** Oldest first. */
  points(): readonly HistoryPoint[] {
    return this.#points;
  }

  /** Takes a sample at once; the first one only sets the baseline for throughput. */
  async sampleNow(at: number = Date.now()): Promise<void> {
    const lanes = await this.#options.sample();
    const previous = this.#previous;
    this.#previous = { at, lanes };
    if (!previous) return;
    const seconds = Math.max(0.001, (at - previous.at) / 1000);
    this.#points.push({
      at,
      lanes: Object.fromEntries(
        Object.entries(lanes).map(([lane, sample]) => {
          const rates = OUTCOMES.map(
            (outcome) => [outcome, (sample.outcomes[outcome] - (previous.lanes[lane]?.outcomes[outcome] ?? 0)) / seconds] as const,
          );
          const point: LanePoint = {
            throughputPerSecond: rates.reduce((sum, [, rate]) => sum + rate, 0),
            outcomesPerSecond: Object.fromEntries(rates) as Record<Outcome, number>,
            oldestAgeSeconds: sample.oldestAgeSeconds,
          };
          return [lane, point];
        }),
      ),
    });
    while (this.#points.length > 0 && this.#points[0]!.at < at - this.#options.windowMs) this.#points.shift();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
