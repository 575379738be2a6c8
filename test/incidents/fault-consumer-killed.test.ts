/**
 * Fault: a consumer process is killed mid-batch. The batch it held is never
 * acknowledged, so SQS redelivers it after the visibility timeout; its dedup
 * claims are never released, so a later delivery may take a task over only
 * once the claim's lease (task timeout + margin) has expired.
 *
 * The takeover consumer runs on a clock shifted past that lease instead of
 * the test waiting for it: on AWS the visibility timeout (6x the function
 * timeout) always outlasts a lease, so a redelivery there already finds the
 * lease expired; locally the test's visibility timeout is a few seconds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leaseSeconds } from '../../src/definition/timeouts.ts';
import { DYNAMODB_BACKENDS } from '../../src/local/servers.ts';
import { spawnConsumerProcess } from '../support/consumer-child.ts';
import { readExecutions } from '../support/execution-log.ts';
import { createGate } from '../support/task-behaviours.ts';
import { waitFor } from '../support/wait.ts';
import { INCIDENT_LIMITS } from './incident-definition.ts';
import { incidentSuite, volume } from './suite.ts';

const LANE = 'critical';

for (const dynamodb of DYNAMODB_BACKENDS)
  describe(`on ${dynamodb}`, () => {
    const suite = incidentSuite({ dynamodb, consume: false });

    test('fault: a consumer that dies mid-task (its claim not released) leaves the task to be run exactly once by a later delivery after the lease expires', async (t) => {
      const ledger = await suite.ledger('fault: consumer process killed mid-batch');
      const { publisher } = suite.lanes();
      const child = spawnConsumerProcess(suite.childConfig(LANE));

      // Work the child finishes before it dies.
      const early = await Promise.all(Array.from({ length: volume(10) }, () => publisher.publish('order.place', {}, { tenant: 'acme' })));
      ledger.published(early);
      await waitFor(() => child.events.filter((e) => e.outcome === 'succeeded').length === early.length, {
        description: 'the child to finish the early orders',
      });

      // A batch in flight when it dies: handlers started, none finished.
      const gate = createGate();
      const inFlight = await Promise.all(
        Array.from({ length: volume(10) }, () => publisher.publish('order.gated', { gate: gate.path }, { tenant: 'acme' })),
      );
      ledger.published(inFlight);
      const ids = new Set(inFlight.map((task) => task.id));
      await waitFor(() => readExecutions().some((e) => ids.has(e.id)), { description: 'a handler of the batch to start' });
      const exit = await child.kill();
      assert.equal(exit.signal, 'SIGKILL');
      ledger.addRemote(child);
      const startedInChild = readExecutions().filter((e) => ids.has(e.id));
      assert.ok(startedInChild.length > 0 && startedInChild.every((e) => e.phase === 'started'), 'killed mid-task');

      gate.open();
      const pastLeaseMs = (leaseSeconds(INCIDENT_LIMITS.criticalTimeoutSeconds) + 1) * 1000;
      suite.lanes().startConsumers({ lanes: [LANE], now: () => Date.now() + pastLeaseMs });

      const row = await ledger.settle(t);
      assert.equal(row.succeeded, early.length + inFlight.length, 'the redelivered batch completed');
      assert.equal(row.executed, early.length + inFlight.length, 'each exactly once');
      assert.equal(row.unfinishedRuns, startedInChild.length, 'the only unfinished runs are the ones the kill cut short');
      const cutShort = new Set(startedInChild.map((e) => e.id));
      for (const task of inFlight) {
        const outcomes = suite.lanes().outcomesOf((e) => e.id === task.id);
        assert.deepEqual(
          outcomes.map((e) => e.outcome),
          ['succeeded'],
          `${task.id}: one outcome`,
        );
        // The ones the child was running when it died were received before: they completed on a later delivery.
        if (cutShort.has(task.id)) assert.ok(outcomes[0]!.attempt >= 2, `${task.id}: completed by a later delivery`);
      }
    });
  });
