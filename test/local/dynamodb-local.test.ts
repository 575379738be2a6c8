/**
 * The dedup claim's conditional write against AWS's own DynamoDB Local and
 * against dynalite, side by side: what each server does is asserted as
 * observed, so a change in either shows up here first.
 */
import { ConditionalCheckFailedException, CreateTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JavaUnavailableError, startDynamoDbLocal } from '../../src/local/dynamodb-local.ts';
import { withDynamoDbLocal, withLocalServers } from '../support/local-servers.ts';

const TABLE = 'dedup-smoke';

async function createTable(dynamodb: DynamoDBClient): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
}

/** The claim: succeeds once; the repeat fails and returns what the server gives back. */
async function claimTwice(dynamodb: DynamoDBClient): Promise<ConditionalCheckFailedException> {
  const claim = (owner: string) =>
    dynamodb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: 'acme#email.send#order-1' }, owner: { S: owner } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  await claim('first');
  const error = await claim('second').then(
    () => assert.fail('the second claim must fail'),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ConditionalCheckFailedException, `expected ConditionalCheckFailedException, got ${String(error)}`);
  return error;
}

describe('DynamoDB Local', () => {
  const local = withDynamoDbLocal();

  test('without Java the start fails saying what to install, so a test that needs it fails instead of skipping', async () => {
    const java = '/nonexistent/bin/java';
    await assert.rejects(startDynamoDbLocal({ java }), (error: unknown) => {
      assert.ok(error instanceof JavaUnavailableError, `expected JavaUnavailableError, got ${String(error)}`);
      assert.equal(error.java, java);
      assert.match(
        error.message,
        /needs Java 17\+ and "\/nonexistent\/bin\/java" could not be run \(spawn \/nonexistent\/bin\/java ENOENT\): install a Java runtime \(Debian: apt-get install default-jre-headless\) or set JAVA_HOME/,
      );
      return true;
    });
  });

  test('starts and answers (startup time logged)', (t) => {
    t.diagnostic(`DynamoDB Local ready after ${local().server.startupMs} ms at ${local().server.endpoint}`);
    assert.match(local().server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('conditional claim: once, then ConditionalCheckFailedException with the old item', async () => {
    const { dynamodb } = local();
    await createTable(dynamodb);
    const error = await claimTwice(dynamodb);
    assert.deepEqual(error.Item, { pk: { S: 'acme#email.send#order-1' }, owner: { S: 'first' } });
  });
});

describe('dynalite', () => {
  const local = withLocalServers();

  test('conditional claim: once, then ConditionalCheckFailedException without the old item', async () => {
    const { dynamodb } = local().clients;
    await createTable(dynamodb);
    const error = await claimTwice(dynamodb);
    assert.equal(error.Item, undefined, 'dynalite ignores ReturnValuesOnConditionCheckFailure');
  });
});
