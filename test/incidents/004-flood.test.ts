/**
 * Incident 004 (docs/incidents.md#004-flood): a pathological PDF ran for
 * minutes, the frontend asked for it again every few minutes, the queue and
 * the disk filled up; the fix split the queue by workload so a flooded
 * queue could be purged without losing notifications. Here:
 *
 * - slow exports requested again and again while they run execute once
 *   each; the repeats are coalesced, a repeat after one finished is a duplicate;
 * - a CPU-bound render is stopped at its timeout every attempt, then
 *   dead-lettered with the reason; its batch-mates complete;
 * - dropping the backlog of `bulk` with the ops library leaves every
 *   `notifications` task intact and delivered, while both lanes are loaded.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BatchEntry, PublishedTask } from '../../src/publisher/index.ts';
import { inProcessTarget } from '../../src/local/dashboard/control.ts';
import { dropTasks } from '../../src/ops/lanes/drop.ts';
import { pauseLane, resumeLane } from '../../src/ops/lanes/pause.ts';
import { DYNAMODB_BACKENDS } from '../../src/local/servers.ts';
import { readExecutions } from '../support/execution-log.ts';
import { isOutcome } from '../support/harness.ts';
import { createGate } from '../support/task-behaviours.ts';
import { waitFor } from '../support/wait.ts';
import { INCIDENT_LIMITS } from './incident-definition.ts';
import { incidentSuite, volume } from './suite.ts';

/** Far longer than any timeout: only a hard stop ends it. */
const PATHOLOGICAL_SPIN_MS = 10 * 60_000;
/**
 * The slow exports being asked for. Two, so that a batch of repeats holds distinct keys, which share one claim
 * request where the server has PartiQL (one key's repeats cannot: a batch request takes each key once).
 */
const REPORTS = ['report-2024-q3.pdf', 'report-2024-q4.pdf'];

for (const dynamodb of DYNAMODB_BACKENDS)
  describe(`on ${dynamodb}`, () => {
    const suite = incidentSuite({ dynamodb });

    const publishAll = (entries: readonly BatchEntry[]): Promise<PublishedTask[]> => suite.lanes().publishAll(entries);

    test('004: slow exports requested again and again while they run execute once each; the repeats are coalesced', async (t) => {
      const ledger = await suite.ledger('004 flood of repeats');
      const gate = createGate();
      const requests = REPORTS.map((dedupKey) => ({
        type: 'export.report',
        payload: { gate: gate.path },
        options: { tenant: 'acme', dedupKey },
      }));
      const firsts = await publishAll(requests);
      ledger.published(firsts);
      await waitFor(() => firsts.every((first) => readExecutions().some((e) => e.id === first.id)), {
        description: 'the exports to start',
      });

      // The impatient frontend: the same requests, again and again, while the exports run.
      const repeats = await publishAll(Array.from({ length: volume(20) }, (_, i) => requests[i % requests.length]!));
      ledger.published(repeats);
      for (const repeat of repeats) await suite.lanes().waitForOutcomes(isOutcome(repeat.id, 'coalesced'));
      gate.open();
      for (const first of firsts) await suite.lanes().waitForOutcomes(isOutcome(first.id, 'succeeded'));
      ledger.published(await publishAll(requests));

      const row = await ledger.settle(t);
      assert.equal(row.executed, 2, 'each export ran once');
      assert.equal(row.coalesced, repeats.length);
      assert.equal(row.duplicate, 2, 'a repeat of each after it finished');
    });

    test('004: a CPU-bound render is stopped at its timeout on every attempt, then dead-lettered with the reason; its batch-mates complete', async (t) => {
      const ledger = await suite.ledger('004 CPU-bound render');
      const tasks = await publishAll([
        { type: 'bulk.render', payload: { spinMs: PATHOLOGICAL_SPIN_MS }, options: { tenant: 'acme' } },
        ...Array.from({ length: 4 }, () => ({ type: 'bulk.cleanup', payload: {}, options: { tenant: 'acme' } })),
      ]);
      ledger.published(tasks);
      const row = await ledger.settle(t);

      const render = tasks[0]!;
      const attempts = suite.lanes().outcomesOf((e) => e.id === render.id);
      assert.equal(attempts.length, INCIDENT_LIMITS.renderMaxAttempts);
      assert.ok(
        attempts.every((e) => e.timedOut),
        'every attempt was stopped at the timeout',
      );
      const letter = (await suite.lanes().deadLetters('bulk')).find((l) => l.body.includes(render.id));
      assert.equal(letter?.reason, 'retriesExhausted');
      assert.match(letter!.error!, /TaskTimeoutError/);
      assert.equal(row.succeeded, 4, 'the batch-mates completed');
      assert.equal(row.executed, 4, 'the render never completed');
    });

    test('004: dropping the bulk lane under load leaves every notifications task intact and delivered', async (t) => {
      const ledger = await suite.ledger('004 drop bulk, keep notifications');
      const target = inProcessTarget(suite.lanes().stack);
      // A flooded bulk lane: its consumer is behind (paused), the backlog sits in its queue.
      await pauseLane(target, 'bulk');
      const [backlog, notifications] = await Promise.all([
        publishAll(Array.from({ length: volume(50) }, () => ({ type: 'bulk.cleanup', payload: {}, options: { tenant: 'acme' } }))),
        publishAll(
          Array.from({ length: volume(50) }, (_, i) =>
            i % 2
              ? { type: 'notify.email', payload: { to: `user-${i}@example.com` }, options: { tenant: `tenant-${i % 5}` } }
              : { type: 'notify.webhook', payload: { url: `https://example.com/hook/${i}` }, options: { tenant: `tenant-${i % 5}` } },
          ),
        ),
      ]);
      ledger.published([...backlog, ...notifications]);

      // The operator drops the bulk backlog (the ops library's drop) while notifications are being delivered.
      const result = await dropTasks(target, 'bulk', { filter: { type: 'bulk.cleanup' } });
      assert.deepEqual(
        { dropped: result.dropped, kept: result.kept, complete: result.complete },
        { dropped: backlog.length, kept: 0, complete: true },
      );
      ledger.dropped(backlog.map((task) => task.id));
      await resumeLane(target, 'bulk');

      const row = await ledger.settle(t);
      assert.equal(row.dropped, backlog.length, 'the whole bulk backlog was dropped, none of it ran');
      assert.equal(row.succeeded, notifications.length, 'every notification delivered');
      assert.equal(row.deadLettered, 0);
    });
  });
