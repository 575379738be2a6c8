/**
 * The benchmark's definition: one lane and one trivial task type, so every
 * figure measures the machinery around a handler rather than the handler.
 * The peer runs the same handler (`trivialHandler`).
 */
import { z } from 'zod';
import { defineLane } from '../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../src/definition/registry.ts';

export const BENCH_LANE = 'bench';
export const BENCH_TASK_TYPE = 'bench.noop';

export const benchPayloadSchema = z.object({ n: z.number().int() });
export type BenchPayload = z.infer<typeof benchPayloadSchema>;

/** The work of a task: nothing that costs time, so the pipeline's own cost shows. */
export function trivialHandler(payload: BenchPayload): number {
  return payload.n;
}

export const benchDefinition = createDefinition({
  lanes: [
    defineLane(BENCH_LANE, 'benchmark lane: trivial tasks', {
      batchSize: 10,
      // No batching window: a drain measures the pipeline, not a wait for fuller batches.
      maxBatchingWindowSeconds: 0,
      taskTimeoutSeconds: 30,
    }),
  ],
  tasks: [defineTask({ type: BENCH_TASK_TYPE, lane: BENCH_LANE, schema: benchPayloadSchema, handler: trivialHandler })],
  heartbeats: false,
});
