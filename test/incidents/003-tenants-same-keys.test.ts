/**
 * Incident 003 (docs/incidents.md#003-tenants-same-keys): a change to
 * deduplication silently discarded valid jobs whenever several tenants had
 * jobs queued at once. Here 50 tenants publish the same dedup keys at the
 * same moment, with some true duplicates inside each tenant: every distinct
 * (tenant, type, key) runs exactly once, and the discard counters
 * (duplicate + coalesced) equal the true duplicates exactly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BatchEntry } from '../../src/publisher/index.ts';
import { DYNAMODB_BACKENDS } from '../../src/local/servers.ts';
import { incidentSuite, volume } from './suite.ts';

const KEYS = ['invoice-1', 'invoice-2', 'invoice-3'];
const TYPES = [
  { type: 'notify.email', payload: { to: 'billing@example.com' } },
  { type: 'notify.webhook', payload: { url: 'https://example.com/hook' } },
];
/** Tenant i publishes `i % DUPLICATE_CYCLE` extra copies of its first key. */
const DUPLICATE_CYCLE = 3;

for (const dynamodb of DYNAMODB_BACKENDS)
  describe(`on ${dynamodb}`, () => {
    const suite = incidentSuite({ dynamodb });

    test('003: 50 tenants with the same dedup keys at once: each (tenant, type, key) runs once, discards equal the true duplicates', async (t) => {
      const ledger = await suite.ledger('003 many tenants, same keys');
      const tenants = Array.from({ length: volume(50) }, (_, i) => `tenant-${String(i).padStart(3, '0')}`);
      let trueDuplicates = 0;
      const perTenant = tenants.map((tenant, i): BatchEntry[] => {
        const entries = TYPES.flatMap(({ type, payload }) => KEYS.map((dedupKey) => ({ type, payload, options: { tenant, dedupKey } })));
        const extra = i % DUPLICATE_CYCLE;
        trueDuplicates += extra;
        // Interleaved, so copies of a key travel in different batches and race each other.
        for (let copy = 0; copy < extra; copy++) entries.splice(copy * 2 + 1, 0, entries[0]!);
        return entries;
      });

      const results = await Promise.all(perTenant.map((entries) => suite.lanes().publisher.publishBatch(entries)));
      for (const { successful, failed } of results) {
        assert.deepEqual(failed, []);
        ledger.published(successful);
      }
      const row = await ledger.settle(t);

      const distinct = tenants.length * TYPES.length * KEYS.length;
      assert.equal(row.executed, distinct, 'every distinct (tenant, type, key) ran');
      assert.equal(row.succeeded, distinct);
      assert.equal(row.duplicate + row.coalesced, trueDuplicates, 'discards equal the true duplicates');

      const byKey = new Map<string, string[]>();
      for (const event of suite.lanes().outcomes) {
        if (event.dedupKey) byKey.set(event.dedupKey, [...(byKey.get(event.dedupKey) ?? []), event.outcome]);
      }
      assert.equal(byKey.size, distinct, 'one dedup record per (tenant, type, key)');
      for (const [key, outcomes] of byKey) {
        assert.equal(outcomes.filter((o) => o === 'succeeded').length, 1, `${key} succeeded once`);
      }
    });
  });
