/**
 * PurgeQueue on the embedded SQS deletes at once. SQS deletes a purged
 * queue's messages "within 60 seconds" and local-aws-sqs waits out the whole
 * minute; deleting at the call is within that contract, and an operator who
 * purges a lane locally sees it empty when the command returns. The rest of
 * the contract stays: a second purge of the same queue within 60 s is
 * refused with PurgeQueueInProgress, as on AWS.
 */
import type { RequestListener } from 'node:http';
import type { LocalSqsService } from './servers.ts';

/** How long after a purge SQS refuses another purge of the same queue. */
export const PURGE_COOLDOWN_MS = 60_000;

type LocalQueue = LocalSqsService['Queues'][number];

/** `handler` with every queue of `service` purging at once; queues created later are switched before their first request. */
export function withImmediatePurge(service: LocalSqsService, handler: RequestListener): RequestListener {
  const switched = new WeakSet<LocalQueue>();
  const switchToImmediate = (queue: LocalQueue) => {
    queue.purge = (onPurged) => {
      if (queue.purgeInProgress) return false;
      queue.purgeInProgress = true;
      queue.clearRecords();
      onPurged?.();
      setTimeout(() => {
        queue.purgeInProgress = false;
      }, PURGE_COOLDOWN_MS).unref();
      return true;
    };
    switched.add(queue);
  };
  return (request, response) => {
    for (const queue of service.Queues) if (!switched.has(queue)) switchToImmediate(queue);
    handler(request, response);
  };
}
