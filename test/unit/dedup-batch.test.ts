/**
 * The dedup batcher against a fake store: which requests a batch's claims
 * and done marks become, when a mark waits for its batch-mates and when it
 * goes at once, and how a failed request reaches each record. The wait for
 * a still-running batch-mate runs on mocked timers: the default 20 ms
 * (DONE_BATCH_MAX_DELAY_MS) is asserted on the mock clock, never by
 * sleeping. test/runtime/dedup-batch.test.ts runs the batcher against real
 * servers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DedupBatcher } from '../../src/runtime/dedup-batch.ts';
import type { ClaimResult } from '../../src/runtime/dedup.ts';
import { FakeBatchStore, deferred, type Deferred } from './helpers/factories.ts';

const WINDOW_SECONDS = 600;
const request = (owner: string) => ({ owner, attempt: 1, taskId: `task-of-${owner}`, leaseMs: 35_000 });
/** Lets the batcher's setImmediate callbacks that are already queued run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: Error) => `rejected: ${error.message}`,
  );
const markDone = (batcher: DedupBatcher, key: string, owner: string) => batcher.markDone(key, owner, `task-of-${owner}`, WINDOW_SECONDS);

/** A batcher whose records m0..m(count-1) hold claims of keys k0..k(count-1). */
async function withClaimedRecords(count: number, store = new FakeBatchStore()) {
  const batcher = new DedupBatcher(store);
  const records = Array.from({ length: count }, (_, n) => ({ key: `k${n}`, owner: `m${n}` }));
  await Promise.all(records.map(({ key, owner }) => batcher.claim(key, request(owner))));
  store.calls.length = 0;
  return { batcher, store, records };
}

describe('claims', () => {
  test('the claims asked for in one turn go out in one claimMany; each record gets its own result', async () => {
    // Prepare
    const store = new FakeBatchStore();
    const answers: Record<string, ClaimResult> = {
      a: { kind: 'claimed' },
      b: { kind: 'duplicate' },
      c: { kind: 'coalesced', owner: 'm9' },
    };
    store.claimAnswer = async ({ key }) => answers[key]!;
    const batcher = new DedupBatcher(store);
    // Act
    const results = await Promise.all([
      batcher.claim('a', request('m1')),
      batcher.claim('b', request('m2')),
      batcher.claim('c', request('m3')),
    ]);
    // Assess
    assert.deepEqual(results, [{ kind: 'claimed' }, { kind: 'duplicate' }, { kind: 'coalesced', owner: 'm9' }]);
    assert.deepEqual(store.calls, [{ op: 'claimMany', keys: ['a', 'b', 'c'] }]);
  });

  test("a key repeated in the turn goes in a second request, sent only once the first request's claims have settled", async () => {
    // Prepare
    const store = new FakeBatchStore();
    const pending = new Map<string, Deferred<ClaimResult>>();
    store.claimAnswer = ({ key, request }) => {
      const answer = deferred<ClaimResult>();
      pending.set(`${key} ${request.owner}`, answer);
      return answer.promise;
    };
    const batcher = new DedupBatcher(store);
    // Act
    const first = batcher.claim('a', request('m1'));
    const repeat = batcher.claim('a', request('m2'));
    const other = batcher.claim('b', request('m3'));
    await nextTurn();
    const afterOneTurn = [...store.calls];
    pending.get('a m1')!.resolve({ kind: 'claimed' });
    await nextTurn();
    const afterOneSettled = [...store.calls];
    pending.get('b m3')!.resolve({ kind: 'claimed' });
    await nextTurn();
    pending.get('a m2')!.resolve({ kind: 'coalesced', owner: 'm1' });
    // Assess
    assert.deepEqual(afterOneTurn, [{ op: 'claimMany', keys: ['a', 'b'] }]);
    assert.deepEqual(afterOneSettled, afterOneTurn);
    assert.deepEqual(store.calls, [
      { op: 'claimMany', keys: ['a', 'b'] },
      { op: 'claimMany', keys: ['a'] },
    ]);
    assert.deepEqual(await Promise.all([first, repeat, other]), [
      { kind: 'claimed' },
      { kind: 'coalesced', owner: 'm1' },
      { kind: 'claimed' },
    ]);
  });

  test("26 distinct keys: a request of 25 (BatchExecuteStatement's limit), then one of 1", async () => {
    // Prepare
    const store = new FakeBatchStore();
    const batcher = new DedupBatcher(store);
    const keys = Array.from({ length: 26 }, (_, n) => `k${n}`);
    // Act
    await Promise.all(keys.map((key, n) => batcher.claim(key, request(`m${n}`))));
    // Assess
    assert.deepEqual(store.calls, [
      { op: 'claimMany', keys: keys.slice(0, 25) },
      { op: 'claimMany', keys: ['k25'] },
    ]);
  });

  test("a claim that fails rejects that record's claim only", async () => {
    // Prepare
    const store = new FakeBatchStore();
    store.claimAnswer = async ({ key }) => {
      if (key === 'b') throw new Error('ValidationError: bad key');
      return { kind: 'claimed' };
    };
    const batcher = new DedupBatcher(store);
    // Act
    const results = await Promise.all([settle(batcher.claim('a', request('m1'))), settle(batcher.claim('b', request('m2')))]);
    // Assess
    assert.deepEqual(results, ['resolved', 'rejected: ValidationError: bad key']);
  });

  test('release goes straight to the store', async () => {
    // Prepare
    const store = new FakeBatchStore();
    const batcher = new DedupBatcher(store);
    // Act
    await batcher.release('a', 'm1');
    // Assess
    assert.deepEqual(store.calls, [{ op: 'release', key: 'a', owner: 'm1' }]);
  });
});

