/**
 * One timed drain: a backlog is published (untimed), then a lane poller,
 * the local event source mapping, feeds it to a contender until every
 * message is deleted. Requests and log bytes are counted for the publish
 * and the drain separately; each invocation of the contender is timed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startLanePoller } from '../src/local/poller.ts';
import { BENCH_LANE, benchDefinition } from './definition.ts';
import { contenderHandler, type Contender } from './contenders.ts';
import type { InvocationTiming } from './duration.ts';
import { LogSink } from './log-sink.ts';
import type { RequestCounts } from './request-counter.ts';
import type { Rig } from './rig.ts';
import { buildWorkload, publishWorkload, type PublishPath } from './workload.ts';

export interface DrainSpec {
  readonly contender: Contender;
  readonly tasks: number;
  readonly batchSize: number;
  readonly duplicateShare: number;
  readonly duplicateDistance: number;
  readonly publishPath: PublishPath;
  readonly concurrency: number;
  readonly stallTimeoutMs: number;
  /** Called about once a second while draining. */
  readonly onProgress?: (deleted: number) => void;
}

export interface DrainResult {
  readonly spec: Omit<DrainSpec, 'onProgress'>;
  readonly duplicates: number;
  /** Milliseconds the drain took (the figure); the publish before it is untimed by the figure but recorded here. */
  readonly elapsedMs: number;
  readonly publishMs: number;
  readonly tasksPerSecond: number;
  readonly publish: RequestCounts;
  readonly drain: RequestCounts;
  readonly logBytes: number;
  /** Invocations of the contender (Lambda requests). */
  readonly batches: number;
  /** Each invocation's wall time and requests (Lambda duration). */
  readonly invocations: readonly InvocationTiming[];
  /** Records the contender reported as failed (redelivered): 0 in a clean run. */
  readonly reportedFailures: number;
}

/** The drain stopped making progress: a contender is stuck, and its figure would be meaningless. */
export class StalledDrainError extends Error {
  override readonly name = 'StalledDrainError';
}

const CHECK_INTERVAL_MS = 20;
const PROGRESS_INTERVAL_MS = 1_000;

let runs = 0;

export async function timedDrain(rig: Rig, spec: DrainSpec): Promise<DrainResult> {
  const runId = `r${++runs}-${Date.now().toString(36)}`;
  const { entries, duplicates } = buildWorkload({ ...spec, runId });
  rig.counter.reset();
  const publishStarted = performance.now();
  await publishWorkload(rig.clients.sqs, rig.queues.queueUrl, entries, spec.publishPath);
  const publish = rig.counter.snapshot();
  const publishMs = performance.now() - publishStarted;

  const sink = new LogSink();
  const contender = contenderHandler(spec.contender, rig.resources, sink);
  rig.counter.reset();
  rig.clock.reset();
  const started = performance.now();
  const poller = startLanePoller({
    definition: benchDefinition,
    lane: BENCH_LANE,
    queue: rig.queues,
    sqs: rig.clients.sqs,
    handler: rig.clock.wrap(contender.handler),
    tuning: { batchSize: spec.batchSize, maxBatchingWindowSeconds: 0, maxConcurrency: spec.concurrency },
  });
  let elapsedMs: number;
  let drain: RequestCounts;
  let invocations: readonly InvocationTiming[];
  try {
    let lastDeleted = 0;
    let lastProgressAt = started;
    let lastReportAt = started;
    for (;;) {
      const { deleted } = poller.counters;
      const now = performance.now();
      if (deleted >= spec.tasks) {
        elapsedMs = now - started;
        drain = rig.counter.snapshot();
        invocations = rig.clock.snapshot();
        break;
      }
      if (deleted > lastDeleted) {
        lastDeleted = deleted;
        lastProgressAt = now;
      } else if (now - lastProgressAt > spec.stallTimeoutMs) {
        throw new StalledDrainError(
          `${spec.contender}: ${deleted}/${spec.tasks} deleted, none for ${spec.stallTimeoutMs} ms (counters ${JSON.stringify(poller.counters)})`,
        );
      }
      if (now - lastReportAt > PROGRESS_INTERVAL_MS) {
        lastReportAt = now;
        spec.onProgress?.(deleted);
      }
      await sleep(CHECK_INTERVAL_MS);
    }
  } finally {
    await poller.stop();
    await contender.close();
  }
  const { onProgress: _, ...plain } = spec;
  return {
    spec: plain,
    duplicates,
    elapsedMs,
    publishMs,
    tasksPerSecond: (spec.tasks / elapsedMs) * 1000,
    publish,
    drain,
    logBytes: sink.bytes,
    batches: poller.counters.batches,
    invocations,
    reportedFailures: poller.counters.reportedFailures,
  };
}
