/**
 * `purge` empties one lane's queue and nothing else: not its DLQ, not
 * another lane (incident 004, docs/incidents.md#004-flood). local-aws-sqs,
 * like SQS, deletes the messages within 60 seconds of the call, so this
 * waits up to 90.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { inProcessTarget } from '../../src/local/dashboard/control.ts';
import { purgeLane } from '../../src/ops/lanes/purge.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { waitForQueue } from './support.ts';

const stack = withLocalStack({ definition: laneDefinition({ flooded: {}, notifications: {} }) });
const PURGE_DEADLINE_MS = 90_000;

async function fill(queueUrl: string, count: number): Promise<void> {
  await stack().clients.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: Array.from({ length: count }, (_, index) => ({ Id: String(index), MessageBody: `{"n":${index}}` })),
    }),
  );
}

it('purges the named lane only: its DLQ and the other lanes keep their messages', { timeout: PURGE_DEADLINE_MS + 10_000 }, async () => {
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

  await waitForQueue(stack(), flooded.queueUrl, (stats) => stats.visible + stats.inFlight === 0, {
    timeoutMs: PURGE_DEADLINE_MS,
    intervalMs: 500,
  });
  assert.equal((await target.counts(notifications.queueUrl)).visible, 4);
  assert.equal((await target.counts(flooded.dlqUrl)).visible, 2);
});
