/**
 * Drops the tasks of a lane that match a filter (a type, a tenant, an age)
 * and keeps everything else: incident 000 (docs/incidents.md#000-stale-replay)
 * needed to cancel a class of tasks, incident 004
 * (docs/incidents.md#004-flood) could only drop everything.
 *
 * Looking at a message means receiving it, and every receive counts towards
 * the lane's maxReceiveCount: kept tasks must not drift towards the DLQ
 * because an operator scanned the lane. So:
 *
 * 1. the lane's consumer is paused for the scan (and resumed after, if it
 *    ran), so the scan sees the waiting tasks and none is run mid-drop;
 * 2. every message is received once and held invisible for the scan;
 *    matching ones are deleted at once;
 * 3. kept ones are sent back as identical copies (body, message attributes,
 *    MessageGroupId), then their originals are deleted. A copy starts with a
 *    receive count of 0. Dedup keys come from the body (tenant, type, id or
 *    dedupKey), never the SQS message id, so a copy is the same task, and
 *    if the process dies between sending a copy and deleting its original,
 *    the consumer reports the second one as a duplicate instead of running
 *    it twice.
 *
 * Restoring visibility instead would leave each kept task one receive (on
 * local-aws-sqs two: ChangeMessageVisibility counts too) closer to the DLQ.
 * What a copy loses: its SQS message id, SentTimestamp (the queue's age
 * restarts; the task's own createdAt, which deadlines use, is in the body)
 * and the receive count of earlier failed deliveries (the copy gets the
 * lane's full attempts again). A dry run does the same scan and puts every
 * task back, so it changes nothing but message ids.
 */
