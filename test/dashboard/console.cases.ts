/**
 * The dashboard as the on-call console (issue 12), in chromium against
 * `npm start` after its demo (the run demo-session.ts shares with dashboard.cases.ts): the firing list at the top is the evaluator's
 * alarms in ALARM (read from `/api/status`, not from the page), and actions
 * taken in the page, each after its confirmation, are seen by the CLI in
 * its own process: a pause in the CLI's `status`, a redrive as exactly the
 * dead letters the page showed (the CLI's `dlq peek`) leaving the DLQ.
 * The page draws a snapshot embedded by the server, with no poll answered,
 * and its task search answers what `tasklanes task` answers.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { DashboardStatus } from '../../src/local/dashboard/snapshot.ts';
import type { DeadLetterView } from '../../src/ops/lanes/dlq-peek.ts';
import type { LaneStatus } from '../../src/ops/lanes/status.ts';
import { cli } from '../ops/support.ts';
import { waitFor } from '../support/wait.ts';
import type { Browser } from './browser.ts';
import { demoSession } from './demo-session.ts';

/** The demo leaves dead letters in this lane (its DeadLetters alarm fires). */
const LANE = 'notifications';

let browser: Browser;
let page: Page;
let url: string;
let stateFile: string;

before(async () => {
  ({ browser, page, url, stateFile } = await demoSession());
});

