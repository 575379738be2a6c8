/**
 * The dedup store's conditional writes, against dynalite (what local runs
 * use) and DynamoDB Local (AWS's own implementation, which also returns the
 * blocking item with the failed condition). `claimMany` must give every key
 * what `claim` would: in one PartiQL batch on DynamoDB Local, by single
 * claims on dynalite (no PartiQL).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetItemCommand, type BatchExecuteStatementCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEDUP_TABLE_SCHEMA } from '../../src/definition/environment.ts';
import { DedupStatementError, DedupStore, type ClaimResult } from '../../src/runtime/dedup.ts';
import { provisionDedupTable } from '../../src/local/provision.ts';
import { withDynamoDbLocal, withLocalServers } from '../support/local-servers.ts';
import { recordCommands } from '../support/sent-commands.ts';

let tables = 0;
const freshTable = (client: DynamoDBClient) => provisionDedupTable(client, undefined, `dedup-${++tables}`);

/** A store on a fresh table with a clock the test moves. */
async function storeWithClock(client: DynamoDBClient) {
  const clock = { now: 1_800_000_000_000 };
  const table = await freshTable(client);
  return { clock, table, store: new DedupStore({ client, table, now: () => clock.now }) };
}

const LEASE_MS = 60_000;
const claimAs = (owner: string, attempt = 1) => ({ owner, attempt, taskId: `task-of-${owner}`, leaseMs: LEASE_MS });

/** Each entry's result, or its error. */
const settled = async (claims: Array<Promise<ClaimResult>>) =>
  (await Promise.allSettled(claims)).map((result) => (result.status === 'fulfilled' ? result.value : result.reason));

