/**
 * The tasks of one run and how they reach the queue: the tuned path
 * (Publisher.publishBatch, SendMessageBatch of 10) or the naive one
 * (Publisher.publish, one SendMessage per task). A share of the tasks repeat
 * the dedup key of a task `duplicateDistance` places earlier, as a replay or
 * an app's retry would.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { MAX_BATCH_ENTRIES } from '../src/definition/limits.ts';
import { Publisher, type BatchEntry } from '../src/publisher/index.ts';
import { BENCH_LANE, BENCH_TASK_TYPE, benchDefinition } from './definition.ts';

export interface WorkloadSpec {
  readonly tasks: number;
  /** 0..1 */
  readonly duplicateShare: number;
  readonly duplicateDistance: number;
  /** Makes keys unique to the run, so runs sharing a table never see each other's records. */
  readonly runId: string;
}

export type PublishPath = 'naive' | 'tuned';

export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
}

/** Tenants rotate so keys, logs and metrics look like a multi-tenant lane. */
const TENANTS = 8;
/** Requests in flight while preloading: enough to keep the server busy, few enough not to swamp it. */
const PUBLISH_CONCURRENCY = 8;

export function buildWorkload(spec: WorkloadSpec): { entries: BatchEntry[]; duplicates: number } {
  // A duplicate every `period` tasks gives the asked share.
  const period = spec.duplicateShare > 0 ? Math.round(1 / spec.duplicateShare) : Infinity;
  // Index of the task whose key each task carries: itself, or its original's.
  const origins: number[] = [];
  const entries: BatchEntry[] = [];
  let duplicates = 0;
  for (let n = 0; n < spec.tasks; n++) {
    const repeat = n % period === period - 1 && n >= spec.duplicateDistance;
    const origin = repeat ? origins[n - spec.duplicateDistance]! : n;
    if (repeat) duplicates++;
    origins.push(origin);
    // The tenant is part of the dedup scope: a repeat carries its original's tenant.
    const options = { tenant: `tenant-${origin % TENANTS}`, dedupKey: `${spec.runId}-${origin}` };
    entries.push({ type: BENCH_TASK_TYPE, payload: { n }, options });
  }
  return { entries, duplicates };
}

export async function publishWorkload(sqs: SQSClient, queueUrl: string, entries: readonly BatchEntry[], path: PublishPath): Promise<void> {
  const publisher = new Publisher({ definition: benchDefinition, sqs, queueUrls: { [BENCH_LANE]: queueUrl } });
  const step = path === 'tuned' ? MAX_BATCH_ENTRIES : 1;
  const chunks: BatchEntry[][] = [];
  for (let start = 0; start < entries.length; start += step) chunks.push(entries.slice(start, start + step));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      if (path === 'naive') {
        const [entry] = chunk;
        await publisher.publish(entry!.type, entry!.payload, entry!.options);
      } else {
        const { failed } = await publisher.publishBatch(chunk);
        if (failed.length)
          throw new PublishFailedError(`${failed.length} task(s) not published: ${failed[0]!.code}: ${failed[0]!.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PUBLISH_CONCURRENCY }, worker));
}
