/**
 * Incident 001 (docs/incidents.md#001-poison-task): a request that crashed
 * its worker was re-queued forever and took every worker down in turn. Here
 * a poison task kills what runs it, every time:
 *
 * - in an isolated lane it ends its worker thread: only its record fails,
 *   it is executed maxReceiveCount times and dead-lettered by the consumer
 *   with the reason; its batch-mates complete once;
 * - in an inline lane it kills the whole consumer process (a dead Lambda
 *   invocation): nothing of the batch is acknowledged, SQS redelivers it
 *   and, after maxReceiveCount receives, its redrive policy moves the batch
 *   to the DLQ without a reason. The batch-mates ran exactly once (their
 *   dedup records say done), so a redrive of them runs nothing again.
 *
 * And a failing task past its deadline is not retried: it expires.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leaseSeconds } from '../../src/definition/timeouts.ts';
import { spawnConsumerProcess, type ConsumerChild } from '../support/consumer-child.ts';
import { readExecutions } from '../support/execution-log.ts';
import { waitFor } from '../support/wait.ts';
import type { TaskEnvelope } from '../../src/definition/envelope.ts';
import { dedupRecordKey } from '../../src/runtime/envelope.ts';
import type { DynamoDbBackend } from '../../src/local/servers.ts';
import { INCIDENT_LIMITS, incidentDefinition } from './incident-definition.ts';
import { incidentSuite } from './suite.ts';

const MATES = 9;
/** How far past the notAfter of the deadline test a retry would come (one visibility timeout at least). */
const DEADLINE_AHEAD_MS = 1_500;
const DEADLINE_MATES = 4;

