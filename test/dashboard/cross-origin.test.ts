/**
 * The dashboard's control API against other sites' pages, in chromium
 * (issue 15): a page served from another origin (another port of 127.0.0.1)
 * tries a no-cors POST, a POST with the token header, a form POST and a read
 * of `/api/status`; a DNS name rebound to 127.0.0.1 loads the dashboard's
 * port. The server receives and refuses every one (its refusal log shows
 * them), the lane keeps running, and the dashboard's own page still pauses
 * and resumes it with its token.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LocalAlarmEvaluator } from '../../src/local/alarms.ts';
import type { Refusal } from '../../src/local/dashboard/request-guard.ts';
import { startDashboard, type Dashboard } from '../../src/local/dashboard/server.ts';
import { OutcomeRecorder } from '../../src/local/outcome-recorder.ts';
import { CONTROL_PATHS, httpControl } from '../../src/ops/target/control-client.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { waitFor } from '../support/wait.ts';
import { CHROMIUM_PATH, launchChromium, type Browser } from './browser.ts';

/** Resolved to 127.0.0.1 by chromium only (--host-resolver-rules): a rebinding attacker's name. */
const REBOUND_NAME = 'attacker.example';

/** What the other origin's script reports back: each attempt's result as the page saw it. */
interface Attempts {
  readonly noCors: string;
  readonly withHeader: string;
  readonly read: string;
}

/** The other site's page: its script aims every kind of request a page can make at the dashboard. */
function attackerPage(dashboardUrl: string): string {
  const pause = dashboardUrl + CONTROL_PATHS.pause('critical');
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="form" method="POST" action="${pause}" target="sink"></form>
<script>
const outcome = (promise) => promise.then((response) => response.type + ' ' + response.status, (error) => 'failed: ' + error.name);
window.attempts = (async () => {
  const noCors = await outcome(fetch(${JSON.stringify(pause)}, { method: 'POST', mode: 'no-cors' }));
  const withHeader = await outcome(fetch(${JSON.stringify(pause)}, { method: 'POST', headers: { 'x-tasklanes-token': 'guessed' } }));
  const read = await fetch(${JSON.stringify(`${dashboardUrl}/api/status`)}).then((response) => response.text(), (error) => 'failed: ' + error.name);
  document.getElementById('form').submit();
  return { noCors, withHeader, read };
})();
</script></body></html>`;
}

describe('a page of another origin, in chromium', () => {
  const stack = withLocalStack({ definition: laneDefinition({ critical: {} }) });
  const refusals: Refusal[] = [];
  let dashboard: Dashboard;
  let attacker: Server;
  let attackerOrigin: string;
  let browser: Browser | undefined;

  before(async () => {
    const recorder = new OutcomeRecorder();
    stack().startLane('critical', async () => ({ batchItemFailures: [] }));
    dashboard = await startDashboard({
      stack: stack(),
      recorder,
      alarms: new LocalAlarmEvaluator({ stack: stack(), recorder }),
      port: 0,
      onRefused: (refusal) => refusals.push(refusal),
    });
    attacker = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(attackerPage(dashboard.url));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    attacker?.closeAllConnections();
    await new Promise((resolve) => attacker?.close(resolve));
    await dashboard?.stop();
  });

  /** Through the control client with the run's token, not through anything the page under test sent. */
  const consumerEnabled = () => httpControl(dashboard, 'the test').consumerEnabled('critical');

  it('a page of another origin cannot pause a lane or read the status; a rebound name gets nothing; the page itself still works', {
    timeout: 120_000,
  }, async () => {
    assert.ok(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing: .ci/run installs it (apt-get install chromium)`);
    browser = await launchChromium({ args: [`--host-resolver-rules=MAP ${REBOUND_NAME} 127.0.0.1`] });
    const page = await browser.context.newPage();

    await page.goto(attackerOrigin);
    const attempts = (await page.evaluate(() => (window as unknown as { attempts: Promise<Attempts> }).attempts)) as Attempts;
    // no-cors hands the page an opaque answer whatever the server said; the other two fail CORS (a refused preflight, an unapproved read).
    assert.deepEqual(attempts, { noCors: 'opaque 0', withHeader: 'failed: TypeError', read: 'failed: TypeError' });
    const fromAttacker = await waitFor(
      () => {
        const seen = refusals
          .filter((refusal) => refusal.origin === attackerOrigin)
          .map((refusal) => `${refusal.method} ${refusal.path} ${refusal.check}`);
        return seen.length >= 4 ? seen : undefined;
      },
      { description: 'the server to refuse the four requests of the other origin' },
    );
    const pausePath = CONTROL_PATHS.pause('critical');
    assert.deepEqual(fromAttacker, [
      `POST ${pausePath} origin`,
      `OPTIONS ${pausePath} origin`,
      'GET /api/status origin',
      `POST ${pausePath} origin`,
    ]);
    assert.equal(await consumerEnabled(), true);
    assert.equal(stack().pollers.get('critical')!.state, 'running');

    // DNS rebinding: the attacker's own name, now resolving to 127.0.0.1, would make the dashboard same-origin with its page.
    const port = new URL(dashboard.url).port;
    const rebound = await page.goto(`http://${REBOUND_NAME}:${port}/`);
    assert.equal(rebound?.status(), 403);
    assert.ok(!(await page.content()).includes(dashboard.token), 'the refusal does not carry the token');
    assert.deepEqual(
      refusals
        .filter((refusal) => refusal.host === `${REBOUND_NAME}:${port}`)
        .map((refusal) => `${refusal.method} ${refusal.path} ${refusal.check}`)[0],
      'GET / host',
    );
    assert.equal(await consumerEnabled(), true);

    // The dashboard's own page: its buttons (once confirmed in the page) post with the token it was served.
    const refusedBefore = refusals.length;
    await page.goto(dashboard.url);
    await page.getByTestId('toggle-critical').filter({ hasText: 'pause' }).click();
    await page.getByTestId('confirm-yes').click();
    await waitFor(async () => !(await consumerEnabled()), { description: "the page's pause button to pause the lane" });
    await page.getByTestId('consumer-critical').filter({ hasText: 'paused' }).waitFor();
    await page.getByTestId('toggle-critical').filter({ hasText: 'resume' }).click();
    await page.getByTestId('confirm-yes').click();
    await waitFor(consumerEnabled, { description: "the page's resume button to resume the lane" });
    await page.getByTestId('consumer-critical').filter({ hasText: 'running' }).waitFor();
    await page
      .getByTestId('control-message')
      .filter({ hasText: /^resumed lane critical$/ })
      .waitFor();
    // (The rebound name's favicon request may still be refused meanwhile: only the dashboard's own Host counts.)
    const ownRefused = refusals.slice(refusedBefore).filter((refusal) => refusal.host === new URL(dashboard.url).host);
    assert.deepEqual(ownRefused, [], "the page's own requests are not refused");
  });
});
