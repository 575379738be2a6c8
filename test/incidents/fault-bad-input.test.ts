/**
 * Fault: bad input. A generated corpus of malformed bodies (not JSON, huge,
 * deeply nested, wrong types, unknown version, missing tenant, not UTF-8) is
 * sent while good tasks flow through the same lane: each bad body ends in
 * the DLQ at once with its reason, the consumer never crashes (no failed
 * invocation), and every good task is delivered.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DYNAMODB_BACKENDS } from '../../src/local/servers.ts';
import { badInputCorpus } from './bad-input-corpus.ts';
import { incidentSuite, volume } from './suite.ts';

const LANE = 'notifications';

for (const dynamodb of DYNAMODB_BACKENDS)
  describe(`on ${dynamodb}`, () => {
    const suite = incidentSuite({ dynamodb });

    test('fault: every malformed body is dead-lettered at once with its reason while good tasks keep flowing; the consumer never crashes', async (t) => {
      const ledger = await suite.ledger('fault: bad input corpus');
      const corpus = badInputCorpus();
      const good = suite.lanes().publisher.publishBatch(
        Array.from({ length: volume(60) }, (_, i) => ({
          type: 'notify.email',
          payload: { to: `user-${i}@example.com` },
          options: { tenant: 'acme' },
        })),
      );
      for (const input of corpus) ledger.sentRaw(LANE, input.body, await suite.lanes().sendRaw(LANE, input.body));
      const { successful, failed } = await good;
      assert.deepEqual(failed, []);
      ledger.published(successful);

      const row = await ledger.settle(t);
      assert.equal(row.succeeded, successful.length, 'every good task delivered');
      assert.equal(row.deadLettered, corpus.length, 'every bad body dead-lettered');
      assert.equal(row.retried, 0, 'none retried: bad input is a permanent failure');
      const letters = await suite.lanes().deadLetters(LANE);
      for (const input of corpus) {
        const letter = letters.find((l) => l.body === input.body);
        assert.ok(letter, `${input.name}: in the DLQ byte for byte`);
        assert.equal(letter.reason, 'invalid', `${input.name}: reason`);
        assert.match(letter.error!, input.error, `${input.name}: error`);
      }
      const counters = suite.lanes().stack.pollers.get(LANE)!.counters;
      assert.equal(counters.failedBatches + counters.timedOutBatches, 0, 'no invocation failed');
    });
  });
