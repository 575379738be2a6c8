/**
 * The benchmark, figure by figure: throughput and request counts (1, 2) on
 * the local servers, bundles and cold import (3), CPU per task (4), scaling
 * (5); prints progress and a summary, and writes RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureBundles } from './bundle.ts';
import { CONTENDERS, type Contender } from './contenders.ts';
import { measureCpu, type CpuFigure } from './cpu.ts';
import { timedDrain } from './drain.ts';
import { optionsFromArgs } from './options.ts';
import { renderReport, writeResults, type ThroughputRow } from './report.ts';
import { startRig, type DynamoBackend } from './rig.ts';
import { measureScaling } from './scaling.ts';

/** `npm run bench` must finish in 15 minutes; scaling gets what the other figures leave of this. */
const TOTAL_BUDGET_MS = 14 * 60_000;
/** DynamoDB Local answers like AWS (the blocking item on a failed condition, consumed capacity), so request counts are AWS's. */
const BACKEND: DynamoBackend = 'dynamodb-local';
const RESULTS_FILE = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const options = optionsFromArgs(process.argv.slice(2));
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
  };
}

progress(`tasklanes bench${options.quick ? ' (quick)' : ''}: starting SQS and ${BACKEND}`);
const rig = await startRig(BACKEND);
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
try {
  for (const contender of CONTENDERS) {
    progress(`warm-up: ${contender}, ${options.warmupTasks} tasks, not measured`);
    await drain(contender, options.warmupTasks, Math.max(...options.batchSizes), 0);
  }

  const throughput: ThroughputRow[] = [];
  for (const batchSize of options.batchSizes) {
    for (const duplicateShare of options.duplicateShares) {
      const row: ThroughputRow = { batchSize, duplicateShare, floor: [], tasklanes: [], peer: [] };
      const tasks = options.throughputTasks[batchSize]!;
      for (let repeat = 1; repeat <= options.throughputRepeats; repeat++) {
        // Contenders alternate within a repeat, so a neighbour's burst hits all of them alike.
        for (const contender of CONTENDERS) {
          const label = `figure 1: ${contender}, batch ${batchSize}, ${duplicateShare * 100}% duplicates, repeat ${repeat}/${options.throughputRepeats}`;
          progress(label);
          const result = await drain(contender, tasks, batchSize, duplicateShare, (deleted) => progress(`  ${deleted}/${tasks}`));
          progress(`  ${result.tasksPerSecond.toFixed(0)} tasks/s (${result.reportedFailures} redelivered)`);
          row[contender].push(result);
        }
      }
      throughput.push(row);
    }
  }

  progress('figure 3: bundles and cold import');
  const bundles = await measureBundles(options.coldImportRuns, progress);

  const cpu: CpuFigure[] = [];
  for (const batchSize of options.batchSizes) {
    for (const contender of ['tasklanes', 'peer'] as const) {
      progress(`figure 4: CPU per task, ${contender}, batch ${batchSize}`);
      cpu.push(await measureCpu(contender, batchSize, options.cpuRecords, options.cpuRepeats, options.cpuWarmupSamples));
    }
  }

  const scaling = await measureScaling(rig, {
    backlogs: options.scalingBacklogs,
    concurrency: options.concurrency,
    stallTimeoutMs: options.stallTimeoutMs,
    budgetMs: TOTAL_BUDGET_MS - (performance.now() - started),
    onProgress: progress,
  });

  const markdown = renderReport({
    environment: environment(),
    throughput,
    bundles,
    cpu,
    scaling,
    wallSeconds: (performance.now() - started) / 1000,
  });
  await writeResults(RESULTS_FILE, markdown);
  console.log(`\n${markdown}\n`);
  progress(`wrote ${RESULTS_FILE}`);
} finally {
  await rig.stop();
}
