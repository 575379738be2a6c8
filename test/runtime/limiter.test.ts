/**
 * The limiter's conditional writes (docs/design.md#6-limits) against dynalite
 * and DynamoDB Local (which, like AWS, returns the record with a failed
 * condition): concurrency slots taken up to the limit, given back, a dead
 * holder's slot taken over once its lease ended, and the requests each path
 * costs; the rate limit's bucket of `limit` runs refilled one per interval;
 * and a batch asking DynamoDB once for a key it found full.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import { provisionDedupTable } from '../../src/local/provision.ts';
import { ConcurrencyLeases } from '../../src/runtime/concurrency-leases.ts';
import { TaskLimiter, type LimitDecision } from '../../src/runtime/limiter.ts';
import { RateLimiter } from '../../src/runtime/rate-limit.ts';
import { withDynamoDbLocal, withLocalServers } from '../support/local-servers.ts';
import { recordCommands } from '../support/sent-commands.ts';

let tables = 0;
const freshTable = (client: DynamoDBClient) => provisionDedupTable(client, undefined, `limits-${++tables}`);
const START = 1_800_000_000_000;
const LEASE_MS = 35_000;
const slot = (owner: string, limit = 2) => ({ owner, limit, leaseMs: LEASE_MS });

const definition = createDefinition({
  heartbeats: false,
  lanes: [defineLane('shared', 'a lane with a per-tenant limit', { concurrency: { perTenant: 2 } })],
  tasks: [defineTask({ type: 'shared.call', lane: 'shared', schema: z.object({}), handler: () => undefined })],
});
const envelopeOf = (id: string, tenant: string) => ({
  v: 1 as const,
  id,
  type: 'shared.call',
  tenant,
  createdAt: new Date(START).toISOString(),
  payload: {},
});

function limiterContract(name: string, client: () => DynamoDBClient) {
  describe(`limiter on ${name}`, () => {
    test('slots are taken up to the limit, a full key says so, a released slot is free again', async () => {
      const clock = { now: START };
      const leases = new ConcurrencyLeases(client(), await freshTable(client()), () => clock.now);
      assert.deepEqual(await leases.acquire('#limit#k', slot('m1')), { kind: 'acquired' });
      assert.deepEqual(await leases.acquire('#limit#k', slot('m2')), { kind: 'acquired' });
      assert.deepEqual(await leases.acquire('#limit#k', slot('m3')), {
        kind: 'full',
        holders: 2,
        earliestLeaseEnd: START + LEASE_MS,
      });
      // The same delivery again (SQS delivered it twice) keeps its one slot.
      assert.deepEqual(await leases.acquire('#limit#k', slot('m1')), { kind: 'acquired' });
      await leases.release('#limit#k', 'm1');
      await leases.release('#limit#k', 'm1');
      assert.deepEqual(await leases.acquire('#limit#k', slot('m3')), { kind: 'acquired' });
      assert.deepEqual(await leases.acquire('#limit#other', slot('m4')), { kind: 'acquired' }, 'another key has slots of its own');
    });

    test('a holder that died keeps its slot until its lease ends; then the next run removes it and takes the slot', async () => {
      const clock = { now: START };
      const table = await freshTable(client());
      const leases = new ConcurrencyLeases(client(), table, () => clock.now);
      await leases.acquire('#limit#k', slot('dead-1'));
      await leases.acquire('#limit#k', slot('dead-2'));
      clock.now = START + LEASE_MS;
      assert.equal((await leases.acquire('#limit#k', slot('m3'))).kind, 'full', 'at the lease end exactly, still held');
      clock.now = START + LEASE_MS + 1;
      assert.deepEqual(await leases.acquire('#limit#k', slot('m3')), { kind: 'acquired' });
      const { Item } = await client().send(new GetItemCommand({ TableName: table, Key: { pk: { S: '#limit#k' } }, ConsistentRead: true }));
      assert.deepEqual(Object.keys(Item?.holders?.M ?? {}).sort(), ['m3'], 'both expired holders removed in the same write');
    });

    test("requests: a free slot costs one write (a write, a read and a put for the key's very first), a full key one failed write (plus a read where the server returns no record), a release one", async () => {
      const dynamodb = client();
      const table = await freshTable(dynamodb);
      const leases = new ConcurrencyLeases(dynamodb, table, () => START);
      const sent = recordCommands(dynamodb);
      await leases.acquire('#limit#k', slot('m1', 1));
      const first = sent.splice(0);
      await leases.acquire('#limit#k', slot('m2', 1));
      const full = sent.splice(0);
      await leases.release('#limit#k', 'm1');
      const release = sent.splice(0);
      await leases.acquire('#limit#k', slot('m2', 1));
      const again = sent.splice(0);
      const returnsRecord = name === 'DynamoDB Local';
      // No record yet: nothing comes back with the failed update, so every server needs the read.
      assert.deepEqual(first, ['UpdateItemCommand', 'GetItemCommand', 'PutItemCommand']);
      assert.deepEqual(full, returnsRecord ? ['UpdateItemCommand'] : ['UpdateItemCommand', 'GetItemCommand']);
      assert.deepEqual(release, ['UpdateItemCommand']);
      assert.deepEqual(again, ['UpdateItemCommand']);
    });

    test('rate: `limit` runs at once from idle, then one per interval; a refusal says when', async () => {
      const clock = { now: START };
      const rates = new RateLimiter(client(), await freshTable(client()), () => clock.now);
      const perSecond = { limit: 2, perSeconds: 1 };
      assert.deepEqual(await rates.take('#limit#rate', perSecond), { kind: 'allowed' });
      assert.deepEqual(await rates.take('#limit#rate', perSecond), { kind: 'allowed' });
      assert.deepEqual(await rates.take('#limit#rate', perSecond), { kind: 'limited', retryAfterMs: 500 });
      clock.now = START + 499;
      assert.deepEqual(await rates.take('#limit#rate', perSecond), { kind: 'limited', retryAfterMs: 1 });
      clock.now = START + 500;
      assert.deepEqual(await rates.take('#limit#rate', perSecond), { kind: 'allowed' });
      assert.deepEqual(await rates.take('#limit#rate', perSecond), { kind: 'limited', retryAfterMs: 500 });
      // Idle for long: the bucket is full again, not fuller.
      clock.now = START + 60_000;
      assert.deepEqual(await rates.take('#limit#rate', perSecond), { kind: 'allowed' });
      assert.deepEqual(await rates.take('#limit#rate', perSecond), { kind: 'allowed' });
      assert.equal((await rates.take('#limit#rate', perSecond)).kind, 'limited');
    });

    test('rate: another consumer (a second limiter on the same table) shares the bucket', async () => {
      const clock = { now: START };
      const table = await freshTable(client());
      const one = new RateLimiter(client(), table, () => clock.now);
      const two = new RateLimiter(client(), table, () => clock.now);
      const perMinute = { limit: 3, perSeconds: 60 };
      const results = [await one.take('#limit#r', perMinute), await two.take('#limit#r', perMinute), await one.take('#limit#r', perMinute)];
      assert.deepEqual(results, [{ kind: 'allowed' }, { kind: 'allowed' }, { kind: 'allowed' }]);
      assert.deepEqual(await two.take('#limit#r', perMinute), { kind: 'limited', retryAfterMs: 20_000 });
    });

    test('a batch of one tenant asks for its key in turn: once full, the rest of the batch is refused without a request', async () => {
      const dynamodb = client();
      const table = await freshTable(dynamodb);
      const limiter = new TaskLimiter({ client: dynamodb, table, now: () => START });
      const task = definition.findTask('shared.call')!;
      const batch = limiter.forBatch();
      const sent = recordCommands(dynamodb);
      const decisions: LimitDecision[] = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          batch.acquire({ task, envelope: envelopeOf(`a-${i}`, 'a'), owner: `m${i}`, leaseMs: LEASE_MS }),
        ),
      );
      assert.deepEqual(
        decisions.map((decision) => decision.kind),
        ['granted', 'granted', 'over', 'over', 'over', 'over'],
      );
      const over = decisions[2]!;
      assert.ok(over.kind === 'over');
      assert.equal(over.key, 'a');
      assert.equal(over.limit.scope, 'lane:shared');
      const writes = sent.filter((command) => command === 'UpdateItemCommand' || command === 'PutItemCommand').length;
      // The first slot creates the record (a failed update, then the put), the second is one update, the third finds it full.
      assert.equal(writes, 4);
      // Tenant b is not held back by a.
      assert.equal((await batch.acquire({ task, envelope: envelopeOf('b-0', 'b'), owner: 'mb', leaseMs: LEASE_MS })).kind, 'granted');
      // A run of the batch gives its slot back: the key is asked again.
      const granted = decisions[0]!;
      assert.ok(granted.kind === 'granted');
      await granted.release();
      await granted.release();
      assert.equal((await batch.acquire({ task, envelope: envelopeOf('a-9', 'a'), owner: 'm9', leaseMs: LEASE_MS })).kind, 'granted');
    });
  });
}

const dynalite = withLocalServers();
limiterContract('dynalite', () => dynalite().clients.dynamodb);

const ddbLocal = withDynamoDbLocal();
limiterContract('DynamoDB Local', () => ddbLocal().dynamodb);
