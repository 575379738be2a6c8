/**
 * Every tunable number of the benchmark, with its default and why, in one
 * place. `npm run bench` uses BENCH_DEFAULTS; `npm run bench -- --quick`
 * uses QUICK_OVERRIDES to check the rig end to end in about a minute (its
 * figures are too small to publish). `--runs N` runs figures 1-4 N times in
 * one invocation and reports each figure's median and spread over the runs.
 */
import type { Service } from './duration.ts';

export interface BenchOptions {
  /**
   * Tasks per throughput run (figure 1 and the request counts of figure 2),
   * by batch size: batch 1 drains about 5x slower on the local servers, so it
   * gets fewer tasks to keep every run near the same length. Each drain lasts
   * a few seconds, so its start and its last batches (about the same time for
   * every contender) weigh little: at 400 and 1,500 tasks a drain lasted
   * about 2 s, and batch 1's repeats spread over ±7% within a run.
   */
  readonly throughputTasks: Readonly<Record<number, number>>;
  /**
   * Repeats of each throughput run; the median is reported. At 3 a run's
   * batch-1 ratio to the peer moved by ±5% between runs of the same code.
   */
  readonly throughputRepeats: number;
  /**
   * Tasks of one unmeasured drain per contender and batch size before
   * figure 1 (at most that batch size's throughputTasks): the first drain of
   * a fresh process ran up to 40% slower (JIT, DynamoDB Local's own JVM
   * warming up), which landed on whichever repeat came first; a batch size
   * warmed only by another's drain still rose over its three repeats
   * (tasklanes at batch 1: 109, 124, 148 tasks/s in one run).
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
  /**
   * Fresh processes per bundle for the cold-import figure; the median is
   * reported. At 7 a run's median moved from 0.54x to 0.66x of the peer's
   * on a busy machine (samples of one bundle 58-101 ms within a run).
   */
  readonly coldImportRuns: number;
  /**
   * Records processed per CPU sample (figure 4): at 2,000 a batch-10 sample
   * of tasklanes lasted under 0.2 s, and one scheduler hiccup moved it by
   * half (75 to 169 µs per task within one run).
   */
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
  /**
   * Whole benchmarks (warm-up and figures 1-4, each on a fresh rig) run in
   * one invocation; every figure is reported as its median and min–max over
   * them. Figure 5 runs once, after the last. Set with `--runs N`.
   */
  readonly runs: number;
  /**
   * Round trip of one request from a Lambda function to the service in the
   * same region, for figure 2's duration estimate on AWS, in place of the
   * rig's round trips (under a millisecond to tens of them): AWS's are
   * single-digit milliseconds (DynamoDB's documented latency; SQS is
   * slower). Not measured here: an
   * assumption to replace with a deployed lane's X-Ray or SDK timings.
   */
  readonly awsRoundTripMs: Readonly<Record<Service, number>>;
}

export const BENCH_DEFAULTS: BenchOptions = {
  throughputTasks: { 1: 1_000, 10: 4_000 },
  throughputRepeats: 5,
  warmupTasks: 1_000,
  batchSizes: [1, 10],
  duplicateShares: [0, 0.2],
  duplicateDistance: 100,
  concurrency: 4,
  coldImportRuns: 15,
  cpuRecords: 5_000,
  cpuRepeats: 5,
  cpuWarmupSamples: 3,
  scalingBacklogs: [1_000, 10_000, 100_000],
  stallTimeoutMs: 60_000,
  runs: 1,
  awsRoundTripMs: { dynamodb: 5, sqs: 10 },
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

const USAGE = 'options: --quick, --runs N (N a whole number from 1), --help';

export const BENCH_USAGE = `usage: npm run bench -- [--quick] [--runs N] [--help]
  --quick   a small run that checks the rig end to end; its figures are too small to publish
  --runs N  figures 1-4 N times, each on a fresh rig; every figure reported as its median and min-max
  --help    this text`;

/** `--quick`, `--runs N` and `--help` are the only flags; anything else is a typo worth stopping for. */
export function optionsFromArgs(args: readonly string[]): BenchOptions & { readonly quick: boolean; readonly help: boolean } {
  let quick = false;
  let help = false;
  let runs: number | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--runs') {
      const value = args[++index];
      if (runs !== undefined) throw new BenchOptionsError(`--runs given twice; ${USAGE}`);
      if (value === undefined || !/^[1-9][0-9]*$/.test(value))
        throw new BenchOptionsError(`--runs needs a run count, got ${value ?? 'nothing'}; ${USAGE}`);
      runs = Number(value);
    } else throw new BenchOptionsError(`unknown argument ${arg}; ${USAGE}`);
  }
  const options = { ...BENCH_DEFAULTS, ...(quick ? QUICK_OVERRIDES : {}), ...(runs === undefined ? {} : { runs }), quick, help };
  const unsized = options.batchSizes.filter((size) => !options.throughputTasks[size]);
  if (unsized.length) throw new BenchOptionsError(`throughputTasks has no task count for batch size(s) ${unsized.join(', ')}`);
  return options;
}
