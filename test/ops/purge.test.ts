/**
 * `purge` empties one lane's queue and nothing else: not its DLQ, not
 * another lane (incident 004, docs/incidents.md#004-flood). SQS deletes a
 * purged queue's messages within 60 seconds; the embedded SQS deletes them at
 * the call (src/local/immediate-purge.ts), so the lane is empty when the
 * purge returns, and a second purge within the minute is refused, as on AWS.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PurgeQueueInProgress, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { inProcessTarget } from '../../src/local/dashboard/control.ts';
import { purgeLane } from '../../src/ops/lanes/purge.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { waitForQueue } from './support.ts';

const stack = withLocalStack({ definition: laneDefinition({ flooded: {}, notifications: {} }) });

async function fill(queueUrl: string, count: number): Promise<void> {
  await stack().clients.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: Array.from({ length: count }, (_, index) => ({ Id: String(index), MessageBody: `{"n":${index}}` })),
    }),
  );
}

it('purges the named lane only: its DLQ and the other lanes keep their messages', async () => {
  const target = inProcessTarget(stack());
  const flooded = target.queues('flooded');
  const notifications = target.queues('notifications');
  await fill(flooded.queueUrl, 7);
  await fill(flooded.dlqUrl, 2);
  await fill(notifications.queueUrl, 4);
  await waitForQueue(stack(), flooded.queueUrl, (stats) => stats.visible === 7);

  const result = await purgeLane(target, 'flooded');
  assert.equal(result.before.visible, 7);
  assert.equal(result.queueUrl, flooded.queueUrl);

  assert.deepEqual(await target.counts(flooded.queueUrl), { visible: 0, inFlight: 0, delayed: 0 });
  assert.equal((await target.counts(notifications.queueUrl)).visible, 4);
  assert.equal((await target.counts(flooded.dlqUrl)).visible, 2);

  await fill(flooded.queueUrl, 3);
  await assert.rejects(purgeLane(target, 'flooded'), PurgeQueueInProgress);
  assert.equal((await target.counts(flooded.queueUrl)).visible, 3, 'a refused purge deletes nothing');
});