describe('done marks', () => {
  test('every claimed record asks for its mark in one turn: one markDoneMany, then each mark resolves', async () => {
    // Prepare
    const { batcher, store, records } = await withClaimedRecords(3);
    // Act
    const marks = records.map(({ key, owner }) => markDone(batcher, key, owner));
    const results = await Promise.all(marks.map(settle));
    // Assess
    assert.deepEqual(results, ['resolved', 'resolved', 'resolved']);
    assert.deepEqual(store.calls, [{ op: 'markDoneMany', keys: ['k0', 'k1', 'k2'] }]);
  });

  test('a lone mark is written with markDone, not a batch request', async () => {
    // Prepare
    const { batcher, store } = await withClaimedRecords(1);
    // Act
    await markDone(batcher, 'k0', 'm0');
    // Assess
    assert.deepEqual(store.calls, [{ op: 'markDone', key: 'k0' }]);
  });

  test("a batch-mate still running holds a finished record's mark for 20 ms at most", async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { batcher, store } = await withClaimedRecords(2);
    // Act
    const mark = markDone(batcher, 'k0', 'm0');
    await nextTurn();
    const beforeDelay = [...store.calls];
    t.mock.timers.tick(19);
    const at19Ms = [...store.calls];
    t.mock.timers.tick(1);
    // Assess
    assert.deepEqual(beforeDelay, []);
    assert.deepEqual(at19Ms, []);
    assert.deepEqual(store.calls, [{ op: 'markDone', key: 'k0' }]);
    assert.equal(await settle(mark), 'resolved');
  });

  test('the waited-for batch-mate settling without a mark lets the mark go at once', async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { batcher, store } = await withClaimedRecords(2);
    const mark = markDone(batcher, 'k0', 'm0');
    await nextTurn();
    // Act
    batcher.recordSettled('m1');
    await nextTurn();
    // Assess: written without the mock clock moving
    assert.deepEqual(store.calls, [{ op: 'markDone', key: 'k0' }]);
    assert.equal(await settle(mark), 'resolved');
  });

  test('records whose claim was not granted hold no one', async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const store = new FakeBatchStore();
    store.claimAnswer = async ({ key }) => (key === 'k1' ? { kind: 'duplicate' } : { kind: 'claimed' });
    const batcher = new DedupBatcher(store);
    await Promise.all([batcher.claim('k0', request('m0')), batcher.claim('k1', request('m1'))]);
    store.calls.length = 0;
    // Act
    const mark = markDone(batcher, 'k0', 'm0');
    await nextTurn();
    // Assess
    assert.deepEqual(store.calls, [{ op: 'markDone', key: 'k0' }]);
    assert.equal(await settle(mark), 'resolved');
  });

  test("25 marks (BatchWriteItem's limit) go at once even while a batch-mate still runs", async (t) => {
    // Prepare
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { batcher, store, records } = await withClaimedRecords(26);
    // Act
    const marks = records.slice(0, 25).map(({ key, owner }) => markDone(batcher, key, owner));
    await nextTurn();
    // Assess
    assert.deepEqual(store.calls, [{ op: 'markDoneMany', keys: records.slice(0, 25).map((r) => r.key) }]);
    assert.deepEqual(new Set(await Promise.all(marks.map(settle))), new Set(['resolved']));
  });

  test('two marks of one key never share a request (DynamoDB rejects that)', async () => {
    // Prepare
    const store = new FakeBatchStore();
    const batcher = new DedupBatcher(store);
    // Act
    await Promise.all([
      batcher.markDone('a', 'm0', 't0', WINDOW_SECONDS),
      batcher.markDone('b', 'm1', 't1', WINDOW_SECONDS),
      batcher.markDone('a', 'm2', 't2', WINDOW_SECONDS),
    ]);
    // Assess
    assert.deepEqual(store.calls, [
      { op: 'markDoneMany', keys: ['a', 'b'] },
      { op: 'markDone', key: 'a' },
    ]);
  });

  test('marks DynamoDB left unprocessed are written one by one; a failure there fails that mark only', async () => {
    // Prepare
    const store = new FakeBatchStore();
    store.unprocessed = new Set(['k1', 'k2']);
    store.markDoneFailures.set('k2', new Error('ProvisionedThroughputExceeded'));
    const { batcher, records } = await withClaimedRecords(3, store);
    // Act
    const results = await Promise.all(records.map(({ key, owner }) => settle(markDone(batcher, key, owner))));
    // Assess
    assert.deepEqual(results, ['resolved', 'resolved', 'rejected: ProvisionedThroughputExceeded']);
    assert.deepEqual(store.calls, [
      { op: 'markDoneMany', keys: ['k0', 'k1', 'k2'] },
      { op: 'markDone', key: 'k1' },
      { op: 'markDone', key: 'k2' },
    ]);
  });

  test('a failed batch request fails each of its marks, as a failed PutItem would', async () => {
    // Prepare
    const store = new FakeBatchStore();
    store.markDoneManyFailure = new Error('socket hang up');
    const { batcher, records } = await withClaimedRecords(2, store);
    // Act
    const results = await Promise.all(records.map(({ key, owner }) => settle(markDone(batcher, key, owner))));
    // Assess
    assert.deepEqual(results, ['rejected: socket hang up', 'rejected: socket hang up']);
  });

  test('a record settling with no marks pending sends nothing', async () => {
    // Prepare
    const { batcher, store } = await withClaimedRecords(1);
    // Act
    batcher.recordSettled('m0');
    await nextTurn();
    // Assess
    assert.deepEqual(store.calls, []);
  });
});
