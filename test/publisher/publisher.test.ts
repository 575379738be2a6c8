/**
 * The publisher against the local SQS server: the envelope it writes, its
 * routing, the checks it makes before calling SQS, and batches with partial
 * failures reported per entry.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../src/ops/target/local-clients.ts';
import { MAX_MESSAGE_BYTES } from '../../src/definition/limits.ts';
import {
  InvalidTaskError,
  MessageTooLargeError,
  MissingQueueUrlError,
  Publisher,
  UnknownTaskTypeError,
} from '../../src/publisher/index.ts';
import { parseTask } from '../../src/runtime/envelope.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { testDefinition } from '../support/test-definition.ts';

const local = withLocalStack({ definition: testDefinition });

/** Counts the commands a client sends, by name. */
function countCommands(sqs: SQSClient): Map<string, number> {
  const counts = new Map<string, number>();
  sqs.middlewareStack.add(
    (next, context) => (args) => {
      counts.set(context.commandName!, (counts.get(context.commandName!) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

function publisher(overrides: { sqs?: SQSClient; queueUrls?: Record<string, string> } = {}) {
  const stack = local();
  return new Publisher({
    definition: testDefinition,
    sqs: overrides.sqs ?? stack.clients.sqs,
    queueUrls: overrides.queueUrls ?? stack.queueUrls,
  });
}

async function receiveAll(lane: string) {
  const stack = local();
  const { Messages = [] } = await stack.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: stack.resources.lanes[lane]!.queueUrl,
      MaxNumberOfMessages: 10,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages;
}

describe('publish', () => {
  test('writes the v1 envelope to the lane of the type, grouped by tenant', async () => {
    const published = await publisher().publish(
      'test.isolated-ok',
      {},
      { tenant: 'acme', dedupKey: 'k-1', notAfter: '2030-01-01T00:00:00Z' },
    );
    assert.equal(published.lane, 'isolated');
    const [message] = await receiveAll('isolated');
    const body = JSON.parse(message!.Body!);
    assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'dedupKey', 'id', 'notAfter', 'payload', 'tenant', 'type', 'v']);
    assert.equal(body.id, published.id);
    assert.equal(body.notAfter, '2030-01-01T00:00:00.000Z');
    assert.equal(message!.Attributes?.MessageGroupId, 'acme');
    // What the publisher writes, the consumer accepts.
    assert.equal((await parseTask(message!.Body!, testDefinition)).task.type, 'test.isolated-ok');
  });

  test('rejects bad input before calling SQS, with named errors', async () => {
    const stack = local();
    const sqs = createSqsClient(stack.servers.sqsEndpoint, stack.servers.region);
    const calls = countCommands(sqs);
    const client = publisher({ sqs });
    await assert.rejects(client.publish('test.nope', {}, { tenant: 'acme' }), UnknownTaskTypeError);
    await assert.rejects(
      client.publish('test.flaky', { failTimes: 'x' }, { tenant: 'acme' }),
      /invalid payload for "test.flaky": failTimes/,
    );
    await assert.rejects(client.publish('test.ok', {}, { tenant: '' }), InvalidTaskError);
    await assert.rejects(client.publish('test.ok', {}, { tenant: 'a#b' }), /tenant/);
    await assert.rejects(client.publish('test.ok', {}, { tenant: 'acme', delaySeconds: 901 }), /delaySeconds/);
    await assert.rejects(
      client.publish('test.ok', { n: 1 }, { tenant: 'acme', dedupKey: 'x'.repeat(MAX_MESSAGE_BYTES) }),
      InvalidTaskError,
    );
    await assert.rejects(publisher({ sqs, queueUrls: {} }).publish('test.ok', {}, { tenant: 'acme' }), MissingQueueUrlError);
    assert.equal(calls.size, 0, 'no request reached SQS');
  });

  test('tenant: what SQS accepts as a MessageGroupId, but "#"; the consumer accepts what the publisher sends', async () => {
    const stack = local();
    const sqs = createSqsClient(stack.servers.sqsEndpoint, stack.servers.region);
    const calls = countCommands(sqs);
    const client = publisher({ sqs });
    // Every character SQS allows in a MessageGroupId except "#": A-Z, a-z, 0-9 and 31 of the 32 ASCII punctuation characters.
    const everyAllowed = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!"$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
    for (const tenant of [everyAllowed, 'x'.repeat(128), '!', '~']) {
      await client.publish('test.isolated-ok', {}, { tenant });
      const [message] = await receiveAll('isolated');
      assert.equal(message!.Attributes?.MessageGroupId, tenant);
      assert.equal((await parseTask(message!.Body!, testDefinition)).envelope.tenant, tenant);
      await stack.clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: stack.resources.lanes.isolated!.queueUrl, ReceiptHandle: message!.ReceiptHandle! }),
      );
    }
    const sentBefore = calls.get('SendMessageCommand');
    const rule = {
      name: 'InvalidTaskError',
      message: 'invalid task: tenant: must be A-Z, a-z, 0-9 or ASCII punctuation other than "#" (what SQS accepts as a MessageGroupId)',
    };
    for (const tenant of ['acmé-日本', 'acme corp', 'acme#eu', 'tab\there', 'del\x7f']) {
      await assert.rejects(client.publish('test.ok', {}, { tenant }), rule, tenant);
    }
    await assert.rejects(client.publish('test.ok', {}, { tenant: 'x'.repeat(129) }), {
      name: 'InvalidTaskError',
      message: /^invalid task: tenant: Too big/,
    });
    assert.equal(calls.get('SendMessageCommand'), sentBefore, 'no rejected tenant reached SQS');
  });

  test('an oversize message is rejected with its size before calling SQS', async () => {
    const stack = local();
    const sqs = createSqsClient(stack.servers.sqsEndpoint, stack.servers.region);
    const calls = countCommands(sqs);
    const oversize = { failTimes: 0, padding: 'x'.repeat(MAX_MESSAGE_BYTES) };
    const error = await publisher({ sqs })
      .publish('test.flaky', oversize, { tenant: 'acme' })
      .catch((e: unknown) => e);
    assert.ok(error instanceof MessageTooLargeError);
    assert.ok(error.bytes > MAX_MESSAGE_BYTES);
    assert.equal(error.limit, MAX_MESSAGE_BYTES);
    assert.equal(calls.size, 0);
  });
});

