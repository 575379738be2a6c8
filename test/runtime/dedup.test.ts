/**
 * The dedup store's conditional writes, against dynalite (what local runs
 * use) and DynamoDB Local (AWS's own implementation, which also returns the
 * blocking item with the failed condition).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEDUP_TABLE_SCHEMA } from '../../functions/definition/environment.ts';
import { DedupStore } from '../../functions/runtime/dedup.ts';
import { dynamoDbLocalUnavailableReason } from '../../local/dynamodb-local.ts';
import { provisionDedupTable } from '../../local/provision.ts';
import { withDynamoDbLocal, withLocalServers } from '../support/local-servers.ts';

let tables = 0;
const freshTable = (client: DynamoDBClient) => provisionDedupTable(client, undefined, `dedup-${++tables}`);

/** A store on a fresh table with a clock the test moves. */
async function storeWithClock(client: DynamoDBClient) {
  const clock = { now: 1_800_000_000_000 };
  const table = await freshTable(client);
  return { clock, table, store: new DedupStore({ client, table, now: () => clock.now }) };
}

const LEASE_MS = 60_000;
const claimAs = (owner: string) => ({ owner, taskId: `task-of-${owner}`, leaseMs: LEASE_MS });

function dedupContract(name: string, client: () => DynamoDBClient) {
  describe(`dedup store on ${name}`, () => {
    test('first claim wins; a live claim by another delivery coalesces', async () => {
      const { store } = await storeWithClock(client());
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m1')), { kind: 'claimed' });
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m2')), { kind: 'coalesced', owner: 'm1' });
    });

    test('the same delivery finds its own live lease held (retry later, never run twice)', async () => {
      const { store, clock } = await storeWithClock(client());
      await store.claim('acme#t#k', claimAs('m1'));
      assert.deepEqual(await store.claim('acme#t#k', claimAs('m1')), { kind: 'leaseHeld', leaseUntil: clock.now + LEASE_MS });
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
      assert.deepEqual(results, Array.from({ length: 20 }, () => ({ kind: 'claimed' })));
    });

    test('of many concurrent claims on one key exactly one wins', async () => {
      const { store } = await storeWithClock(client());
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.claim('acme#t#hot', claimAs(`m${i}`))));
      assert.equal(results.filter((r) => r.kind === 'claimed').length, 1);
      assert.equal(results.filter((r) => r.kind === 'coalesced').length, 24);
    });
  });
}

const dynalite = withLocalServers();
dedupContract('dynalite', () => dynalite().clients.dynamodb);

const unavailable = await dynamoDbLocalUnavailableReason();
if (unavailable) {
  test('dedup store on DynamoDB Local', { skip: unavailable }, () => {});
} else {
  const ddbLocal = withDynamoDbLocal();
  dedupContract('DynamoDB Local', () => ddbLocal().dynamodb);
}
