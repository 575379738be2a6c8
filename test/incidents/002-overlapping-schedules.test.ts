/**
 * Incident 002 (docs/incidents.md#002-overlapping-schedules): periodic jobs
 * ran longer than their interval, cron started new runs on top of running
 * ones, and memory ran out. Here a scheduled singleton runs far past its
 * interval while ticks keep coming alongside normal load: every tick that
 * finds the run still going is skipped and counted, a scheduler retry of a
 * tick is a duplicate, the normal load completes meanwhile, and the next
 * tick after the run ends runs.
 *
 * Ticks are rendered from the stack's own template (`tickMessageTemplate`),
 * as EventBridge Scheduler would send them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { renderTick, tickMessageTemplate } from '../../src/definition/schedule.ts';
import type { PublishedTask } from '../../src/publisher/index.ts';
import { DYNAMODB_BACKENDS } from '../../src/local/servers.ts';
import { readExecutions } from '../support/execution-log.ts';
import { isOutcome } from '../support/harness.ts';
import { createGate } from '../support/task-behaviours.ts';
import { waitFor } from '../support/wait.ts';
import { incidentDefinition, SCHEDULED_GATE_ENV } from './incident-definition.ts';
import { incidentSuite, volume } from './suite.ts';

const LANE = 'scheduled';
const MINUTE_MS = 60_000;
/** Ticks that arrive while the first run is still going. */
const OVERLAPPING_TICKS = 4;

for (const dynamodb of DYNAMODB_BACKENDS)
  describe(`on ${dynamodb}`, () => {
    const suite = incidentSuite({ dynamodb });

    test('002: ticks that find the previous run still going are skipped and counted while normal load completes; the next tick after it runs', async (t) => {
      const ledger = await suite.ledger('002 overlapping schedules + load');
      const gate = createGate();
      process.env[SCHEDULED_GATE_ENV] = gate.path;
      const template = tickMessageTemplate(incidentDefinition.findTask('scheduled.report')!);
      const firstTickAt = Date.now() - 10 * MINUTE_MS;
      const tick = async (minute: number): Promise<PublishedTask> => {
        const id = randomUUID();
        const body = renderTick(template, { executionId: id, scheduledTime: new Date(firstTickAt + minute * MINUTE_MS) });
        const task = { id, lane: LANE, messageId: await suite.lanes().sendRaw(LANE, body) };
        ledger.published([task]);
        return task;
      };

      const first = await tick(0);
      await waitFor(() => readExecutions().some((e) => e.id === first.id), { description: 'the first run to start' });

      const load = suite
        .lanes()
        .publisher.publishBatch(
          Array.from({ length: volume(100) }, (_, i) => ({ type: 'scheduled.work', payload: {}, options: { tenant: `tenant-${i % 7}` } })),
        );
      const overlapping = [];
      for (let minute = 1; minute <= OVERLAPPING_TICKS; minute++) overlapping.push(await tick(minute));
      const { successful, failed } = await load;
      assert.deepEqual(failed, []);
      ledger.published(successful);

      for (const skipped of overlapping) await suite.lanes().waitForOutcomes(isOutcome(skipped.id, 'overlapSkipped'));
      // EventBridge Scheduler retries a tick it could not deliver: same scheduled time, new execution id.
      const retry = await tick(2);
      await suite.lanes().waitForOutcomes(isOutcome(retry.id, 'duplicate'));
      for (const task of successful) await suite.lanes().waitForOutcomes(isOutcome(task.id, 'succeeded'));
      assert.deepEqual(
        suite.lanes().outcomesOf((e) => e.id === first.id),
        [],
        'the first run is still going while the lane did all of that',
      );

      gate.open();
      await suite.lanes().waitForOutcomes(isOutcome(first.id, 'succeeded'));
      const next = await tick(OVERLAPPING_TICKS + 1);

      const row = await ledger.settle(t);
      assert.equal(row.overlapSkipped, OVERLAPPING_TICKS);
      assert.equal(row.duplicate, 1);
      assert.equal(row.succeeded, successful.length + 2, 'the load, the first run and the next tick');
      assert.equal(suite.lanes().outcomesOf(isOutcome(next.id, 'succeeded')).length, 1, 'the next tick ran');
    });
  });
