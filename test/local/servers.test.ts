import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLocalClients } from '../../src/ops/target/local-clients.ts';
import { DYNAMODB_BACKENDS } from '../../src/local/servers.ts';
import { withLocalServers } from '../support/local-servers.ts';

for (const backend of DYNAMODB_BACKENDS)
  describe(`local servers with ${backend}`, () => {
    const local = withLocalServers({ dynamodb: backend });

    test('listen on loopback with OS-assigned ports, and say which DynamoDB they run', () => {
      const { servers } = local();
      assert.equal(servers.dynamodbBackend, backend);
      assert.match(servers.sqsEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(servers.dynamodbEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(servers.sqsEndpoint, servers.dynamodbEndpoint);
      assert.equal(servers.region, 'us-east-1');
    });

    test('DynamoDB paused is unreachable, and resumed on the same port with its items', async () => {
      const { servers, clients } = local();
      const before = servers.dynamodbEndpoint;
      await clients.dynamodb.send(
        new CreateTableCommand({
          TableName: 'servers-test',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      await clients.dynamodb.send(new PutItemCommand({ TableName: 'servers-test', Item: { pk: { S: 'kept' } } }));

      await servers.pauseDynamodb();
      const noRetries = createLocalClients(servers, { dynamodb: { maxAttempts: 1 } });
      try {
        await assert.rejects(
          noRetries.dynamodb.send(new GetItemCommand({ TableName: 'servers-test', Key: { pk: { S: 'kept' } } })),
          (error: NodeJS.ErrnoException) => {
            assert.match(String(error.code ?? error.name), /ECONNREFUSED|ECONNRESET/);
            return true;
          },
        );
      } finally {
        noRetries.destroy();
      }

      await servers.resumeDynamodb();
      assert.equal(servers.dynamodbEndpoint, before);
      const { Item } = await clients.dynamodb.send(new GetItemCommand({ TableName: 'servers-test', Key: { pk: { S: 'kept' } } }));
      assert.deepEqual(Item, { pk: { S: 'kept' } });
    });

    test('SQS paused and resumed keeps its queues and messages', async () => {
      const { servers, clients } = local();
      const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'servers-test' }));
      await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'kept' }));

      await servers.pauseSqs();
      const noRetries = createLocalClients(servers, { sqs: { maxAttempts: 1 } });
      try {
        await assert.rejects(noRetries.sqs.send(new ReceiveMessageCommand({ QueueUrl })));
      } finally {
        noRetries.destroy();
      }

      await servers.resumeSqs();
      const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      assert.equal(Messages?.[0]?.Body, 'kept');
    });
  });
