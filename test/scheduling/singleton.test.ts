/**
 * Scheduled singletons against the real local servers: a type that runs
 * three times its interval, ticked by the fast-forwarded local scheduler,
 * never runs twice at once, every tick ends in exactly one counted outcome,
 * and memory does not grow with the ticks; a lease left by a dead run holds
 * the schedule only until it expires; a scheduler retry of a tick is a
 * duplicate, never a second run.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_SCHEDULE_TENANT, renderTick, tickMessageTemplate } from '../../src/definition/schedule.ts';
import { leaseSeconds } from '../../src/definition/timeouts.ts';
import type { TaskEnvelope } from '../../src/definition/envelope.ts';
import { DedupStore } from '../../src/runtime/dedup.ts';
import { singletonKey } from '../../src/runtime/envelope.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import { startLocalScheduler } from '../../src/local/scheduler.ts';
import { readExecutions, useFreshExecutionLog } from '../support/execution-log.ts';
import { withRunningLanes, type Harness } from '../support/harness.ts';
import { waitFor } from '../support/wait.ts';
import { OVERLAP_SPEED, SLOW_RUN_MS, SLOW_RUN_WORKING_SET, TICK_INTERVAL_MS, scheduledDefinition } from './definitions.ts';

useFreshExecutionLog();
/** Added to the consumers' clock: the lease test moves time past a lease instead of waiting for it. */
let clockOffsetMs = 0;
const harness = withRunningLanes({ definition: scheduledDefinition, now: () => Date.now() + clockOffsetMs });

/** Ticks in the overlap run; the first WARM_UP settle before the heap is measured. */
const TICKS = 150;
const WARM_UP = 20;
/** Retained heap growth allowed over the run: 8 runs' working sets, where a leak of every run's would be about 40. */
const HEAP_GROWTH_BOUND = 8 * SLOW_RUN_WORKING_SET * 8;

/** GC on demand without `--expose-gc` on the command line (npm test runs without it). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function retainedHeap(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The most runs of `type` in progress at once, from the execution log's start/complete lines in the order they were written. */
function maxConcurrentRuns(type: string): number {
  let running = 0;
  let max = 0;
  for (const execution of readExecutions().filter((e) => e.type === type)) {
    running += execution.phase === 'started' ? 1 : -1;
    max = Math.max(max, running);
  }
  return max;
}

const completedRuns = (type: string, ids?: ReadonlySet<string>) =>
  readExecutions().filter((e) => e.type === type && e.phase === 'completed' && (!ids || ids.has(e.id))).length;

function countBy(events: readonly OutcomeEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.outcome] = (counts[event.outcome] ?? 0) + 1;
  return counts;
}

/** Sends one tick the way EventBridge Scheduler would; a retry is the same scheduled time with a new execution id. */
async function sendTick(h: Harness, type: string, scheduledTime: Date): Promise<{ messageId: string; executionId: string }> {
  const task = scheduledDefinition.findTask(type)!;
  const executionId = randomUUID();
  const messageId = await h.sendRaw(task.lane, renderTick(tickMessageTemplate(task), { executionId, scheduledTime }));
  return { messageId, executionId };
}

/** A whole-second time well clear of the other tests' ticks. */
const tickTime = (minutesAhead: number) => new Date(Math.floor(Date.now() / 1000) * 1000 + minutesAhead * 60_000);

test(`a singleton that runs ${SLOW_RUN_MS} ms every ${TICK_INTERVAL_MS} ms never overlaps, every tick is counted, memory stays flat`, async (t) => {
  const h = harness();
  const gc = collector();
  const isSlow = (event: OutcomeEvent) => event.type === 'tick.slow';
  const scheduler = startLocalScheduler(h.stack, { speed: OVERLAP_SPEED, types: ['tick.slow'] });
  let heapBefore: number;
  try {
    await h.waitForOutcomes(isSlow, WARM_UP, { timeoutMs: 60_000 });
    heapBefore = retainedHeap(gc);
    await waitFor(() => scheduler.counters['tick.slow']!.fired >= TICKS, { timeoutMs: 120_000, description: `${TICKS} ticks fired` });
  } finally {
    await scheduler.stop();
  }
  const { fired, failed } = scheduler.counters['tick.slow']!;
  assert.equal(failed, 0, 'every tick reached the queue');
  const outcomes = await h.waitForOutcomes(isSlow, fired, { timeoutMs: 60_000 });
  const heapGrowth = retainedHeap(gc) - heapBefore;

  const counts = countBy(outcomes);
  const runs = completedRuns('tick.slow');
  const skipped = counts.overlapSkipped ?? 0;
  // A duplicate or coalesced outcome would mean SQS delivered a tick twice; none is expected, but each is still one tick's one outcome.
  const repeats = (counts.duplicate ?? 0) + (counts.coalesced ?? 0);
  const concurrency = maxConcurrentRuns('tick.slow');
  t.diagnostic(
    `ticks fired ${fired}; outcomes ${JSON.stringify(counts)}; runs ${runs}; skipped ${skipped}; max concurrent runs ${concurrency}`,
  );
  t.diagnostic(
    `retained heap after ${fired - WARM_UP} more ticks: ${(heapGrowth / 2 ** 20).toFixed(1)} MiB (bound ${HEAP_GROWTH_BOUND / 2 ** 20} MiB)`,
  );

  assert.equal(concurrency, 1, 'never two runs at once');
  assert.equal(outcomes.length, fired, 'one outcome per tick');
  assert.equal(new Set(outcomes.map((e) => e.messageId)).size, fired, 'no tick has a second outcome (nothing was retried)');
  assert.deepEqual(
    Object.keys(counts).filter((o) => !['succeeded', 'overlapSkipped', 'duplicate', 'coalesced'].includes(o)),
    [],
  );
  assert.equal(runs, counts.succeeded, 'each run is one succeeded outcome');
  assert.equal(fired, runs + skipped + repeats, 'ticks = runs + overlapSkipped (+ repeats)');
  assert.ok(skipped > fired / 2, `a run spans about 3 ticks, so most ticks are skipped (skipped ${skipped} of ${fired})`);
  assert.ok(runs > 1, 'the schedule keeps running after a skip');
  assert.ok(heapGrowth < HEAP_GROWTH_BOUND, `retained heap grew ${heapGrowth} bytes over the run`);
});

