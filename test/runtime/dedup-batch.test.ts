/**
 * The invocation's dedup batcher.
 * - Claims asked for in one turn share one PartiQL batch (DynamoDB Local,
 *   which has PartiQL), and a key repeated in that turn goes in a request of
 *   its own and coalesces; on dynalite (no PartiQL) they fall back to single
 *   claims with the same results.
 * - Done marks share BatchWriteItem requests, each record's mark is written
 *   before its promise resolves, a record still running does not hold its
 *   batch-mates' marks for long, only records holding a claim are waited
 *   for, and repeated keys never share a request (DynamoDB would reject it).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DedupStore } from '../../src/runtime/dedup.ts';
import { DedupBatcher } from '../../src/runtime/dedup-batch.ts';
import { provisionDedupTable } from '../../src/local/provision.ts';
import { withDynamoDbLocal, withLocalStack } from '../support/local-servers.ts';
import { recordCommands } from '../support/sent-commands.ts';
import { testDefinition } from '../support/test-definition.ts';

const stack = withLocalStack({ definition: testDefinition });
const WINDOW_SECONDS = 3_600;
const LEASE_MS = 60_000;

let runs = 0;
function setup() {
  const { clients, resources } = stack();
  const sent = recordCommands(clients.dynamodb);
  const store = new DedupStore({ client: clients.dynamodb, table: resources.dedupTable });
  return { store, sent, prefix: `dedup-batch-${++runs}` };
}

const claimAs = (owner: string, attempt = 1) => ({ owner, attempt, taskId: `task-of-${owner}`, leaseMs: LEASE_MS });
const later = { owner: 'later', attempt: 1, taskId: 'x', leaseMs: LEASE_MS };

/** Records `0..count-1` of one invocation, each with its key and owner, claimed through the batcher. */
async function claimedRecords(batcher: DedupBatcher, prefix: string, count: number) {
  const records = Array.from({ length: count }, (_, n) => ({ key: `${prefix}#k${n}`, owner: `m${n}` }));
  const claims = await Promise.all(records.map(({ key, owner }) => batcher.claim(key, claimAs(owner))));
  assert.ok(claims.every((claim) => claim.kind === 'claimed'));
  return records;
}

test('a batch whose records all finish writes their marks in one BatchWriteItem, then each is a duplicate', async () => {
  const { store, sent, prefix } = setup();
  const batcher = new DedupBatcher(store);
  const records = await claimedRecords(batcher, prefix, 10);
  sent.length = 0;
  await Promise.all(
    records.map(({ key, owner }, n) => batcher.markDone(key, owner, `t${n}`, WINDOW_SECONDS).finally(() => batcher.recordSettled(owner))),
  );
  assert.deepEqual(sent, ['BatchWriteItemCommand']);
  for (const { key } of records) assert.deepEqual(await store.claim(key, later), { kind: 'duplicate' });
});

test('a record still running does not hold the marks of batch-mates that finished for long', async () => {
  const { store, sent, prefix } = setup();
  const batcher = new DedupBatcher(store);
  const records = await claimedRecords(batcher, prefix, 3);
  sent.length = 0;
  // The third record neither marks nor settles until the first two are written (after DONE_BATCH_MAX_DELAY_MS).
  await Promise.all(records.slice(0, 2).map(({ key, owner }, n) => batcher.markDone(key, owner, `t${n}`, WINDOW_SECONDS)));
  assert.deepEqual(sent, ['BatchWriteItemCommand']);
  for (const { key } of records.slice(0, 2)) assert.deepEqual(await store.claim(key, later), { kind: 'duplicate' });
});

test('claimed records that settle without a mark release the others at once', async () => {
  const { store, sent, prefix } = setup();
  const batcher = new DedupBatcher(store, 60_000);
  const records = await claimedRecords(batcher, prefix, 4);
  sent.length = 0;
  const marks = records.slice(0, 2).map(({ key, owner }, n) => batcher.markDone(key, owner, `t${n}`, WINDOW_SECONDS));
  // Two records failed and released their claims: with a one-minute delay, only the barrier can flush.
  for (const { owner } of records.slice(2)) batcher.recordSettled(owner);
  await Promise.all(marks);
  assert.deepEqual(sent, ['BatchWriteItemCommand']);
});

test('records that hold no claim (invalid, expired, duplicate, still waiting for a verdict) are not waited for', async () => {
  const { store, sent, prefix } = setup();
  const batcher = new DedupBatcher(store, 60_000);
  const [record] = await claimedRecords(batcher, prefix, 1);
  // Nine batch-mates that never claimed: with a one-minute delay, the mark still goes at once.
  sent.length = 0;
  await batcher.markDone(record!.key, record!.owner, 't0', WINDOW_SECONDS);
  assert.deepEqual(sent, ['PutItemCommand']);
});

test('the same key twice in one flush goes into separate requests', async () => {
  const { store, sent, prefix } = setup();
  const batcher = new DedupBatcher(store);
  sent.length = 0;
  await Promise.all([
    batcher.markDone(`${prefix}#same`, 'm1', 't1', WINDOW_SECONDS),
    batcher.markDone(`${prefix}#same`, 'm2', 't2', WINDOW_SECONDS),
    batcher.markDone(`${prefix}#other`, 'm3', 't3', WINDOW_SECONDS),
  ]);
  assert.deepEqual(sent.sort(), ['BatchWriteItemCommand', 'PutItemCommand']);
});

test("on a server without PartiQL (dynalite) a batch's claims fall back to single claims, same results", async () => {
  const { store, sent, prefix } = setup();
  const batcher = new DedupBatcher(store);
  sent.length = 0;
  const results = await Promise.all([
    batcher.claim(`${prefix}#a`, claimAs('m1')),
    batcher.claim(`${prefix}#b`, claimAs('m2')),
    batcher.claim(`${prefix}#c`, claimAs('m3')),
    batcher.claim(`${prefix}#a`, claimAs('m4')),
  ]);
  assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'claimed' }, { kind: 'claimed' }, { kind: 'coalesced', owner: 'm1' }]);
  assert.equal(store.claimWrites, 'single');
  assert.equal(sent.filter((name) => name === 'BatchExecuteStatementCommand').length, 1, 'asked once, then remembered');
  assert.equal(sent.filter((name) => name === 'PutItemCommand').length, 4);
});

describe('claim batching on DynamoDB Local', () => {
  const ddbLocal = withDynamoDbLocal();

  test('the claims of one turn share one request; a repeated key goes alone and coalesces', async () => {
    const { dynamodb } = ddbLocal();
    const store = new DedupStore({ client: dynamodb, table: await provisionDedupTable(dynamodb, undefined, 'claims-batch') });
    const sent = recordCommands(dynamodb);
    const batcher = new DedupBatcher(store);
    const keys = Array.from({ length: 10 }, (_, n) => `acme#t#k${n}`);
    const results = await Promise.all([
      ...keys.map((key, n) => batcher.claim(key, claimAs(`m${n}`))),
      batcher.claim('acme#t#k0', claimAs('m10')),
    ]);
    assert.deepEqual(
      results.slice(0, 10),
      keys.map(() => ({ kind: 'claimed' })),
    );
    assert.deepEqual(results[10], { kind: 'coalesced', owner: 'm0' });
    // The ten distinct keys: one BatchExecuteStatement. The repeat, after it: a conditional PutItem of
    // its own, whose failure returns the holder (as on AWS), so no read.
    assert.deepEqual(sent, ['BatchExecuteStatementCommand', 'PutItemCommand']);
    assert.equal(store.claimWrites, 'batch');
  });
});
