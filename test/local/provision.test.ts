import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEDUP_TABLE_SCHEMA, LOCAL_NAMES } from '../../src/definition/environment.ts';
import { QUEUE_RETENTION_SECONDS } from '../../src/definition/limits.ts';
import { visibilityTimeoutSeconds } from '../../src/definition/timeouts.ts';
import { provision } from '../../src/local/provision.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalServers } from '../support/local-servers.ts';

const definition = laneDefinition(
  { fast: { maxReceiveCount: 3, taskTimeoutSeconds: 20 }, slow: { maxReceiveCount: 7, taskTimeoutSeconds: 120 } },
  { heartbeats: false },
);

describe('provision', () => {
  const local = withLocalServers();

  test('creates each lane queue and DLQ with the stack settings, and the dedup table', async () => {
    const { sqs, dynamodb } = local().clients;
    const resources = await provision(definition, { sqs, dynamodb });

    assert.deepEqual(Object.keys(resources.lanes).sort(), ['fast', 'slow']);
    for (const lane of definition.lanes) {
      const queues = resources.lanes[lane.name]!;
      assert.match(queues.queueUrl, new RegExp(`/${LOCAL_NAMES.queue(lane.name)}$`));
      assert.match(queues.dlqArn, new RegExp(`:${LOCAL_NAMES.dlq(lane.name)}$`));

      const { Attributes: queue } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ['All'] }));
      assert.equal(queue?.VisibilityTimeout, String(visibilityTimeoutSeconds(definition, lane.name)));
      assert.deepEqual(JSON.parse(queue!.RedrivePolicy!), { deadLetterTargetArn: queues.dlqArn, maxReceiveCount: lane.maxReceiveCount });
      assert.equal(queue?.QueueArn, queues.queueArn);
      assert.equal(queue?.MessageRetentionPeriod, String(QUEUE_RETENTION_SECONDS));

      const { Attributes: dlq } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.dlqUrl, AttributeNames: ['All'] }));
      assert.equal(dlq?.MessageRetentionPeriod, String(QUEUE_RETENTION_SECONDS));
      assert.deepEqual(JSON.parse(dlq!.RedriveAllowPolicy!), { redrivePermission: 'byQueue', sourceQueueArns: [queues.queueArn] });
    }
    // 6 x (120 s task + 10 s margin)
    assert.equal(visibilityTimeoutSeconds(definition, 'slow'), 780);

    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: resources.dedupTable }));
    assert.equal(Table?.TableStatus, 'ACTIVE');
    assert.equal(Table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST', 'PAY_PER_REQUEST');
    assert.deepEqual(Table?.KeySchema, [{ AttributeName: DEDUP_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }]);
  });

  test('is idempotent and converges to new settings', async () => {
    const { sqs, dynamodb } = local().clients;
    const first = await provision(definition, { sqs, dynamodb });
    const again = await provision(definition, { sqs, dynamodb }, { visibilityTimeoutSeconds: 2 });
    assert.deepEqual(again, first);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: again.lanes.fast!.queueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    assert.equal(Attributes?.VisibilityTimeout, '2');
  });
});
