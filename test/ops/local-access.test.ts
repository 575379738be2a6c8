/**
 * Only the user acts on the local stack (issue 15): the dashboard server of
 * a real local stack refuses a foreign Origin, a foreign Host and a POST
 * without this run's token, each with a 403 and a logged refusal; the CLI
 * refuses a state file other users can read, and says so when the token in
 * its state file is another run's. After every refusal the lane's consumer
 * is still enabled, and the CLI still pauses and resumes it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalAlarmEvaluator } from '../../src/local/alarms.ts';
import type { Refusal } from '../../src/local/dashboard/request-guard.ts';
import { recordControlUrl, startDashboard, type Dashboard } from '../../src/local/dashboard/server.ts';
import { OutcomeRecorder } from '../../src/local/outcome-recorder.ts';
import type { LaneStatus } from '../../src/ops/lanes/status.ts';
import { CONTROL_PATHS, httpControl } from '../../src/ops/target/control-client.ts';
import {
  readStateFile,
  StateDirectoryModeError,
  StateFileModeError,
  writeStateFile,
  type LocalStackState,
} from '../../src/ops/target/state-file.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { cli } from './support.ts';

const directory = mkdtempSync(join(tmpdir(), 'tasklanes-access-'));
const stateFile = join(directory, 'local.json');
const local = (...args: string[]) => cli([...args, '--state-file', stateFile]);

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A request with exactly the Host and Origin a test names (fetch would set Host itself). */
function send(url: string, options: { method: string; path: string; headers?: Record<string, string> }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL(options.path, url), { method: options.method, headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the local stack answers only its user', () => {
  const stack = withLocalStack({ definition: laneDefinition({ alpha: {} }), stateFile });
  const refusals: Refusal[] = [];
  let dashboard: Dashboard;
  let host: string;
  const pause = CONTROL_PATHS.pause('alpha');
  /** Through the control client with the right token: never through a route under test. */
  const consumerEnabled = () => httpControl(dashboard, stateFile).consumerEnabled('alpha');

  before(async () => {
    const recorder = new OutcomeRecorder();
    stack().startLane('alpha', async () => ({ batchItemFailures: [] }));
    dashboard = await startDashboard({
      stack: stack(),
      recorder,
      alarms: new LocalAlarmEvaluator({ stack: stack(), recorder }),
      port: 0,
      onRefused: (refusal) => refusals.push(refusal),
    });
    host = new URL(dashboard.url).host;
    await recordControlUrl(stateFile, dashboard);
  });
  after(() => dashboard.stop());

  it('keeps the URL and a 32-byte token in a state file only its owner can read', async () => {
    assert.equal(mode(stateFile), 0o600);
    const state = await readStateFile(stateFile);
    assert.deepEqual(state?.control, { url: dashboard.url, token: dashboard.token });
    assert.match(dashboard.token, /^[A-Za-z0-9_-]{43}$/, '32 bytes in base64url');
  });

  it('refuses a POST from another origin, even with the token, and logs it', async () => {
    const answer = await send(dashboard.url, {
      method: 'POST',
      path: pause,
      headers: { origin: 'http://attacker.example', 'x-tasklanes-token': dashboard.token },
    });
    assert.equal(answer.status, 403);
    assert.deepEqual(JSON.parse(answer.body), {
      error: "Origin http://attacker.example is not this dashboard: other sites' pages may not use it",
      refused: 'origin',
    });
    assert.deepEqual(refusals.at(-1), {
      check: 'origin',
      reason: "Origin http://attacker.example is not this dashboard: other sites' pages may not use it",
      method: 'POST',
      path: '/api/control/lanes/alpha/pause',
      host,
      origin: 'http://attacker.example',
      remoteAddress: '127.0.0.1',
    });
    assert.equal(await consumerEnabled(), true);
  });

  it('refuses GETs of the API from another origin: a page elsewhere reads nothing', async () => {
    for (const path of ['/api/status', CONTROL_PATHS.consumer('alpha')]) {
      const answer = await send(dashboard.url, { method: 'GET', path, headers: { origin: 'http://attacker.example' } });
      assert.equal(answer.status, 403, path);
      assert.equal(JSON.parse(answer.body).refused, 'origin', path);
    }
    const sandboxed = await send(dashboard.url, { method: 'GET', path: '/api/status', headers: { origin: 'null' } });
    assert.equal(sandboxed.status, 403, 'Origin null (a sandboxed frame, a file: page)');
  });

  it('refuses a foreign Host on every route: a DNS name rebound to 127.0.0.1 gets nothing', async () => {
    const port = new URL(dashboard.url).port;
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/api/status'],
      ['POST', pause],
    ] as const) {
      const answer = await send(dashboard.url, {
        method,
        path,
        headers: { host: `attacker.example:${port}`, 'x-tasklanes-token': dashboard.token },
      });
      assert.equal(answer.status, 403, `${method} ${path}`);
      assert.equal(JSON.parse(answer.body).refused, 'host', `${method} ${path}`);
      assert.doesNotMatch(answer.body, new RegExp(dashboard.token), 'the refusal does not carry the token');
    }
    assert.equal(refusals.at(-1)?.host, `attacker.example:${port}`);
    assert.equal(refusals.at(-1)?.check, 'host');
    assert.equal(await consumerEnabled(), true);
  });

  it('refuses a POST without the token and one with another token', async () => {
    const without = await send(dashboard.url, { method: 'POST', path: pause });
    assert.equal(without.status, 403);
    assert.deepEqual(JSON.parse(without.body), {
      error: "POST needs this run's control token in x-tasklanes-token (the CLI reads it from the state file)",
      refused: 'token',
    });
    const wrong = await send(dashboard.url, { method: 'POST', path: pause, headers: { 'x-tasklanes-token': 'x'.repeat(43) } });
    assert.equal(wrong.status, 403);
    assert.deepEqual(JSON.parse(wrong.body), {
      error: "the control token in x-tasklanes-token is not this run's (a state file of another run?)",
      refused: 'token',
    });
    // A preflight (what a browser sends before adding the header cross-origin) is a request without the token too.
    const preflight = await send(dashboard.url, {
      method: 'OPTIONS',
      path: pause,
      headers: { 'access-control-request-headers': 'x-tasklanes-token' },
    });
    assert.equal(preflight.status, 403);
    assert.equal(JSON.parse(preflight.body).refused, 'token');
    assert.equal(await consumerEnabled(), true);
  });

  it('serves its own names: the page at localhost:<port> carries the token, a same-origin POST with it pauses', async () => {
    const port = new URL(dashboard.url).port;
    const page = await send(dashboard.url, { method: 'GET', path: '/', headers: { host: `localhost:${port}` } });
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(`"token":"${dashboard.token}"`), 'the page embeds the token');
    const paused = await send(dashboard.url, {
      method: 'POST',
      path: pause,
      headers: { host: `localhost:${port}`, origin: `http://localhost:${port}`, 'x-tasklanes-token': dashboard.token },
    });
    assert.equal(paused.status, 200, paused.body);
    assert.deepEqual(JSON.parse(paused.body), { lane: 'alpha', enabled: false });
    await httpControl(dashboard, stateFile).resume('alpha');
    assert.equal(await consumerEnabled(), true);
  });

  it('the CLI still pauses and resumes, and status shows the consumer enabled after all the refusals', async () => {
    const paused = await local('pause', 'alpha');
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /lane alpha: consumer paused/);
    assert.equal(stack().pollers.get('alpha')!.state, 'paused');
    const resumed = await local('resume', 'alpha');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(stack().pollers.get('alpha')!.state, 'running');
    const status = await local('status', '--json');
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(
      (JSON.parse(status.stdout) as LaneStatus[]).map((lane) => [lane.lane, lane.consumerEnabled]),
      [['alpha', true]],
    );
  });

  it("the CLI with another run's token says so, and pauses nothing", async () => {
    const state = (await readStateFile(stateFile))!;
    const otherRun = join(directory, 'other-run.json');
    await writeStateFile(otherRun, { ...state, control: { url: dashboard.url, token: 'y'.repeat(43) } });
    const run = await cli(['pause', 'alpha', '--state-file', otherRun]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr.trim(),
      `tasklanes pause: the local stack at ${dashboard.url} refused the control token from ${otherRun}: the token did not match, so the file belongs to another run; ` +
        'restart the local run (`tasklanes dev`, `npm start`), or pass --state-file of the run you mean',
    );
    assert.equal(await consumerEnabled(), true);
  });

  it('the CLI refuses a state file other users can read, naming the file and the fix', async (t) => {
    t.after(() => chmodSync(stateFile, 0o600));
    for (const wide of [0o644, 0o640]) {
      chmodSync(stateFile, wide);
      const run = await local('pause', 'alpha');
      assert.equal(run.code, 1, `mode ${wide.toString(8)}`);
      assert.equal(
        run.stderr.trim(),
        `tasklanes pause: ${stateFile} is open to other users (mode 0${wide.toString(8)}, expected 0600): it holds the local stack's control token; ` +
          `\`chmod 0600 ${stateFile}\` if you trust its content, or stop the local run (\`tasklanes dev\`, \`npm start\`) and start it again (it writes the file 0600)`,
      );
      await assert.rejects(readStateFile(stateFile), StateFileModeError);
    }
    assert.equal(await consumerEnabled(), true);
  });
});

