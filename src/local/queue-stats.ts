/**
 * A local queue's numbers as CloudWatch reports them for SQS: messages
 * visible, in flight and delayed, and the age of the oldest message. AWS
 * gives that age only as a CloudWatch metric, and receiving a message to
 * look at it would bump its receive count (and bring the DLQ closer), so
 * the stats are read from the in-process local-aws-sqs service without
 * touching any message. Works where the local stack runs (`npm start`, the
 * tests), not from another process.
 */
import type { QueueStats } from '../ops/target/control-client.ts';
import type { LocalSqsService } from './servers.ts';

/** The queue is not on this service, or local-aws-sqs no longer keeps messages the way this module reads them. */
export class QueueStatsUnavailableError extends Error {
  override readonly name = 'QueueStatsUnavailableError';
}

/** One message as local-aws-sqs 2.x keeps it. */
interface StoredMessage {
  readonly visible: boolean;
  readonly delayed: boolean;
  readonly record: { readonly attributes: { readonly SentTimestamp: string } };
}

function localQueue(service: LocalSqsService, queue: string): LocalSqsService['Queues'][number] {
  const name = queue.split('/').at(-1)!;
  const found = service.Queues.find((candidate) => candidate.QueueName === name);
  if (!found) throw new QueueStatsUnavailableError(`no local queue named "${name}"`);
  return found;
}

/** `queue` is a queue URL or name. `now`: epoch ms. */
export function localQueueStats(service: LocalSqsService, queue: string, now: number = Date.now()): QueueStats {
  const found = localQueue(service, queue);
  let visible = 0;
  let inFlight = 0;
  let delayed = 0;
  let oldestSent = Infinity;
  for (const message of storedMessages(found)) {
    if (message.delayed) {
      delayed++;
      continue;
    }
    if (message.visible) visible++;
    else inFlight++;
    oldestSent = Math.min(oldestSent, Number(message.record.attributes.SentTimestamp));
  }
  return { visible, inFlight, delayed, oldestAgeSeconds: oldestSent === Infinity ? 0 : Math.max(0, Math.floor((now - oldestSent) / 1000)) };
}

/**
 * Messages still in the queue that were sent after `since` (epoch ms): the
 * local stand-in for CloudWatch's NumberOfMessagesSent over that window (one
 * deleted or moved on within it is no longer counted).
 */
export function localMessagesSentSince(service: LocalSqsService, queue: string, since: number): number {
  return storedMessages(localQueue(service, queue)).filter((message) => Number(message.record.attributes.SentTimestamp) > since).length;
}

/**
 * The queue's messages live in a private field. `getAttributes` (a
 * synchronous public method) starts by filtering that array, so a filter
 * that notes its receiver for the length of that one call hands it over,
 * without reading or changing any message. The shape is checked, so an
 * upgrade that changes it fails here, loudly, rather than reporting zeros.
 */
function storedMessages(queue: LocalSqsService['Queues'][number]): readonly StoredMessage[] {
  const filter = Array.prototype.filter;
  let seen: unknown;
  Array.prototype.filter = function (this: unknown[], ...args: Parameters<typeof filter>) {
    seen ??= this;
    return filter.apply(this, args);
  } as typeof filter;
  try {
    queue.getAttributes(['ApproximateNumberOfMessages']);
  } finally {
    Array.prototype.filter = filter;
  }
  if (!Array.isArray(seen) || !seen.every(isStoredMessage)) {
    throw new QueueStatsUnavailableError(
      `cannot read the messages of local queue "${queue.QueueName}": local-aws-sqs changed how it stores them`,
    );
  }
  return seen;
}

function isStoredMessage(value: unknown): value is StoredMessage {
  const message = value as Partial<StoredMessage> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof message.visible === 'boolean' &&
    typeof message.delayed === 'boolean' &&
    Number.isFinite(Number(message.record?.attributes?.SentTimestamp))
  );
}
