/**
 * Definitions for the scheduling tests: a lane of scheduled singleton types
 * whose handlers record their runs in the execution log (one slow enough to
 * overlap its own schedule three times over), and a set of lanes that only
 * have heartbeats.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import type { TaskContext } from '../../src/definition/types.ts';
import { recordExecution } from '../support/execution-log.ts';

/** Scheduled minutes per real second in the overlap test: one `rate(1 minute)` tick every 100 ms. */
export const OVERLAP_SPEED = 600;
/** Real milliseconds between two ticks of a `rate(1 minute)` type at OVERLAP_SPEED. */
export const TICK_INTERVAL_MS = 60_000 / OVERLAP_SPEED;
/** The slow type runs for three intervals: left alone, cron would have three runs going at once (incident 002, docs/incidents.md#002-overlapping-schedules). */
export const SLOW_RUN_MS = 3 * TICK_INTERVAL_MS;
/**
 * What each slow run holds while it runs, in numbers (8 bytes each): 2 MiB,
 * the stand-in for the pretix job's working set. Overlapping or leaked runs
 * would multiply it.
 */
export const SLOW_RUN_WORKING_SET = 256 * 1024;

const EVERY_MINUTE = { expression: 'rate(1 minute)' };

function recordedRun(context: TaskContext, phase: 'started' | 'completed'): void {
  const { envelope, attempt } = context;
  recordExecution({ id: envelope.id, type: envelope.type, tenant: envelope.tenant, attempt, phase });
}

/** Holds its working set for three tick intervals. */
async function slowRun(_payload: unknown, context: TaskContext): Promise<number> {
  recordedRun(context, 'started');
  const workingSet = new Array<number>(SLOW_RUN_WORKING_SET).fill(1);
  await sleep(SLOW_RUN_MS, undefined, { signal: context.signal });
  recordedRun(context, 'completed');
  return workingSet.length;
}

export const scheduledDefinition = createDefinition({
  lanes: [
    defineLane('ticks', 'scheduled singletons under test', {
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      taskTimeoutSeconds: 5,
      maxReceiveCount: 3,
      maxConcurrency: 2,
    }),
  ],
  tasks: [
    defineTask({
      type: 'tick.slow',
      lane: 'ticks',
      schema: z.object({}),
      schedule: EVERY_MINUTE,
      handler: slowRun,
    }),
    // The control: the same work without the singleton lease, to show the concurrency measure does see overlap.
    defineTask({ type: 'tick.unguarded', lane: 'ticks', schema: z.object({}), schedule: EVERY_MINUTE, singleton: false, handler: slowRun }),
    defineTask({
      type: 'tick.quick',
      lane: 'ticks',
      schema: z.object({}),
      schedule: EVERY_MINUTE,
      handler: (_payload, context) => {
        recordedRun(context, 'started');
        recordedRun(context, 'completed');
      },
    }),
  ],
  heartbeats: false,
});

/** Heartbeats only. A 2 s queue-age promise, so a paused lane's heartbeats come back late enough to count as delayed. */
export const HEARTBEAT_QUEUE_AGE_SECONDS = 2;

export const heartbeatDefinition = createDefinition({
  lanes: ['alpha', 'beta', 'gamma'].map((name) =>
    defineLane(name, `heartbeat test lane ${name}`, {
      maxBatchingWindowSeconds: 0,
      taskTimeoutSeconds: 5,
      maxConcurrency: 2,
      queueAgeAlarmSeconds: HEARTBEAT_QUEUE_AGE_SECONDS,
    }),
  ),
  tasks: [],
});
