/**
 * One `npm start` and one chromium page for every dashboard case of the
 * process (test/dashboard/demo.test.ts): the demo takes most of a minute of
 * a loaded machine's CPU, so the counters check and the console's actions
 * share a run. The counters go first: the actions change what the lanes hold.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium, type Browser } from './browser.ts';
import { startNpmStart, type StartProcess } from './start-process.ts';

/** The demo's slowest task times out three times; on a loaded 2-core machine that takes a while. */
const DEMO_TIMEOUT_MS = 180_000;

export interface DemoSession {
  readonly start: StartProcess;
  /** The dashboard's address, as npm start printed it. */
  readonly url: string;
  /** The run's state file (control URL and token), in npm start's working directory. */
  readonly stateFile: string;
  readonly browser: Browser;
  /** Opened on the dashboard after the demo's summary, its first snapshot drawn. */
  readonly page: Page;
}

let start: StartProcess | undefined;
let browser: Browser | undefined;
let settle: { resolve(session: DemoSession): void; reject(error: unknown): void };
const ready = new Promise<DemoSession>((resolve, reject) => {
  settle = { resolve, reject };
});
// The before hook reports a failed start; the cases awaiting `ready` fail with the same error.
ready.catch(() => undefined);

before(
  async () => {
    try {
      assert.ok(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing: .ci/run installs it (apt-get install chromium)`);
      start = startNpmStart();
      const [, url = ''] = await start.waitForOutput(/dashboard:\s+(http:\/\/127\.0\.0\.1:\d+)/);
      await start.waitForOutput(/Demo summary: .*/, { timeoutMs: DEMO_TIMEOUT_MS, intervalMs: 250 });
      browser = await launchChromium();
      const page = await browser.context.newPage();
      await page.goto(url);
      await page.waitForSelector('body[data-generated-at^="2"]');
      settle.resolve({ start, url, stateFile: join(start.cwd, '.tasklanes', 'local.json'), browser, page });
    } catch (error) {
      settle.reject(error);
      throw error;
    }
  },
  { timeout: DEMO_TIMEOUT_MS + 60_000 },
);

after(async () => {
  await browser?.close();
  if (start) assert.equal(await start.stop(), 0, `npm start did not stop cleanly:\n${start.output()}`);
});

/**
 * The session once the demo has run and the page is open. Await it in a test
 * or hook: node:test runs a file's top-level before hooks concurrently, so a
 * case's own hook may start before the session's has finished.
 */
export function demoSession(): Promise<DemoSession> {
  return ready;
}