const local = async (...args: string[]) => {
  const run = await cli([...args, '--json', '--state-file', stateFile]);
  assert.equal(run.code, 0, `tasklanes ${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown;
};
const laneStatus = async () => ((await local('status')) as LaneStatus[]).find((lane) => lane.lane === LANE)!;
const deadLetters = async () => (await local('dlq', 'peek', LANE)) as DeadLetterView[];
const deadLetterIds = async () => (await deadLetters()).map((letter) => letter.messageId).sort();
/** A type of the demo's dead letters in LANE (an email with an unknown template). */
const DEAD_TYPE = 'email.send';
/** How many dead letters of DEAD_TYPE the redrive put back into the (paused) lane, per the CLI's peek before it. */
let redrivenOfType = 0;

it('shows what is firing first, and the list is the alarms the evaluator has in ALARM', async () => {
  const firstSection = await page.evaluate(() => document.querySelector('[data-testid="firing"], [data-testid="lanes"]')?.id);
  assert.equal(firstSection, 'firing');
  // The page redraws every 2 s and alarms may change in between: compare one drawn page with a fresh evaluation until they agree.
  const firing = await waitFor(
    async () => {
      const drawnAt = await page.getAttribute('body', 'data-generated-at');
      const shown = await page.locator('#firing-list li').evaluateAll((items) => items.map((item) => item.getAttribute('data-testid')));
      const status = (await (await fetch(`${url}/api/status`)).json()) as DashboardStatus;
      const expected = status.alarms.filter((alarm) => alarm.state === 'ALARM').map((alarm) => `firing-${alarm.lane}-${alarm.alarm}`);
      const unchanged = drawnAt === (await page.getAttribute('body', 'data-generated-at'));
      return unchanged && JSON.stringify(shown) === JSON.stringify(expected) ? shown : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, description: "the firing list to equal the evaluator's alarms in ALARM" },
  );
  assert.ok(firing.includes(`firing-${LANE}-DeadLetters`), `firing: ${firing.join(', ')}`);
  assert.equal(await page.getByTestId('firing-none').textContent(), `${firing.length} alarm${firing.length === 1 ? '' : 's'}`);
});

it('draws the first snapshot from its HTML, with every poll refused', async () => {
  const lanes = ((await (await fetch(`${url}/api/status`)).json()) as DashboardStatus).lanes.map((lane) => lane.lane);
  const fresh = await browser.context.newPage();
  await fresh.route('**/api/status', (route) => route.abort());
  await fresh.goto(url);
  assert.match((await fresh.getAttribute('body', 'data-generated-at')) ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.notEqual(await fresh.getByTestId('updated').textContent(), 'never');
  assert.deepEqual(
    await fresh.locator('[data-testid="lanes"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-testid'))),
    lanes.map((lane) => `lane-row-${lane}`),
  );
  await fresh.close();
});

it("finds a task from the search box as the CLI's task command does", async () => {
  const status = (await (await fetch(`${url}/api/status`)).json()) as DashboardStatus;
  const task = status.recent.find((event) => event.id !== undefined && !event.type.startsWith('heartbeat.'));
  assert.ok(task?.id, 'no recent task with an id');
  await page.getByTestId('task-id').fill(task.id);
  await page.getByTestId('task-search').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="task-result"]')?.textContent?.startsWith('{'));
  type Shown = { found: boolean; query: unknown; outcomes: unknown[]; dedupRecord: unknown };
  const shown = JSON.parse((await page.getByTestId('task-result').textContent()) ?? '') as Shown;
  const fromCli = (await local('task', task.id)) as Shown;
  assert.equal(shown.found, true);
  assert.deepEqual(shown.query, { id: task.id });
  assert.ok(shown.outcomes.length > 0);
  assert.deepEqual(shown.outcomes, fromCli.outcomes);
  assert.deepEqual(shown.dedupRecord, fromCli.dedupRecord);
});

it("pauses a lane from the page only once confirmed, as the CLI's status sees it", async () => {
  assert.equal((await laneStatus()).consumerEnabled, true);
  await page.getByTestId(`toggle-${LANE}`).click();
  assert.equal(
    await page.getByTestId('confirm-text').textContent(),
    `Pause lane ${LANE}? Its tasks stay queued; nothing is consumed until resumed.`,
  );
  await page.getByTestId('confirm-no').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="control-message"]')?.textContent === 'cancelled');
  assert.equal((await laneStatus()).consumerEnabled, true, 'a cancelled pause paused the lane');

  await page.getByTestId(`toggle-${LANE}`).click();
  await page.getByTestId('confirm-yes').click();
  await waitFor(async () => (await laneStatus()).consumerEnabled === false, { description: `the CLI to see ${LANE} paused` });
  await page
    .getByTestId('control-message')
    .filter({ hasText: new RegExp(`^paused lane ${LANE}$`) })
    .waitFor();
});

it('redrives exactly the dead letters the page shows', async () => {
  await page.getByTestId('dlq-lane').selectOption(LANE);
  await page.getByTestId('dlq-peek').click();
  await page.waitForSelector(`body[data-dead-letters-of="${LANE}"]`);
  const shown = (await page.getByTestId('dlq-id').allTextContents()).sort();
  assert.ok(shown.length > 0, 'the demo left no dead letters to redrive');
  const peeked = await deadLetters();
  assert.deepEqual(peeked.map((letter) => letter.messageId).sort(), shown);
  redrivenOfType = peeked.filter((letter) => letter.type === DEAD_TYPE).length;
  assert.ok(
    (await page.getByTestId('dlq-reason').allTextContents()).every((reason) => reason !== '-'),
    'a dead letter without reason',
  );
  const visibleBefore = (await laneStatus()).visible;

  await page.getByTestId('dlq-redrive').click();
  assert.equal(await page.getByTestId('confirm-text').textContent(), `Move every dead letter of lane ${LANE} back to its queue?`);
  await page.getByTestId('confirm-yes').click();
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="control-message"]')?.textContent === expected,
    `redrive of ${LANE}: COMPLETED, moved ${shown.length}`,
    { timeout: 30_000 },
  );
  // The lane is paused: what moved waits in its queue (heartbeats may join it), and nothing is left in the DLQ.
  assert.deepEqual(await deadLetterIds(), []);
  assert.ok((await laneStatus()).visible >= visibleBefore + shown.length);
});

it('drops by type from the page after a dry-run count and a confirmation, as the CLI then sees', async () => {
  assert.ok(redrivenOfType > 0, `no ${DEAD_TYPE} among the redriven letters`);
  await page.getByTestId('drop-lane').selectOption(LANE);
  await page.getByTestId('drop-type').fill(DEAD_TYPE);
  await page.getByTestId('drop').click();
  await page.getByTestId('confirm').waitFor();
  assert.match(
    (await page.getByTestId('confirm-text').textContent()) ?? '',
    new RegExp(`^Drop ${redrivenOfType} of \\d+ tasks scanned in lane ${LANE} `),
  );
  await page.getByTestId('confirm-yes').click();
  await page
    .getByTestId('control-message')
    .filter({ hasText: new RegExp(`^dropped ${redrivenOfType}, kept \\d+ in lane ${LANE}$`) })
    .waitFor();
  const after = await cli(['drop', LANE, '--type', DEAD_TYPE, '--dry-run', '--state-file', stateFile]);
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stdout, /, would drop 0 in /);

  await page.getByTestId(`toggle-${LANE}`).click();
  await page.getByTestId('confirm-yes').click();
  await waitFor(async () => (await laneStatus()).consumerEnabled, { description: `the CLI to see ${LANE} resumed` });
});

it('hides heartbeats from the last tasks by default, and filters them by text', async () => {
  const column = (n: number) => page.locator(`[data-testid="recent-tasks"] tbody tr td:nth-child(${n})`).allTextContents();
  const TYPE = 3;
  const LANE_COLUMN = 2;
  assert.equal(await page.getByTestId('show-heartbeats').isChecked(), false);
  assert.deepEqual(
    (await column(TYPE)).filter((type) => type.startsWith('heartbeat.')),
    [],
  );
  await page.getByTestId('show-heartbeats').check();
  // Heartbeats go on after the demo: one reaches the newest tasks within a few polls.
  await waitFor(async () => (await column(TYPE)).some((type) => type.startsWith('heartbeat.')), {
    timeoutMs: 150_000,
    intervalMs: 500,
    description: 'a heartbeat row once shown (each lane beats every minute or more)',
  });
  await page.getByTestId('recent-filter').fill(LANE);
  await waitFor(async () => (await column(LANE_COLUMN)).length > 0, { description: `a row of lane ${LANE}` });
  assert.deepEqual([...new Set(await column(LANE_COLUMN))], [LANE]);
  await page.getByTestId('recent-filter').fill('');
  await page.getByTestId('show-heartbeats').uncheck();
});

it('breaks a lane down per task type, and charts throughput per outcome on a time axis', async () => {
  await page.getByTestId('types-lane').selectOption(LANE);
  // The breakdown adds up to the lane's counters: compare within one drawn page.
  await waitFor(
    async () => {
      const drawnAt = await page.getAttribute('body', 'data-generated-at');
      const byType = await page
        .locator('[data-testid^="type-count-"]')
        .evaluateAll((cells) => cells.map((cell) => [cell.getAttribute('data-testid'), Number(cell.textContent)] as const));
      const mismatches: string[] = [];
      for (const key of ['succeeded', 'deadLettered', 'duplicate']) {
        const sum = byType.filter(([id]) => id?.startsWith(`type-count-${LANE}-`) && id.endsWith(`-${key}`)).reduce((s, [, n]) => s + n, 0);
        const laneCount = Number(await page.getByTestId(`count-${LANE}-${key}`).textContent());
        if (sum !== laneCount) mismatches.push(`${key}: types ${sum}, lane ${laneCount}`);
      }
      return mismatches.length === 0 && drawnAt === (await page.getAttribute('body', 'data-generated-at'));
    },
    { timeoutMs: 30_000, intervalMs: 500, description: "the per-type counters to add up to the lane's" },
  );
  await page.waitForFunction(() => document.querySelectorAll('#chart-outcomes polyline').length > 0);
  const axis = await page.locator('#chart-outcomes text[text-anchor]').allTextContents();
  assert.equal(axis.length, 3);
  for (const label of axis) assert.match(label, /\d{1,2}:\d\d:\d\d/);
});
