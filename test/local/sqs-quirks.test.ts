/**
 * What local-aws-sqs does where it matters to us, asserted as observed (see
 * docs/local.md). A failure here means the server changed: revisit the
 * poller and the docs.
 */
import {
  ChangeMessageVisibilityCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { provision } from '../../src/local/provision.ts';
import type { LaneQueues } from '../../src/ops/target/target.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalServers } from '../support/local-servers.ts';
import { waitFor } from '../support/wait.ts';

describe('local-aws-sqs quirks', () => {
  const local = withLocalServers();
  let laneCount = 0;

  async function lane(maxReceiveCount: number): Promise<LaneQueues> {
    const name = `quirk-${++laneCount}`;
    const { sqs, dynamodb } = local().clients;
    const { lanes } = await provision(laneDefinition({ [name]: { maxReceiveCount } }), { sqs, dynamodb }, { visibilityTimeoutSeconds: 1 });
    return lanes[name]!;
  }

  test('system attributes come only with the legacy AttributeNames', async () => {
    const { sqs } = local().clients;
    const { queueUrl } = await lane(5);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'm' }));
    const withNew = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 0 }),
    );
    assert.equal(withNew.Messages?.[0]?.Attributes, undefined);
    const withLegacy = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    assert.deepEqual(Object.keys(withLegacy.Messages?.[0]?.Attributes ?? {}).sort(), [
      'ApproximateFirstReceiveTimestamp',
      'ApproximateReceiveCount',
      'SenderId',
      'SentTimestamp',
    ]);
  });

  test('a receive with VisibilityTimeout 0 leaves the message visible: the next receive gets it, count 2', async () => {
    const { sqs } = local().clients;
    const { queueUrl } = await lane(5);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'm' }));
    const receive = () => sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'], VisibilityTimeout: 0 }));
    assert.equal((await receive()).Messages?.[0]?.Attributes?.ApproximateReceiveCount, '1');
    assert.equal((await receive()).Messages?.[0]?.Attributes?.ApproximateReceiveCount, '2');
  });

  test('ChangeMessageVisibility counts as a receive (AWS does not count it)', async () => {
    const { sqs } = local().clients;
    const { queueUrl } = await lane(5);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'm' }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 0 }),
    );
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'], WaitTimeSeconds: 1 }));
    assert.equal(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '3');
  });

  test('MessageGroupId on a standard queue is kept and returned; the DLQ move resets the receive count', async () => {
    const { sqs } = local().clients;
    const { queueUrl, queueArn, dlqUrl } = await lane(1);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'm', MessageGroupId: 'acme' }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    assert.equal(received.Messages?.[0]?.Attributes?.MessageGroupId, 'acme');

    const dead = await waitFor(
      async () =>
        (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, AttributeNames: ['All'], VisibilityTimeout: 0 }))).Messages?.[0],
      { description: 'the message in the DLQ' },
    );
    assert.equal(dead.Attributes?.MessageGroupId, 'acme');
    assert.equal(dead.Attributes?.DeadLetterQueueSourceArn, queueArn);
    assert.equal(dead.Attributes?.ApproximateReceiveCount, '1', 'counted afresh in the DLQ');
  });

  test('a message move task redrives the DLQ back to its source queue', async () => {
    const { sqs } = local().clients;
    const { queueUrl, dlqUrl, dlqArn } = await lane(1);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'redrive me' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    await waitFor(async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, VisibilityTimeout: 0 }))).Messages?.length, {
      description: 'the message in the DLQ',
    });

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    assert.ok(TaskHandle);
    const back = await waitFor(
      async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Messages?.[0],
      { description: 'the message back in its source queue' },
    );
    assert.equal(back.Body, 'redrive me');
    assert.equal(back.Attributes?.ApproximateReceiveCount, '1');
    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    assert.ok(Results?.length);
  });
});
