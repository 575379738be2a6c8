/**
 * The benchmark, figure by figure: throughput and request counts (1, 2) on
 * the local servers, bundles and cold import (3), CPU per task (4), scaling
 * (5); prints progress and a summary, and writes RESULTS.md. With
 * `--runs N`, figures 1-4 run N times, each on a fresh rig, and every figure
 * is reported as its median and spread over the runs.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureBundles } from './bundle.ts';
import { CONTENDERS, type Contender } from './contenders.ts';
import { MEMORY_SIZE_MB } from './cost.ts';
import { measureCpu, type CpuFigure } from './cpu.ts';
import { timedDrain } from './drain.ts';
import { BENCH_USAGE, BenchOptionsError, optionsFromArgs } from './options.ts';
import { renderReport, renderSummary, writeResults, type RunFigures, type ThroughputRow } from './report.ts';
import { startRig, type DynamoBackend, type Rig } from './rig.ts';
import { measureScaling, type ScalingRow } from './scaling.ts';

/** `npm run bench` must finish in 15 minutes; scaling gets what one run's other figures leave of this. */
const TOTAL_BUDGET_MS = 14 * 60_000;
/** DynamoDB Local answers like AWS (the blocking item on a failed condition, consumed capacity), so request counts are AWS's. */
const BACKEND: DynamoBackend = 'dynamodb-local';
const RESULTS_FILE = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

function parseOptions(): ReturnType<typeof optionsFromArgs> {
  try {
    return optionsFromArgs(process.argv.slice(2));
  } catch (error) {
    // A typo in a flag is the user's to fix: the message, not a stack trace.
    if (!(error instanceof BenchOptionsError)) throw error;
    console.error(`npm run bench: ${error.message}`);
    process.exit(2);
  }
}

const options = parseOptions();
if (options.help) {
  console.log(BENCH_USAGE);
  process.exit(0);
}
const started = performance.now();
const progress = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

function environment(): Record<string, string> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  return {
    date: new Date().toISOString(),
    machine: `${type()} ${cpus().length}x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB (shared with other engineers' test runs)`,
    node: process.version,
    commit,
    'DynamoDB backend': `${BACKEND} (AWS's emulator, a JVM beside this process; both contenders use it)`,
    'SQS backend': 'local-aws-sqs, in process',
    'poller concurrency': `${options.concurrency} (receives in progress plus batches in flight, figures 1 and 5)`,
    mode: options.quick ? 'QUICK (--quick): too small to publish' : 'full',
    'Lambda memory (duration)': `${MEMORY_SIZE_MB} MB, arm64 (the stack's consumer default, src/cdk/options.ts)`,
  };
}

const runLabel = (index: number) => (options.runs > 1 ? `run ${index + 1}/${options.runs}: ` : '');

/** Figures 1-4 on the rig: one run of the benchmark. */
async function runFigures(rig: Rig, label: string, runStarted: number): Promise<RunFigures> {
  const say = (message: string) => progress(`${label}${message}`);
  /** One drain of figure 1 (or its warm-up) with the run's options; batch 1 is published the naive way, larger batches tuned. */
  const drain = (contender: Contender, tasks: number, batchSize: number, duplicateShare: number, onProgress?: (deleted: number) => void) =>
    timedDrain(rig, {
      contender,
      tasks,
      batchSize,
      duplicateShare,
      duplicateDistance: options.duplicateDistance,
      publishPath: batchSize === 1 ? 'naive' : 'tuned',
      concurrency: options.concurrency,
      stallTimeoutMs: options.stallTimeoutMs,
      onProgress,
    });
  // Each batch size takes its own paths (publish, claims, the SDK's commands), so each is warmed.
  for (const batchSize of options.batchSizes) {
    const tasks = Math.min(options.warmupTasks, options.throughputTasks[batchSize]!);
    for (const contender of CONTENDERS) {
      say(`warm-up: ${contender}, batch ${batchSize}, ${tasks} tasks, not measured`);
      await drain(contender, tasks, batchSize, 0);
    }
  }

  const throughput: ThroughputRow[] = [];
  for (const batchSize of options.batchSizes) {
    for (const duplicateShare of options.duplicateShares) {
      const row: ThroughputRow = { batchSize, duplicateShare, floor: [], tasklanes: [], peer: [] };
      const tasks = options.throughputTasks[batchSize]!;
      for (let repeat = 1; repeat <= options.throughputRepeats; repeat++) {
        // Contenders alternate within a repeat, so a neighbour's burst hits all of them alike.
        for (const contender of CONTENDERS) {
          say(
            `figure 1: ${contender}, batch ${batchSize}, ${duplicateShare * 100}% duplicates, repeat ${repeat}/${options.throughputRepeats}`,
          );
          const result = await drain(contender, tasks, batchSize, duplicateShare, (deleted) => say(`  ${deleted}/${tasks}`));
          say(`  ${result.tasksPerSecond.toFixed(0)} tasks/s (${result.reportedFailures} redelivered)`);
          row[contender].push(result);
        }
      }
      throughput.push(row);
    }
  }

  say('figure 3: bundles and cold import');
  const bundles = await measureBundles(options.coldImportRuns, say);

  const cpu: CpuFigure[] = [];
  for (const batchSize of options.batchSizes) {
    say(`figure 4: CPU per task, tasklanes and peer alternating, batch ${batchSize}`);
    cpu.push(...(await measureCpu(batchSize, options.cpuRecords, options.cpuRepeats, options.cpuWarmupSamples)));
  }
  return { throughput, bundles, cpu, wallSeconds: (performance.now() - runStarted) / 1000 };
}

progress(`tasklanes bench${options.quick ? ' (quick)' : ''}, ${options.runs} run(s): SQS and ${BACKEND} start afresh for each run`);
const runs: RunFigures[] = [];
let scaling: ScalingRow[] = [];
for (let index = 0; index < options.runs; index++) {
  const label = runLabel(index);
  const runStarted = performance.now();
  progress(`${label}starting SQS and ${BACKEND}`);
  // A fresh rig per run: each run starts as a separate `npm run bench` would, with empty tables and a new JVM.
  const rig = await startRig(BACKEND);
  try {
    const figures = await runFigures(rig, label, runStarted);
    runs.push(figures);
    if (options.runs > 1) {
      progress(
        `${label}done in ${figures.wallSeconds.toFixed(0)} s; this run's summary:\n${renderSummary([figures], options.awsRoundTripMs)}`,
      );
    }
    if (index === options.runs - 1) {
      // Scaling gets what one run's figures leave of the budget, so --runs N does not shrink it.
      scaling = await measureScaling(rig, {
        backlogs: options.scalingBacklogs,
        concurrency: options.concurrency,
        stallTimeoutMs: options.stallTimeoutMs,
        budgetMs: TOTAL_BUDGET_MS - (performance.now() - runStarted),
        onProgress: progress,
      });
    }
  } finally {
    await rig.stop();
  }
}

const report = {
  environment: environment(),
  runs,
  scaling,
  awsRoundTripMs: options.awsRoundTripMs,
  wallSeconds: (performance.now() - started) / 1000,
};
const markdown = renderReport(report);
await writeResults(RESULTS_FILE, markdown);
console.log(`\n${markdown}\n`);
console.log(
  `Summary${options.runs > 1 ? `, median (min–max) over ${options.runs} runs` : ''}:\n${renderSummary(runs, options.awsRoundTripMs)}\n`,
);
progress(`wrote ${RESULTS_FILE}`);
