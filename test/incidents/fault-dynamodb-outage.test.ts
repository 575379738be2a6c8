/**
 * Fault: the DynamoDB-compatible server (the dedup table) goes away mid-run
 * and comes back. A record that cannot claim has not run, so it is retried:
 * an outage shorter than the lane's attempts budget ((maxReceiveCount - 1)
 * visibility timeouts) costs retries and nothing else; a longer one
 * dead-letters the records at their last attempt with the reason, and a
 * redrive after recovery runs each exactly once. The DynamoDB client tries
 * each call once here, so the outage is felt at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BatchEntry, PublishedTask } from '../../src/publisher/index.ts';
import { DYNAMODB_BACKENDS } from '../../src/local/servers.ts';
import { waitFor } from '../support/wait.ts';
import { INCIDENT_LIMITS } from './incident-definition.ts';
import { incidentSuite, volume } from './suite.ts';

/**
 * Feel the outage at once: one attempt, a short connection timeout (a paused server refuses
 * connections anyway). The request timeout must stay below the lane's visibility timeout
 * (task timeout + slack, 5 s): a claim hanging longer on a dropped connection lets SQS deliver
 * the message again while the first delivery still waits, and each such overlap spends an
 * attempt of the budget this test says the outage stays within (seen on a loaded machine with
 * 10 s). Yet it stays well above what the in-process server needs under the large variant's load.
 */
const OUTAGE_CLIENT = { maxAttempts: 1, requestHandler: { connectionTimeout: 500, requestTimeout: 3_000 } } as const;
const LANE = 'notifications';
/** Deliveries that must fail on the outage before the server comes back. */
const FELT_RETRIES = 5;

const emails = (count: number, tenant: string): BatchEntry[] =>
  Array.from({ length: count }, (_, i) => ({ type: 'notify.email', payload: { to: `user-${i}@example.com` }, options: { tenant } }));

for (const dynamodb of DYNAMODB_BACKENDS)
  describe(`on ${dynamodb}`, () => {
    const suite = incidentSuite({ dynamodb, clients: { dynamodb: OUTAGE_CLIENT } });

    const publishAll = (entries: readonly BatchEntry[]): Promise<PublishedTask[]> => suite.lanes().publishAll(entries);

    const claimRetries = (tasks: readonly PublishedTask[]) => {
      const ids = new Set(tasks.map((task) => task.id));
      return suite.lanes().outcomesOf((e) => ids.has(e.id ?? '') && e.outcome === 'retried' && /^claim: /.test(e.reason ?? ''));
    };

    test('fault: DynamoDB stops mid-run and comes back within the attempts budget: in-flight tasks are retried, nothing is lost or run twice', async (t) => {
      const ledger = await suite.ledger('fault: DynamoDB outage (within budget)');
      const { servers } = suite.lanes().stack;
      const before = await publishAll(emails(volume(40), 'acme'));
      ledger.published(before);
      await suite.lanes().waitForOutcomes((e) => e.outcome === 'succeeded', volume(10));

      await servers.pauseDynamodb();
      const during = await publishAll(emails(volume(20), 'globex'));
      ledger.published(during);
      await waitFor(() => claimRetries([...before, ...during]).length >= FELT_RETRIES, { description: 'the outage to be felt' });
      await servers.resumeDynamodb();

      const row = await ledger.settle(t);
      assert.equal(row.succeeded, before.length + during.length, 'all complete after recovery');
      assert.equal(row.deadLettered, 0, 'within the attempts budget');
      assert.ok(row.retried >= FELT_RETRIES);
    });

    test('fault: DynamoDB stays away longer than the attempts budget: the tasks are dead-lettered with the reason, never run, and run once when redriven', async (t) => {
      const ledger = await suite.ledger('fault: DynamoDB outage (outlasts budget)');
      const { servers } = suite.lanes().stack;
      await servers.pauseDynamodb();
      const tasks = await publishAll(emails(volume(5), 'initech'));
      ledger.published(tasks);
      const letters = await waitFor(
        async () => {
          const found = (await suite.lanes().deadLetters(LANE)).filter((l) => tasks.some((task) => l.body.includes(task.id)));
          return found.length === tasks.length ? found : undefined;
        },
        { timeoutMs: 90_000, description: 'every task dead-lettered' },
      );
      for (const letter of letters) {
        assert.equal(letter.reason, 'retriesExhausted');
        assert.match(letter.error!, /claim: /);
        assert.equal(letter.attempts, INCIDENT_LIMITS.notificationsMaxReceiveCount);
      }
      assert.equal(claimRetries(tasks).length, tasks.length * (INCIDENT_LIMITS.notificationsMaxReceiveCount - 1));

      await servers.resumeDynamodb();
      // Redriven together, as a DLQ redrive moves its messages: they come back as one batch.
      const poller = suite.lanes().stack.pollers.get(LANE)!;
      await poller.pause();
      for (const letter of letters) ledger.redriven(letter, LANE, await suite.lanes().sendRaw(LANE, letter.body));
      poller.resume();
      const row = await ledger.settle(t);
      assert.equal(row.succeeded, tasks.length, 'every redriven task ran');
      assert.equal(row.executed, tasks.length, 'once');
    });
  });
