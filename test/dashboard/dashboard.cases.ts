/**
 * The local dashboard in a real browser: `npm start` runs its demo (one run,
 * demo-session.ts, shared with console.cases.ts), the page shows every
 * lane's queue numbers and outcome counters, and they equal the
 * OutcomeRecorder's counters that `/api/status` serves. Saves a screenshot
 * (to docs/dashboard.png with UPDATE_DOCS_SCREENSHOT=1, else a temp file).
 * Then npm start's side of issue 15: its state file is 0600 with the
 * control URL, and a POST without the token is refused and logged on stderr.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { COUNTER_COLUMNS } from '../../src/local/dashboard/page.ts';
import type { DashboardStatus } from '../../src/local/dashboard/snapshot.ts';
import type { LocalStackState } from '../../src/ops/target/state-file.ts';
import { waitFor } from '../support/wait.ts';
import { demoSession } from './demo-session.ts';

const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));
/** Outcomes the demo produces at least once each. */
const DEMO_OUTCOMES = ['succeeded', 'retried', 'deadLettered', 'expired', 'duplicate', 'coalesced', 'deferred', 'timedOut'] as const;

it("shows the recorder's counters and the queues after the demo, in chromium", async () => {
  const { url, page } = await demoSession();
  const api = async () => (await (await fetch(`${url}/api/status`)).json()) as DashboardStatus;

  // The page redraws every 2 s and a heartbeat may land in between: compare one drawn page with the API until they agree.
  const compared = await waitFor(
    async () => {
      const drawnAt = await page.getAttribute('body', 'data-generated-at');
      const status = await api();
      const mismatches: string[] = [];
      for (const lane of status.lanes) {
        const expected: Record<string, number> = {
          [`visible-${lane.lane}`]: lane.visible,
          [`in-flight-${lane.lane}`]: lane.inFlight,
          [`dlq-${lane.lane}`]: lane.dlqVisible,
          ...Object.fromEntries(
            COUNTER_COLUMNS.map((column) => [`count-${lane.lane}-${column.key}`, lane.counts[column.key as keyof typeof lane.counts]]),
          ),
        };
        for (const [testId, value] of Object.entries(expected)) {
          const shown = await page.getByTestId(testId).textContent();
          if (shown !== String(value)) mismatches.push(`${testId}: page ${shown}, recorder ${value}`);
        }
      }
      const unchanged = drawnAt === (await page.getAttribute('body', 'data-generated-at'));
      return mismatches.length === 0 && unchanged ? status : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, description: 'the page and /api/status to show the same numbers' },
  );

  const totals = Object.fromEntries(
    DEMO_OUTCOMES.map((outcome) => [outcome, compared.lanes.reduce((sum, lane) => sum + lane.counts[outcome], 0)]),
  );
  for (const outcome of DEMO_OUTCOMES) assert.ok(totals[outcome]! > 0, `the demo produced no ${outcome}: ${JSON.stringify(totals)}`);
  assert.ok(
    compared.alarms.some((alarm) => alarm.alarm === 'DeadLetters' && alarm.state === 'ALARM'),
    'dead letters alarm after the demo',
  );
  assert.equal(await page.getByTestId(`alarm-notifications-DeadLetters`).textContent(), 'ALARM');
  assert.match(
    (await page.locator('#target').textContent()) ?? '',
    / · DynamoDB: dynalite \(claims: one conditional PutItem per record \(the fallback; no PartiQL\)\)$/,
  );
  assert.ok((await page.locator('[data-testid="recent-tasks"] tbody tr').count()) > 0);

  // A chart with data needs two samples; the demo runs longer than that.
  await waitFor(async () => (await api()).history.length >= 2, { description: 'two history samples' });
  await page.waitForFunction(() => document.querySelectorAll('#chart-throughput polyline').length > 0);
  const path =
    process.env.UPDATE_DOCS_SCREENSHOT === '1'
      ? DOCS_SCREENSHOT
      : join(mkdtempSync(join(tmpdir(), 'tasklanes-dashboard-')), 'dashboard.png');
  await page.screenshot({ path, fullPage: true });
});

it('npm start keeps its control token in a 0600 state file, and logs a refused request on stderr', async () => {
  const { start, url, stateFile } = await demoSession();
  assert.equal(statSync(stateFile).mode & 0o777, 0o600);
  assert.equal((JSON.parse(readFileSync(stateFile, 'utf8')) as LocalStackState).control?.url, url);

  const refused = await fetch(`${url}/api/control/lanes/critical/pause`, { method: 'POST' });
  assert.equal(refused.status, 403);
  const logged =
    `dashboard: refused POST "/api/control/lanes/critical/pause" from 127.0.0.1 (Host "${new URL(url!).host}", Origin none): ` +
    "POST needs this run's control token in x-tasklanes-token (the CLI reads it from the state file)";
  await waitFor(() => start.errorOutput().includes(logged), { description: `npm start to log the refusal on stderr:\n${logged}` });
  const status = (await (await fetch(`${url}/api/status`)).json()) as DashboardStatus;
  assert.equal(status.lanes.find((lane) => lane.lane === 'critical')?.consumerEnabled, true);
});
