/**
 * The done-mark batcher: a batch's marks share BatchWriteItem requests, each
 * record's mark is written before its promise resolves, a record still
 * running does not hold its batch-mates' marks, and repeated keys never share
 * a request (DynamoDB would reject it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DedupStore } from '../../functions/runtime/dedup.ts';
import { DoneMarkBatcher } from '../../functions/runtime/done-batch.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { testDefinition } from '../support/test-definition.ts';

const stack = withLocalStack({ definition: testDefinition });
const WINDOW_SECONDS = 3_600;
const LEASE_MS = 60_000;

/** Commands the client sends, in order. */
function recordCommands(client: DynamoDBClient): string[] {
  const sent: string[] = [];
  client.middlewareStack.add((next, context) => (args) => {
    sent.push(context.commandName ?? 'unknown');
    return next(args);
  });
  return sent;
}

let runs = 0;
function setup() {
  const { clients, resources } = stack();
  const sent = recordCommands(clients.dynamodb);
  const store = new DedupStore({ client: clients.dynamodb, table: resources.dedupTable });
  return { store, sent, prefix: `done-batch-${++runs}` };
}

test('a batch whose records all finish writes their marks in one BatchWriteItem, then each is a duplicate', async () => {
  const { store, sent, prefix } = setup();
  const keys = Array.from({ length: 10 }, (_, n) => `${prefix}#k${n}`);
  const batcher = new DoneMarkBatcher(store, keys.length);
  sent.length = 0;
  await Promise.all(keys.map((key, n) => batcher.markDone(key, `m${n}`, `t${n}`, WINDOW_SECONDS).finally(() => batcher.recordSettled())));
  assert.deepEqual(sent, ['BatchWriteItemCommand']);
  for (const key of keys) assert.deepEqual(await store.claim(key, { owner: 'later', taskId: 'x', leaseMs: LEASE_MS }), { kind: 'duplicate' });
});

test('a record still running does not hold the marks of batch-mates that finished', async () => {
  const { store, prefix } = setup();
  const batcher = new DoneMarkBatcher(store, 3);
  const finished = [0, 1].map((n) => batcher.markDone(`${prefix}#k${n}`, `m${n}`, `t${n}`, WINDOW_SECONDS));
  // The third record neither marks nor settles until the first two are written.
  await Promise.all(finished);
  for (const n of [0, 1]) {
    assert.deepEqual(await store.claim(`${prefix}#k${n}`, { owner: 'later', taskId: 'x', leaseMs: LEASE_MS }), { kind: 'duplicate' });
  }
});

test('records that settle without a mark release the others at once', async () => {
  const { store, sent, prefix } = setup();
  const batcher = new DoneMarkBatcher(store, 4, 60_000);
  sent.length = 0;
  const marks = [0, 1].map((n) => batcher.markDone(`${prefix}#k${n}`, `m${n}`, `t${n}`, WINDOW_SECONDS));
  // Two records ended otherwise (duplicate, expired): with a one-minute delay, only the barrier can flush.
  batcher.recordSettled();
  batcher.recordSettled();
  await Promise.all(marks);
  assert.deepEqual(sent, ['BatchWriteItemCommand']);
});

test('the same key twice in one flush goes into separate requests', async () => {
  const { store, sent, prefix } = setup();
  const batcher = new DoneMarkBatcher(store, 3);
  sent.length = 0;
  await Promise.all([
    batcher.markDone(`${prefix}#same`, 'm1', 't1', WINDOW_SECONDS),
    batcher.markDone(`${prefix}#same`, 'm2', 't2', WINDOW_SECONDS),
    batcher.markDone(`${prefix}#other`, 'm3', 't3', WINDOW_SECONDS),
  ]);
  assert.deepEqual(sent.sort(), ['BatchWriteItemCommand', 'PutItemCommand']);
});
