/**
 * Incident 004 inside one lane (docs/incidents.md#004-flood, issue 14): the
 * flood is one customer's, and it shares its lane with everyone else. Tenant
 * A publishes 1,000 slow tasks, then tenants B and C publish 20 each.
 *
 * - In `shared` (`concurrency: { perTenant: 5 }`), A runs at most 5 at
 *   once; its other tasks are deferred (a delayed copy, the original
 *   acknowledged) and the lane's other slots go to B and C: every task of B
 *   and C finishes before A's 200th. Nothing is lost, nothing runs twice,
 *   every task succeeds on its first attempt (waiting spent no receive) and
 *   none of A's is dead-lettered for having waited.
 * - In `shared-open` (no limit), the same traffic starves B and C behind A's
 *   backlog: none of their tasks finishes before A's 200th.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { BatchEntry, PublishedTask } from '../../src/publisher/index.ts';
import type { DynamoDbBackend } from '../../src/local/servers.ts';
import { readExecutions } from '../support/execution-log.ts';
import { INCIDENT_LIMITS } from './incident-definition.ts';
import type { LedgerRow } from './ledger.ts';
import { incidentSuite, volume } from './suite.ts';

const FLOOD = volume(1000);
const QUIET = volume(20);
/**
 * Generous: only a failing run waits this long. A's 1,000 runs take about 125 s alone on a quiet machine,
 * about 150 s in a quiet suite run; in suite runs with two CPU hogs 180 s was not enough (the bar is B
 * and C's place, not the time).
 */
const FLOOD_TIMEOUT_MS = 420_000;
/** The finish position of A's that B and C must beat (issue 14). */
const A_FINISH = volume(200);

interface Finishes {
  /** For each task of B and C, how many of A's tasks had finished before it. */
  readonly quietAfterA: number[];
  readonly row: LedgerRow;
}

/** Registers the scenarios on `dynamodb`; one entry file per backend calls it, so the two run in parallel. */
export function tenantFloodScenarios(dynamodb: DynamoDbBackend): void {
  describe(`on ${dynamodb}`, () => {
    // The lanes' own concurrency, above the local cap: see INCIDENT_LIMITS.sharedMaxConcurrency.
    const suite = incidentSuite({ dynamodb, tuning: { maxConcurrency: INCIDENT_LIMITS.sharedMaxConcurrency } });

    const tasksOf = (lane: string, tenant: string, count: number): BatchEntry[] =>
      Array.from({ length: count }, () => ({ type: `${lane}.call`, payload: {}, options: { tenant } }));

    /** Publishes the flood, then the quiet tenants, settles the books, and reads the finishing order. */
    async function flood(t: TestContext, lane: string, scenario: string): Promise<Finishes> {
      const ledger = await suite.ledger(scenario);
      const a = await suite.lanes().publishAll(tasksOf(lane, 'tenant-a', FLOOD));
      ledger.published(a);
      const quiet: PublishedTask[] = await suite
        .lanes()
        .publishAll([...tasksOf(lane, 'tenant-b', QUIET), ...tasksOf(lane, 'tenant-c', QUIET)]);
      ledger.published(quiet);
      // The cheap wait first: the ledger's settling reads every queue and log, too costly to poll through a flood.
      await suite.lanes().waitForOutcomes((event) => event.lane === lane && event.outcome === 'succeeded', FLOOD + 2 * QUIET, {
        timeoutMs: FLOOD_TIMEOUT_MS,
        description: `every task of ${lane} succeeded`,
      });
      const row = await ledger.settle(t);

      const ids = new Set(a.map((task) => task.id));
      const quietIds = new Set(quiet.map((task) => task.id));
      const quietAfterA: number[] = [];
      let aFinished = 0;
      // The execution log is in completion order.
      for (const execution of readExecutions()) {
        if (execution.phase !== 'completed') continue;
        if (ids.has(execution.id)) aFinished++;
        else if (quietIds.has(execution.id)) quietAfterA.push(aFinished);
      }
      assert.equal(quietAfterA.length, 2 * QUIET, 'every task of B and C finished');
      t.diagnostic(`B and C finished after ${quietAfterA.join(', ')} of A's tasks`);
      return { quietAfterA, row };
    }

    test(`004 in one lane: with perTenant ${INCIDENT_LIMITS.sharedPerTenant}, every task of B and C finishes before A's ${A_FINISH}th; A waits without losing an attempt`, async (t) => {
      const { quietAfterA, row } = await flood(t, 'shared', '004 one tenant floods a shared lane, perTenant 5');
      assert.ok(
        quietAfterA.every((position) => position < A_FINISH),
        `B and C finished after ${Math.max(...quietAfterA)} of A's tasks, not before A's ${A_FINISH}th`,
      );
      assert.equal(row.published, FLOOD + 2 * QUIET);
      assert.equal(row.succeeded, FLOOD + 2 * QUIET, 'every task ran once and succeeded');
      assert.equal(row.deadLettered, 0, "none of A's tasks was dead-lettered for waiting");
      assert.equal(row.expired, 0);
      assert.equal(row.retried, 0, 'waiting is not a failure: no receive spent');
      assert.ok(row.deferred > 0 && row.deferredThenSucceeded > 0, 'A was held back by deferrals');

      const outcomes = suite.lanes().outcomesOf((event) => event.lane === 'shared');
      const succeeded = outcomes.filter((event) => event.outcome === 'succeeded');
      assert.deepEqual(
        [...new Set(succeeded.map((event) => event.attempt))],
        [1],
        'every task ran on its first attempt, however often it was deferred',
      );
      const deferralsOf = new Map<string, number>();
      for (const event of outcomes)
        if (event.outcome === 'deferred') deferralsOf.set(event.tenant!, (deferralsOf.get(event.tenant!) ?? 0) + 1);
      const mostDeferrals = Math.max(
        ...succeeded.map((event) => outcomes.filter((e) => e.id === event.id && e.outcome === 'deferred').length),
      );
      t.diagnostic(
        `deferrals by tenant ${JSON.stringify(Object.fromEntries(deferralsOf))}; tasks deferred then succeeded ${row.deferredThenSucceeded}; most deferrals of one task ${mostDeferrals}`,
      );
    });

    test(`004 in one lane: without a limit, A's flood starves B and C (none finishes before A's ${A_FINISH}th)`, async (t) => {
      const { quietAfterA, row } = await flood(t, 'shared-open', '004 one tenant floods a shared lane, no limit');
      assert.ok(
        quietAfterA.every((position) => position >= A_FINISH),
        `with no limit, B and C finished after only ${Math.min(...quietAfterA)} of A's tasks: the scenario shows no starvation`,
      );
      assert.equal(row.succeeded, FLOOD + 2 * QUIET);
      assert.equal(row.deferred, 0);
    });
  });
}
