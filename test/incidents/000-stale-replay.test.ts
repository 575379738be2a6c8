/**
 * Incident 000 (docs/incidents.md#000-stale-replay): after a bad restart, a
 * queue replayed tasks created six weeks earlier, oldest first, and
 * finished work ran again. Here: work runs, the consumers stop (the
 * restart), a six-week-old backlog, a replay of the finished tasks (same
 * ids) and fresh tasks are queued, the consumers come back: stale tasks are
 * expired and never executed, the replay runs nothing again, fresh tasks
 * run once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BatchEntry, PublishedTask } from '../../src/publisher/index.ts';
import { DYNAMODB_BACKENDS } from '../../src/local/servers.ts';
import { readExecutions } from '../support/execution-log.ts';
import { incidentSuite, volume } from './suite.ts';

const SIX_WEEKS_MS = 42 * 24 * 60 * 60 * 1000;

const emails = (count: number, fields: { id?: (i: number) => string; createdAt?: Date } = {}): BatchEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'notify.email',
    payload: { to: `user-${i}@example.com` },
    options: { tenant: `tenant-${i % 5}`, id: fields.id?.(i), createdAt: fields.createdAt },
  }));

for (const dynamodb of DYNAMODB_BACKENDS)
  describe(`on ${dynamodb}`, () => {
    const suite = incidentSuite({ dynamodb, consume: false });

    const publishAll = (entries: readonly BatchEntry[]): Promise<PublishedTask[]> => suite.lanes().publishAll(entries);

    test('000: a six-week-old backlog replayed after a restart is expired, a replay of finished work runs nothing, fresh work runs once', async (t) => {
      const ledger = await suite.ledger('000 stale replay');
      const consumers = suite.lanes().startConsumers({ lanes: ['notifications'] });

      const finished = await publishAll(emails(volume(30)));
      ledger.published(finished);
      await ledger.waitUntilSettled();

      // The restart: nobody consumes while the backlog is replayed into the queue.
      const poller = consumers.pollers.get('notifications')!;
      await poller.pause();
      const stale = await publishAll(emails(volume(60), { createdAt: new Date(Date.now() - SIX_WEEKS_MS) }));
      const replayed = await publishAll(emails(finished.length, { id: (i) => finished[i]!.id }));
      const fresh = await publishAll(emails(volume(20)));
      ledger.published([...stale, ...replayed, ...fresh]);
      poller.resume();

      const row = await ledger.settle(t);
      assert.equal(row.expired, stale.length, 'every stale task expired');
      assert.equal(row.duplicate, replayed.length, 'every replayed finished task acknowledged as a duplicate');
      assert.equal(row.succeeded, finished.length + fresh.length, 'the first run and the fresh tasks succeeded');
      const ran = new Set(readExecutions().map((e) => e.id));
      assert.ok(
        stale.every((task) => !ran.has(task.id)),
        'no stale task started',
      );
    });
  });
