/**
 * Purge one lane: PurgeQueue on that lane's queue and nothing else (its DLQ
 * and every other lane keep their messages, incident 004:
 * docs/incidents.md#004-flood). SQS deletes the messages within 60 seconds;
 * the call returns at once.
 */
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import type { OpsTarget, QueueCounts } from '../target/target.ts';

export interface PurgeResult {
  readonly lane: string;
  readonly queueUrl: string;
  /** The lane's counts just before the purge. */
  readonly before: QueueCounts;
}

/** What a confirmation names: the lane's queue and how many messages it holds. */
export async function purgePreview(target: OpsTarget, lane: string): Promise<PurgeResult> {
  const { queueUrl } = target.queues(lane);
  return { lane, queueUrl, before: await target.counts(queueUrl) };
}

export async function purgeLane(target: OpsTarget, lane: string): Promise<PurgeResult> {
  const preview = await purgePreview(target, lane);
  await target.sqs.send(new PurgeQueueCommand({ QueueUrl: preview.queueUrl }));
  return preview;
}