test('control: the same schedule without the singleton lease does run on top of itself', async (t) => {
  const h = harness();
  const scheduler = startLocalScheduler(h.stack, { speed: OVERLAP_SPEED, types: ['tick.unguarded'] });
  try {
    await h.waitForOutcomes((e) => e.type === 'tick.unguarded', WARM_UP, { timeoutMs: 60_000 });
  } finally {
    await scheduler.stop();
  }
  await h.waitForOutcomes((e) => e.type === 'tick.unguarded', scheduler.counters['tick.unguarded']!.fired, { timeoutMs: 60_000 });
  const concurrency = maxConcurrentRuns('tick.unguarded');
  t.diagnostic(`without the lease: max concurrent runs ${concurrency}`);
  assert.ok(concurrency > 1, `overlapping runs are measured (max ${concurrency})`);
});

test('a scheduler retry of a tick (same scheduled time) is a duplicate, never a second run', async (t) => {
  const h = harness();
  const scheduledTime = tickTime(10);
  const first = await sendTick(h, 'tick.quick', scheduledTime);
  const [done] = await h.waitForOutcomes((e) => e.messageId === first.messageId);
  assert.equal(done!.outcome, 'succeeded');
  const retry = await sendTick(h, 'tick.quick', scheduledTime);
  const [repeat] = await h.waitForOutcomes((e) => e.messageId === retry.messageId);
  assert.equal(repeat!.outcome, 'duplicate');
  assert.equal(completedRuns('tick.quick', new Set([first.executionId, retry.executionId])), 1);

  // Both deliveries at once: one runs; the other is coalesced into its claim or dropped as done.
  const at = tickTime(11);
  const pair = await Promise.all([sendTick(h, 'tick.quick', at), sendTick(h, 'tick.quick', at)]);
  const ids = new Set(pair.map((tick) => tick.messageId));
  const outcomes = await h.waitForOutcomes((e) => ids.has(e.messageId), 2);
  t.diagnostic(`two deliveries of one tick at once: ${outcomes.map((e) => e.outcome).join(', ')}`);
  assert.equal(outcomes.filter((e) => e.outcome === 'succeeded').length, 1);
  assert.ok(outcomes.every((e) => ['succeeded', 'duplicate', 'coalesced'].includes(e.outcome)));
  assert.equal(completedRuns('tick.quick', new Set(pair.map((tick) => tick.executionId))), 1);
});

test('a run that died holding the singleton lease blocks the schedule only until the lease expires', async () => {
  const h = harness();
  const task = scheduledDefinition.findTask('tick.quick')!;
  const leaseMs = leaseSeconds(task.timeoutSeconds) * 1000;
  // What a killed run leaves behind: the lease record, never released.
  const store = new DedupStore({ client: h.stack.clients.dynamodb, table: h.stack.resources.dedupTable });
  const lease = singletonKey({ tenant: DEFAULT_SCHEDULE_TENANT } as TaskEnvelope, task);
  assert.equal((await store.claim(lease, { owner: 'killed-run', attempt: 1, taskId: 'killed-run', leaseMs })).kind, 'claimed');
  const runsBefore = completedRuns('tick.quick');
  try {
    const blocked = await sendTick(h, 'tick.quick', tickTime(20));
    const [skip] = await h.waitForOutcomes((e) => e.messageId === blocked.messageId);
    assert.equal(skip!.outcome, 'overlapSkipped');
    assert.match(skip!.reason ?? '', /singleton lease/);

    clockOffsetMs = leaseMs + 1_000;
    const after = await sendTick(h, 'tick.quick', tickTime(21));
    const [ran] = await h.waitForOutcomes((e) => e.messageId === after.messageId);
    assert.equal(ran!.outcome, 'succeeded');
    assert.equal(completedRuns('tick.quick'), runsBefore + 1);
    assert.equal(completedRuns('tick.quick', new Set([blocked.executionId])), 0, 'the skipped tick never ran');
  } finally {
    clockOffsetMs = 0;
  }
});