describe('writing the state file', () => {
  const state: LocalStackState = {
    version: 2,
    pid: process.pid,
    startedAt: '2026-12-01T10:00:00.000Z',
    sqsEndpoint: 'http://127.0.0.1:1',
    dynamodbEndpoint: 'http://127.0.0.1:2',
    region: 'us-east-1',
    lanes: {},
    dedupTable: 'tasklanes-dedup',
  };

  it('creates the file 0600 and its directory 0700, whatever the umask', async (t) => {
    const previous = process.umask(0);
    t.after(() => process.umask(previous));
    const path = join(directory, 'fresh', 'local.json');
    await writeStateFile(path, state);
    assert.equal(mode(path), 0o600);
    assert.equal(mode(join(directory, 'fresh')), 0o700);
  });

  it('replaces a file left readable by others with a 0600 one', async () => {
    const path = join(directory, 'left-open.json');
    writeFileSync(path, '{}', { mode: 0o644 });
    chmodSync(path, 0o644);
    await writeStateFile(path, state);
    assert.equal(mode(path), 0o600);
    assert.deepEqual(await readStateFile(path), state);
  });

  it('refuses a directory every user can write to', async () => {
    const open = join(directory, 'world-writable');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await assert.rejects(writeStateFile(join(open, 'local.json'), state), StateDirectoryModeError);
  });
});