import { DeleteMessageBatchCommand, SendMessageBatchCommand, type Message, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { UsageError, DropRestoreError, UnknownTaskTypeError } from '../errors.ts';
import type { OpsTarget } from '../target/target.ts';
import { summarize, type MessageSummary } from './message-summary.ts';
import { chunks, receiveToInspect } from './receive.ts';

/** Every criterion given must match; at least one is required. */
export interface DropFilter {
  readonly type?: string;
  readonly tenant?: string;
  /** Task age (from the envelope's createdAt, else SentTimestamp) above this. */
  readonly olderThanSeconds?: number;
}

export interface DropOptions {
  readonly filter: DropFilter;
  /** Count what would be dropped; delete nothing. */
  readonly dryRun?: boolean;
  readonly onProgress?: (progress: DropProgress) => void;
  /** How long scanned messages stay invisible; must outlast the scan. Default 900 s. */
  readonly holdSeconds?: number;
  /** Stop scanning after holding this many (SQS allows 120,000 in flight per queue). Default 100,000. */
  readonly maxHeld?: number;
  /** Epoch ms, for the age filter. Default `Date.now`. */
  readonly now?: () => number;
}

export const DROP_DEFAULTS = { holdSeconds: 900, maxHeld: 100_000, waitSeconds: 1 } as const;

export interface DropProgress {
  readonly phase: 'scanning' | 'restoring';
  /** Messages visible when the scan started: the progress bar's end. */
  readonly total: number;
  readonly scanned: number;
  readonly dropped: number;
  readonly kept: number;
  /** Kept messages put back as copies so far. */
  readonly restored: number;
}

export interface DropResult {
  readonly lane: string;
  readonly dryRun: boolean;
  readonly scanned: number;
  /** Matching tasks; in a dry run, the ones that would be dropped. */
  readonly dropped: number;
  readonly kept: number;
  /** In flight with a consumer when the scan started, so not scanned. */
  readonly inFlightAtStart: number;
  /** False when the scan stopped early: `maxHeld` reached, or the hold ran out and messages came back. */
  readonly complete: boolean;
  readonly durationMs: number;
  /** Whether the lane's consumer was paused for the scan (and resumed after). */
  readonly pausedConsumer: boolean;
}

/**
 * Refuses, before anything is paused or received, a filter that cannot be
 * meant: none at all, an unknown lane (UnknownLaneError), or a type the lane
 * does not have (where the target knows the lane's types).
 */
export function checkDrop(target: OpsTarget, lane: string, filter: DropFilter): void {
  if (filter.type === undefined && filter.tenant === undefined && filter.olderThanSeconds === undefined) {
    throw new UsageError('drop needs a filter: a type, a tenant or an age (to drop everything, purge the lane)');
  }
  target.queues(lane);
  const types = target.taskTypes(lane);
  if (filter.type !== undefined && types && !types.includes(filter.type)) throw new UnknownTaskTypeError(filter.type, lane, types);
}

export async function dropTasks(target: OpsTarget, lane: string, options: DropOptions): Promise<DropResult> {
  const { filter } = options;
  checkDrop(target, lane, filter);
  const holdSeconds = options.holdSeconds ?? DROP_DEFAULTS.holdSeconds;
  const maxHeld = options.maxHeld ?? DROP_DEFAULTS.maxHeld;
  const { waitSeconds } = DROP_DEFAULTS;
  const now = options.now ?? Date.now;
  const started = Date.now();
  const { queueUrl } = target.queues(lane);
  const matches = matcher(filter, now);

  const pausedConsumer = await target.consumerEnabled(lane);
  if (pausedConsumer) await target.pause(lane);
  try {
    const before = await target.counts(queueUrl);
    const kept: Message[] = [];
    const seen = new Set<string>();
    let scanned = 0;
    let dropped = 0;
    let complete = true;
    const report = (phase: DropProgress['phase'], restored = 0) =>
      options.onProgress?.({ phase, total: before.visible, scanned, dropped, kept: kept.length, restored });

    scan: while (kept.length < maxHeld) {
      const batch = await receiveToInspect(target.sqs, { queueUrl, max: maxHeld - kept.length, holdSeconds, waitSeconds });
      if (batch.length === 0) break;
      const matching: Message[] = [];
      for (const message of batch) {
        if (seen.has(message.MessageId!)) {
          // Held past holdSeconds: it is visible again. Its new receipt handle is this one; the scan stops here.
          complete = false;
          kept.push(message);
          break scan;
        }
        seen.add(message.MessageId!);
        scanned++;
        if (matches(summarize(message))) {
          dropped++;
          if (options.dryRun) kept.push(message);
          else matching.push(message);
        } else {
          kept.push(message);
        }
      }
      await deleteMessages(target, queueUrl, matching);
      report('scanning');
    }
    if (kept.length >= maxHeld) complete = false;

    const unique = [...new Map(kept.map((message) => [message.MessageId!, message])).values()];
    await restoreAsCopies(target, queueUrl, unique, (restored) => report('restoring', restored));
    return {
      lane,
      dryRun: options.dryRun ?? false,
      scanned,
      dropped,
      kept: scanned - dropped,
      inFlightAtStart: before.inFlight,
      complete,
      durationMs: Date.now() - started,
      pausedConsumer,
    };
  } finally {
    if (pausedConsumer) await target.resume(lane);
  }
}

function matcher(filter: DropFilter, now: () => number): (task: MessageSummary) => boolean {
  return (task) =>
    (filter.type === undefined || task.type === filter.type) &&
    (filter.tenant === undefined || task.tenant === filter.tenant) &&
    (filter.olderThanSeconds === undefined || (task.createdAt !== undefined && now() - task.createdAt > filter.olderThanSeconds * 1000));
}

async function deleteMessages(target: OpsTarget, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (const chunk of chunks(messages)) {
    const { Failed = [] } = await target.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
    if (Failed.length > 0)
      throw new DropRestoreError(`${Failed.length} message(s) of ${queueUrl} could not be deleted: ${Failed[0]!.Message}`);
  }
}

/** Copy first, delete the original second: a crash in between leaves a duplicate (caught by dedup), never a loss. */
async function restoreAsCopies(
  target: OpsTarget,
  queueUrl: string,
  messages: readonly Message[],
  onRestored: (restored: number) => void,
): Promise<void> {
  let restored = 0;
  let failed = 0;
  for (const chunk of chunks(messages)) {
    const { Failed = [] } = await target.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((message, index) => copyOf(message, String(index))) }),
    );
    const notCopied = new Set(Failed.map((entry) => entry.Id));
    failed += notCopied.size;
    await deleteMessages(
      target,
      queueUrl,
      chunk.filter((_, index) => !notCopied.has(String(index))),
    );
    restored += chunk.length - notCopied.size;
    onRestored(restored);
  }
  if (failed > 0) {
    throw new DropRestoreError(
      `${failed} kept task(s) could not be copied back; they stay and reappear after the hold with one more receive`,
    );
  }
}

function copyOf(message: Message, id: string): SendMessageBatchRequestEntry {
  const groupId = message.Attributes?.MessageGroupId;
  return {
    Id: id,
    MessageBody: message.Body!,
    ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0
      ? { MessageAttributes: message.MessageAttributes }
      : {}),
    ...(groupId ? { MessageGroupId: groupId } : {}),
  };
}