describe('publishBatch', () => {
  test('sends 10 per request and reports invalid entries by index without dropping the rest', async () => {
    const stack = local();
    const sqs = createSqsClient(stack.servers.sqsEndpoint, stack.servers.region);
    const calls = countCommands(sqs);
    const entries = Array.from({ length: 23 }, (_, i) =>
      i === 7
        ? { type: 'test.flaky', payload: { failTimes: 'bad' }, options: { tenant: 'acme' } }
        : { type: 'test.ok', payload: { n: i }, options: { tenant: `tenant-${i % 3}` } },
    );
    const result = await publisher({ sqs }).publishBatch(entries);
    assert.equal(result.successful.length, 22);
    assert.deepEqual(
      result.failed.map((f) => [f.index, f.code, f.senderFault]),
      [[7, 'InvalidTaskError', true]],
    );
    assert.equal(calls.get('SendMessageBatchCommand'), 3);
    assert.deepEqual(
      result.successful.map((s) => s.index),
      entries.map((_, i) => i).filter((i) => i !== 7),
    );
  });

  test('entries SQS rejects come back in failed with their code; the others are sent', async () => {
    const stack = local();
    const sqs = createSqsClient(stack.servers.sqsEndpoint, stack.servers.region);
    // SQS only rejects single entries under conditions a local server cannot produce (throttling,
    // KMS errors): inject that one answer at the SDK level, on the real request.
    sqs.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const output = result.output as { Successful?: Array<{ Id?: string }>; Failed?: unknown[] };
        const [rejected, ...rest] = output.Successful ?? [];
        if (rejected) {
          output.Successful = rest;
          output.Failed = [{ Id: rejected.Id, Code: 'KMS.ThrottlingException', Message: 'Rate exceeded', SenderFault: false }];
        }
        return result;
      },
      { step: 'initialize', name: 'rejectFirstEntry' },
    );
    const entries = Array.from({ length: 3 }, (_, i) => ({ type: 'test.ok', payload: { n: i }, options: { tenant: 'acme' } }));
    const result = await publisher({ sqs }).publishBatch(entries);
    assert.equal(result.successful.length, 2);
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0]!.code, 'KMS.ThrottlingException');
    assert.equal(result.failed[0]!.senderFault, false);
    assert.equal(result.failed[0]!.entry, entries[result.failed[0]!.index]);
  });

  test('a request that fails whole reports every entry in it', async () => {
    const stack = local();
    const queueUrls = { ...stack.queueUrls, fast: `${stack.servers.sqsEndpoint}/123456789012/no-such-queue` };
    const result = await publisher({ queueUrls }).publishBatch([
      { type: 'test.ok', payload: {}, options: { tenant: 'acme' } },
      { type: 'test.isolated-ok', payload: {}, options: { tenant: 'acme' } },
      { type: 'test.ok', payload: {}, options: { tenant: 'acme' } },
    ]);
    assert.deepEqual(
      result.successful.map((s) => s.index),
      [1],
    );
    assert.deepEqual(
      result.failed.map((f) => f.index),
      [0, 2],
    );
    assert.ok(result.failed.every((f) => f.senderFault === false && f.code.length > 0));
  });
});
