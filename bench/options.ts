/**
 * Every tunable number of the benchmark, with its default and why, in one
 * place. `npm run bench` uses BENCH_DEFAULTS; `npm run bench -- --quick`
 * uses QUICK_OVERRIDES to check the rig end to end in about a minute (its
 * figures are too small to publish).
 */

export interface BenchOptions {
  /**
   * Tasks per throughput run (figure 1 and the request counts of figure 2),
   * by batch size: batch 1 drains about 5x slower on the local servers, so it
   * gets fewer tasks to keep every run near the same length.
   */
  readonly throughputTasks: Readonly<Record<number, number>>;
  /** Repeats of each throughput run; the median is reported. */
  readonly throughputRepeats: number;
  /**
   * Tasks of one unmeasured drain per contender before figure 1: the first
   * drain of a fresh process ran up to 40% slower (JIT, DynamoDB Local's own
   * JVM warming up), which landed on whichever repeat came first.
   */
  readonly warmupTasks: number;
  /** Lambda batch sizes compared (event source `batchSize`). */
  readonly batchSizes: readonly number[];
  /** Shares of messages whose dedup key repeats an earlier message's. */
  readonly duplicateShares: readonly number[];
  /** A duplicate repeats the message this many places earlier: far enough that the original is settled, as in a replay. */
  readonly duplicateDistance: number;
  /** Batches in flight at once: the local poller's cap (LOCAL_CONCURRENCY_CAP). */
  readonly concurrency: number;
  /** Fresh processes per bundle for the cold-import figure; the median is reported. */
  readonly coldImportRuns: number;
  /** Records processed per CPU sample (figure 4). */
  readonly cpuRecords: number;
  /** CPU samples per configuration; the median is reported. */
  readonly cpuRepeats: number;
  /**
   * Samples taken and dropped first: at batch 1 the first two or three
   * samples of a fresh process ran up to twice as long (JIT, the SDK's lazy
   * paths), for both contenders.
   */
  readonly cpuWarmupSamples: number;
  /** Backlog sizes drained in figure 5. */
  readonly scalingBacklogs: readonly number[];
  /** A drain that has made no progress for this long is reported as stalled, not waited on forever. */
  readonly stallTimeoutMs: number;
}

export const BENCH_DEFAULTS: BenchOptions = {
  throughputTasks: { 1: 400, 10: 1_500 },
  throughputRepeats: 3,
  warmupTasks: 1_000,
  batchSizes: [1, 10],
  duplicateShares: [0, 0.2],
  duplicateDistance: 100,
  concurrency: 4,
  coldImportRuns: 7,
  cpuRecords: 2_000,
  cpuRepeats: 5,
  cpuWarmupSamples: 3,
  scalingBacklogs: [1_000, 10_000, 100_000],
  stallTimeoutMs: 60_000,
};

export const QUICK_OVERRIDES: Partial<BenchOptions> = {
  throughputTasks: { 1: 100, 10: 300 },
  throughputRepeats: 1,
  warmupTasks: 200,
  coldImportRuns: 3,
  cpuRecords: 300,
  cpuRepeats: 3,
  cpuWarmupSamples: 1,
  scalingBacklogs: [300, 1_000],
};

export class BenchOptionsError extends Error {
  override readonly name = 'BenchOptionsError';
}

/** `--quick` is the only flag; anything else is a typo worth stopping for. */
export function optionsFromArgs(args: readonly string[]): BenchOptions & { readonly quick: boolean } {
  const unknown = args.filter((arg) => arg !== '--quick');
  if (unknown.length) throw new BenchOptionsError(`unknown argument(s) ${unknown.join(' ')}; the only option is --quick`);
  const quick = args.includes('--quick');
  const options = { ...BENCH_DEFAULTS, ...(quick ? QUICK_OVERRIDES : {}), quick };
  const unsized = options.batchSizes.filter((size) => !options.throughputTasks[size]);
  if (unsized.length) throw new BenchOptionsError(`throughputTasks has no task count for batch size(s) ${unsized.join(', ')}`);
  return options;
}