function dedupContract(name: string, client: () => DynamoDBClient, claimWrites: 'batch' | 'single') {
  describe(`dedup store on ${name}`, () => {
    test('first claim wins; a live claim by another delivery coalesces', async () => {
      const { store } = await storeWithClock(client());
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m1')), { kind: 'claimed' });
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m2')), { kind: 'coalesced', owner: 'm1' });
    });

    test('the same receive twice finds its own live lease held; a later receive of the message takes its claim over', async () => {
      const { store, clock } = await storeWithClock(client());
      await store.claim('acme#t#k', claimAs('m1', 1));
      // An SQS duplicate of the same receive: retry later, never run twice at once.
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m1', 1)), { kind: 'leaseHeld', leaseUntil: clock.now + LEASE_MS });
      // The second receive comes after the visibility timeout: the first invocation is over.
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m1', 2)), { kind: 'claimed' });
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m1', 2)), { kind: 'leaseHeld', leaseUntil: clock.now + LEASE_MS });
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m2', 3)), { kind: 'coalesced', owner: 'm1' });
    });

    test('an expired lease is taken over by the next delivery', async () => {
      const { store, clock } = await storeWithClock(client());
      await store.claim('acme#t#k', claimAs('m1'));
      clock.now += LEASE_MS + 1;
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m2')), { kind: 'claimed' });
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m3')), { kind: 'coalesced', owner: 'm2' });
    });

    test('done suppresses repeats for the window, then the key can run again', async () => {
      const { store, clock, table } = await storeWithClock(client());
      await store.claim('acme#t#k', claimAs('m1'));
      await store.markDone('acme#t#k', 'm1', 'task-of-m1', 3600);
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m2')), { kind: 'duplicate' });
      const item = await client().send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'acme#t#k' } } }));
      assert.equal(item.Item?.status?.S, 'done');
      assert.equal(Number(item.Item?.[DEDUP_TABLE_SCHEMA.ttlAttribute]?.N), Math.ceil(clock.now / 1000) + 3600);
      clock.now += 3601 * 1000;
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m3')), { kind: 'claimed' });
    });

    test('release frees the key for a redelivery, but only the owner can release', async () => {
      const { store } = await storeWithClock(client());
      await store.claim('acme#t#k', claimAs('m1'));
      await store.release('acme#t#k', 'm2');
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m2')), { kind: 'coalesced', owner: 'm1' });
      await store.release('acme#t#k', 'm1');
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m2')), { kind: 'claimed' });
    });

    test('keys of different tenants never block each other', async () => {
      const { store } = await storeWithClock(client());
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.claim(`tenant-${i}#email.send#same-key`, claimAs(`m${i}`))),
      );
      assert.deepEqual(
        results,
        Array.from({ length: 20 }, () => ({ kind: 'claimed' })),
      );
    });

    test('of many concurrent claims on one key exactly one wins', async () => {
      const { store } = await storeWithClock(client());
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.claim('acme#t#hot', claimAs(`m${i}`))));
      assert.equal(results.filter((r) => r.kind === 'claimed').length, 1);
      assert.equal(results.filter((r) => r.kind === 'coalesced').length, 24);
    });

    test(`claimMany gives every key what claim would, ${claimWrites === 'batch' ? 'in one PartiQL batch' : 'by single claims'}`, async () => {
      const { store, clock } = await storeWithClock(client());
      // Records as they stand before the batch: two left from a minute ago...
      await store.claim('acme#t#crashed', claimAs('m1'));
      await store.claim('acme#t#old-done', claimAs('m1'));
      await store.markDone('acme#t#old-done', 'm1', 'task-of-m1', 1);
      await store.claim('acme#t#done', claimAs('m1'));
      await store.markDone('acme#t#done', 'm1', 'task-of-m1', 3600);
      clock.now += LEASE_MS + 1;
      // ...and two live ones, one of them this delivery's own.
      await store.claim('acme#t#live', claimAs('m1'));
      await store.claim('acme#t#mine', claimAs('m9'));
      await store.claim('acme#t#mine-earlier', claimAs('m9', 0));
      const leaseHeldUntil = clock.now + LEASE_MS;
      const sent = recordCommands(client());
      const results = await settled(
        store.claimMany([
          { key: 'acme#t#fresh', request: claimAs('m9') },
          { key: 'acme#t#done', request: claimAs('m9') },
          { key: 'acme#t#live', request: claimAs('m9') },
          { key: 'acme#t#mine', request: claimAs('m9') },
          { key: 'acme#t#crashed', request: claimAs('m9') },
          { key: 'acme#t#old-done', request: claimAs('m9') },
          { key: 'acme#t#mine-earlier', request: claimAs('m9') },
        ]),
      );
      assert.deepEqual(results, [
        { kind: 'claimed' },
        { kind: 'duplicate' },
        { kind: 'coalesced', owner: 'm1' },
        { kind: 'leaseHeld', leaseUntil: leaseHeldUntil },
        { kind: 'claimed' },
        { kind: 'claimed' },
        { kind: 'claimed' },
      ]);
      assert.equal(store.claimWrites, claimWrites);
      if (claimWrites === 'batch') {
        // One batch; the five keys it found taken read back at once; the three stale ones claimed alone.
        assert.deepEqual(sent, [
          'BatchExecuteStatementCommand',
          'BatchGetItemCommand',
          'PutItemCommand',
          'PutItemCommand',
          'PutItemCommand',
        ]);
      }
      // The winners hold their claims now.
      for (const key of ['acme#t#fresh', 'acme#t#crashed', 'acme#t#old-done', 'acme#t#mine-earlier']) {
        assert.deepEqual(await store.claim(key, claimAs('m10')), { kind: 'coalesced', owner: 'm9' });
      }
    });

    test('of concurrent claimMany calls on one hot key exactly one wins', async () => {
      const { store } = await storeWithClock(client());
      const calls = Array.from({ length: 8 }, (_, i) =>
        settled(
          store.claimMany([
            { key: 'acme#t#hot', request: claimAs(`m${i}`) },
            { key: `acme#t#own-${i}`, request: claimAs(`m${i}`) },
          ]),
        ),
      );
      const results = await Promise.all(calls);
      const hot = results.map(([first]) => first as ClaimResult);
      const winners = hot.flatMap((result, i) => (result.kind === 'claimed' ? [`m${i}`] : []));
      assert.equal(winners.length, 1);
      assert.deepEqual(
        hot.filter((result) => result.kind !== 'claimed'),
        Array.from({ length: 7 }, () => ({ kind: 'coalesced', owner: winners[0] })),
      );
      assert.deepEqual(
        results.map(([, own]) => own),
        Array.from({ length: 8 }, () => ({ kind: 'claimed' })),
      );
    });

    test('a key DynamoDB refuses fails its own claim only', async () => {
      const { store } = await storeWithClock(client());
      // Partition keys are limited to 2048 bytes.
      const [a, refused, b] = await settled(
        store.claimMany([
          { key: 'acme#t#a', request: claimAs('m1') },
          { key: `acme#t#${'x'.repeat(3000)}`, request: claimAs('m1') },
          { key: 'acme#t#b', request: claimAs('m1') },
        ]),
      );
      assert.deepEqual([a, b], [{ kind: 'claimed' }, { kind: 'claimed' }]);
      assert.ok(refused instanceof Error, `the long key was ${JSON.stringify(refused)}`);
      if (claimWrites === 'batch') {
        assert.ok(refused instanceof DedupStatementError);
        assert.equal(refused.code, 'ValidationError');
      }
    });
  });
}

const dynalite = withLocalServers();
dedupContract('dynalite', () => dynalite().clients.dynamodb, 'single');

const ddbLocal = withDynamoDbLocal();
dedupContract('DynamoDB Local', () => ddbLocal().dynamodb, 'batch');

test('a statement throttled within the batch is claimed again alone (fault injected: a server does not throttle one statement)', async () => {
  const client = ddbLocal().dynamodb;
  const { store } = await storeWithClock(client);
  let injected = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'BatchExecuteStatementCommand' && !injected) {
        injected = true;
        // The server wrote it; claiming it again must find this same delivery's claim: leaseHeld, never run twice.
        (result.output as BatchExecuteStatementCommandOutput).Responses![1] = { Error: { Code: 'ThrottlingError', Message: 'injected' } };
      }
      return result;
    },
    { step: 'initialize', name: 'throttleOneStatement' },
  );
  const results = await settled(
    store.claimMany([
      { key: 'acme#t#one', request: claimAs('m1') },
      { key: 'acme#t#two', request: claimAs('m2') },
      { key: 'acme#t#three', request: claimAs('m3') },
    ]),
  );
  assert.ok(injected);
  assert.deepEqual(results[0], { kind: 'claimed' });
  assert.equal((results[1] as ClaimResult).kind, 'leaseHeld');
  assert.deepEqual(results[2], { kind: 'claimed' });
  client.middlewareStack.remove('throttleOneStatement');
});
