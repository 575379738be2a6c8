/**
 * Figure 5: drain time of growing backlogs, tasklanes at its tuned setting
 * (batch 10, SendMessageBatch). Flat cost means time and requests per task
 * stay where the smallest backlog put them. A backlog that cannot drain in
 * the time left is skipped with its projection rather than shrunk.
 */
import { BENCH_DEFAULTS } from './options.ts';
import { timedDrain, type DrainResult } from './drain.ts';
import type { Rig } from './rig.ts';

export type ScalingRow =
  | { readonly backlog: number; readonly result: DrainResult }
  | { readonly backlog: number; readonly skipped: string };

/** Room for a neighbour's load on the shared machine when projecting the next backlog from the last. */
const PROJECTION_MARGIN = 1.2;

export interface ScalingSpec {
  readonly backlogs: readonly number[];
  readonly concurrency: number;
  readonly stallTimeoutMs: number;
  /** Milliseconds left for this figure. */
  readonly budgetMs: number;
  readonly onProgress: (message: string) => void;
}

export async function measureScaling(rig: Rig, spec: ScalingSpec): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  const deadline = performance.now() + spec.budgetMs;
  let msPerTask: number | undefined;
  for (const backlog of spec.backlogs) {
    const left = deadline - performance.now();
    const projected = msPerTask === undefined ? 0 : backlog * msPerTask * PROJECTION_MARGIN;
    if (projected > left) {
      const skipped = `projected ${(projected / 1000).toFixed(0)} s (publish + drain at ${(1000 / msPerTask!).toFixed(0)} tasks/s end to end) > ${(left / 1000).toFixed(0)} s left of the budget`;
      rows.push({ backlog, skipped });
      spec.onProgress(`scaling: ${backlog} skipped (${skipped})`);
      continue;
    }
    spec.onProgress(`scaling: publishing and draining ${backlog} tasks`);
    const result = await timedDrain(rig, {
      contender: 'tasklanes',
      tasks: backlog,
      batchSize: 10,
      duplicateShare: 0,
      duplicateDistance: BENCH_DEFAULTS.duplicateDistance,
      publishPath: 'tuned',
      concurrency: spec.concurrency,
      stallTimeoutMs: spec.stallTimeoutMs,
      onProgress: (deleted) => spec.onProgress(`scaling ${backlog}: ${deleted} drained`),
    });
    msPerTask = (result.publishMs + result.elapsedMs) / backlog;
    rows.push({ backlog, result });
  }
  return rows;
}