/** Registers the scenarios on `dynamodb`; one entry file per backend calls it, so the two run in parallel. */
export function poisonTaskScenarios(dynamodb: DynamoDbBackend): void {
  describe(`on ${dynamodb}`, () => {
    const suite = incidentSuite({ dynamodb, consume: false });

    test('001: a task that kills its worker thread every time is executed maxReceiveCount times, dead-lettered with the reason; its batch-mates complete once', async (t) => {
      const ledger = await suite.ledger('001 poison (worker lane)');
      suite.lanes().startConsumers({ lanes: ['bulk'] });
      const { successful, failed } = await suite
        .lanes()
        .publisher.publishBatch([
          { type: 'bulk.crash-worker', payload: {}, options: { tenant: 'acme' } },
          ...Array.from({ length: 4 }, () => ({ type: 'bulk.cleanup', payload: {}, options: { tenant: 'acme' } })),
        ]);
      assert.deepEqual(failed, []);
      ledger.published(successful);
      const row = await ledger.settle(t);

      const poison = successful[0]!;
      const letter = (await suite.lanes().deadLetters('bulk')).find((l) => l.body.includes(poison.id));
      assert.equal(letter?.reason, 'retriesExhausted');
      assert.match(letter!.error!, /WorkerCrashedError/);
      assert.equal(letter?.attempts, INCIDENT_LIMITS.bulkMaxReceiveCount);
      const runs = readExecutions().filter((e) => e.id === poison.id);
      assert.equal(runs.filter((e) => e.phase === 'started').length, INCIDENT_LIMITS.bulkMaxReceiveCount, 'executed maxReceiveCount times');
      assert.equal(row.succeeded, 4, 'every batch-mate completed');
      assert.equal(row.deadLettered, 1);
    });

    test('001: a failing task whose deadline passes before its retry expires instead of being retried', async (t) => {
      const ledger = await suite.ledger('001 no retry past deadline');
      suite.lanes().startConsumers({ lanes: ['notifications'] });
      // With batch-mates, so that its first claim is one of a batch's (one PartiQL request on DynamoDB Local).
      const [task, ...mates] = await suite.lanes().publishAll([
        {
          type: 'notify.flaky',
          payload: { failTimes: 99 },
          options: { tenant: 'acme', notAfter: new Date(Date.now() + DEADLINE_AHEAD_MS) },
        },
        ...Array.from({ length: DEADLINE_MATES }, (_, i) => ({
          type: 'notify.email',
          payload: { to: `user-${i}@example.com` },
          options: { tenant: 'acme' },
        })),
      ]);
      ledger.published([task!, ...mates]);
      const row = await ledger.settle(t);
      assert.equal(row.expired, 1, 'the retry found it past its deadline');
      assert.equal(row.succeeded, DEADLINE_MATES, 'its batch-mates completed');
      assert.ok(readExecutions().filter((e) => e.id === task!.id).length <= 2, 'ran at most once (started, never completed)');
    });

    test('001: a task that kills its whole inline invocation every time ends in the DLQ by SQS redrive after maxReceiveCount runs; its batch-mates ran once and a redrive of them runs nothing', async (t) => {
      const ledger = await suite.ledger('001 poison (inline lane, process dies)');
      const { publisher } = suite.lanes();
      const mates = await Promise.all(Array.from({ length: MATES }, () => publisher.publish('order.place', {}, { tenant: 'acme' })));
      const { stack } = suite.lanes();
      const mateType = incidentDefinition.findTask('order.place')!;
      const poison = await publisher.publish(
        'order.poison',
        {
          mates: mates.map((mate) => dedupRecordKey({ tenant: 'acme', id: mate.id } as TaskEnvelope, mateType)),
          dedup: { endpoint: stack.servers.dynamodbEndpoint, region: stack.servers.region, table: stack.resources.dedupTable },
        },
        { tenant: 'acme' },
      );
      ledger.published([poison, ...mates]);

      // Each generation is a fresh process, as Lambda starts a fresh runtime after a crash. Its clock runs past the
      // leases the dead one left: on AWS the visibility timeout (6x the function timeout) always outlasts a lease.
      const leaseShiftMs = (leaseSeconds(INCIDENT_LIMITS.criticalTimeoutSeconds) + 1) * 1000;
      const poisonDeadLettered = async () => (await suite.lanes().deadLetters('critical')).some((l) => l.body.includes(poison.id));
      const deaths: ConsumerChild[] = [];
      for (let generation = 0; ; generation++) {
        assert.ok(generation <= INCIDENT_LIMITS.criticalMaxReceiveCount, `the poison outlived ${generation} consumer processes`);
        const child = spawnConsumerProcess(suite.childConfig('critical', generation * leaseShiftMs));
        let died = false;
        void child.exited.then(() => (died = true));
        await waitFor(async () => died || (await poisonDeadLettered()), {
          timeoutMs: 60_000,
          description: `consumer generation ${generation} to die, or the poison to reach the DLQ`,
        });
        if (!died) {
          await child.stop();
          ledger.addRemote(child);
          break;
        }
        const exit = await child.exited;
        assert.equal(exit.signal, 'SIGKILL', `generation ${generation} died of the poison (stderr: ${child.stderr.join('\n')})`);
        ledger.addRemote(child);
        deaths.push(child);
      }
      assert.equal(deaths.length, INCIDENT_LIMITS.criticalMaxReceiveCount, 'one dead process per receive, then the DLQ');

      const runs = readExecutions().filter((e) => e.id === poison.id);
      assert.equal(
        runs.filter((e) => e.phase === 'started').length,
        INCIDENT_LIMITS.criticalMaxReceiveCount,
        'executed maxReceiveCount times',
      );
      assert.equal(runs.filter((e) => e.phase === 'completed').length, 0);
      const letters = await suite.lanes().deadLetters('critical');
      const poisonLetter = letters.find((l) => l.body.includes(poison.id));
      assert.equal(poisonLetter?.reason, undefined, 'moved by SQS redrive: no consumer lived to attach a reason');

      // The batch-mates went down with the poison's batch, after they had run: redriven, they run nothing again.
      suite.lanes().startConsumers({ lanes: ['critical'] });
      for (const mate of mates) {
        const letter = letters.find((l) => l.body.includes(mate.id));
        if (letter) ledger.redriven(letter, 'critical', await suite.lanes().sendRaw('critical', letter.body));
      }
      const row = await ledger.settle(t);
      assert.equal(row.deadLettered, 1, 'only the poison stays in the DLQ');
      assert.equal(row.deadLetteredWithoutReason, 1);
      assert.equal(row.executed, MATES, 'every batch-mate completed exactly once');
    });
  });
}
