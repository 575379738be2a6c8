/**
 * `tasklanes task` against a local run, as `npm start` runs one
 * (startLocalRun: embedded servers, every lane consumed, the dashboard
 * with its control API, the state file), with the CLI as a child process:
 * one task of each outcome, each history written out as expected.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_MESSAGE_BYTES } from '../../src/definition/limits.ts';
import { startLocalRun, type LocalRun } from '../../src/local/run.ts';
import { CONTROL_PATHS } from '../../src/ops/target/control-client.ts';
import type { PublishedTask } from '../../src/publisher/index.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import { readExecutions, useFreshExecutionLog } from '../support/execution-log.ts';
import { createGate } from '../support/task-behaviours.ts';
import { TEST_WORKER_ENTRY, testDefinition } from '../support/test-definition.ts';
import { waitFor } from '../support/wait.ts';
import { cli } from './support.ts';

const stateFile = join(mkdtempSync(join(tmpdir(), 'tasklanes-task-')), 'local.json');
const task = (...args: string[]) => cli(['task', ...args, '--state-file', stateFile]);

/** `--json`'s outcomes without what differs per run (times, durations). */
interface JsonOutcome {
  lane: string;
  type: string;
  outcome: string;
  tenant?: string;
  id?: string;
  dedupKey?: string;
  messageId: string;
  attempt: number;
  reason?: string;
  timedOut: boolean;
  at: string;
  durationMs: number;
}
interface JsonLookup {
  found: boolean;
  dedupRecord: { table: string; key: string | null; record: Record<string, unknown> | null };
  deadLetters: Array<Record<string, unknown>>;
  dlqSearched: Array<{ lane: string; depth: number; scanned: number }>;
  outcomes: JsonOutcome[];
  outcomesSearched: { source: string; from: string; to: string };
}

async function lookup(...args: string[]): Promise<JsonLookup> {
  const run = await task(...args, '--json');
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout) as JsonLookup;
}

const history = (outcomes: readonly JsonOutcome[]) =>
  outcomes.map(({ lane, type, outcome, tenant, id, dedupKey, messageId, attempt, reason, timedOut }) => ({
    lane,
    type,
    outcome,
    tenant,
    id,
    dedupKey,
    messageId,
    attempt,
    reason,
    timedOut,
  }));

/** Done records carry when; the rest of the record is written out. */
function withoutTimes(record: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!record) return record;
  const { doneAt, duplicateUntil, leaseUntil, ...rest } = record;
  for (const time of [doneAt, duplicateUntil, leaseUntil])
    if (time !== undefined) assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  return rest;
}

const SIX_WEEKS_MS = 42 * 24 * 60 * 60 * 1000;

describe('tasklanes task against a local run', () => {
  let run: LocalRun;
  const finals = new Set(['succeeded', 'deadLettered', 'expired', 'duplicate', 'coalesced']);
  /** A minute: the retry waits out a visibility timeout, on a loaded machine. */
  const outcome = (match: (event: OutcomeEvent) => boolean, description: string) =>
    waitFor(() => run.recorder.history(match)[0], { timeoutMs: 60_000, description });
  const settled = (id: string) => outcome((event) => event.id === id && finals.has(event.outcome), `task ${id} to settle`);
  let succeeded: PublishedTask;
  let flaky: PublishedTask;
  let expired: PublishedTask;
  let original: PublishedTask;
  let duplicate: PublishedTask;
  let gatedPair: PublishedTask[];
  let permanent: PublishedTask;
  const bigId = 'near-1-MiB';
  let bigMessageId: string;

  before(async () => {
    useFreshExecutionLog();
    run = await startLocalRun({
      definition: testDefinition,
      workerEntry: TEST_WORKER_ENTRY,
      stateFile,
      visibilityTimeoutSeconds: 1,
      print: () => {},
    });
    const { publisher } = run;
    const gate = createGate();
    succeeded = await publisher.publish('test.ok', { n: 1 }, { tenant: 'acme' });
    flaky = await publisher.publish('test.flaky', { failTimes: 1 }, { tenant: 'acme' });
    expired = await publisher.publish('test.ok', { n: 2 }, { tenant: 'acme', createdAt: new Date(Date.now() - SIX_WEEKS_MS) });
    original = await publisher.publish('test.ok', { n: 3 }, { tenant: 'acme', dedupKey: 'order-7' });
    // The repeat arrives while the first runs (held at its gate), in a batch of its own: coalesced. Then the gate opens.
    const gated = () => publisher.publish('test.gated', { gate: gate.path }, { tenant: 'globex', dedupKey: 'export-1' });
    const runner = await gated();
    await waitFor(() => readExecutions().some((execution) => execution.id === runner.id && execution.phase === 'started'), {
      description: 'the gated task to start',
    });
    gatedPair = [runner, await gated()];
    permanent = await publisher.publish('test.permanent', {}, { tenant: 'acme' });
    // Exactly SQS's limit, a valid envelope whose payload fails its schema (n must be a number).
    const envelope = { v: 1, id: bigId, type: 'test.ok', tenant: 'acme', createdAt: new Date().toISOString(), payload: { n: '' } };
    const padding = MAX_MESSAGE_BYTES - Buffer.byteLength(JSON.stringify(envelope));
    const body = JSON.stringify({ ...envelope, payload: { n: 'x'.repeat(padding) } });
    assert.equal(Buffer.byteLength(body), MAX_MESSAGE_BYTES);
    bigMessageId = await run.sendRaw('fast', body);

    await settled(original.id);
    duplicate = await publisher.publish('test.ok', { n: 3 }, { tenant: 'acme', dedupKey: 'order-7' });
    await outcome((event) => event.outcome === 'coalesced' && event.id === gatedPair[1]!.id, 'the repeat to be coalesced');
    gate.open();
    await Promise.all([succeeded, flaky, expired, duplicate, permanent, ...gatedPair].map((published) => settled(published.id)));
    await outcome((event) => event.messageId === bigMessageId, 'the near-1-MiB body to be dead-lettered');
  });
  after(() => run.stop());

  it('succeeded: one outcome, the done record, not in the DLQ', async () => {
    const found = await lookup(succeeded.id);
    assert.deepEqual(history(found.outcomes), [
      {
        lane: 'fast',
        type: 'test.ok',
        outcome: 'succeeded',
        tenant: 'acme',
        id: succeeded.id,
        dedupKey: `acme#test.ok#${succeeded.id}`,
        messageId: succeeded.messageId,
        attempt: 1,
        reason: undefined,
        timedOut: false,
      },
    ]);
    assert.equal(found.dedupRecord.key, `acme#test.ok#${succeeded.id}`);
    assert.equal(found.dedupRecord.table, 'tasklanes-dedup');
    assert.deepEqual(withoutTimes(found.dedupRecord.record), {
      status: 'done',
      key: `acme#test.ok#${succeeded.id}`,
      owner: succeeded.messageId,
      taskId: succeeded.id,
    });
    assert.deepEqual(found.deadLetters, []);
    assert.deepEqual(
      found.dlqSearched.map((search) => search.lane),
      ['fast'],
      'only the lane its outcomes name',
    );
    assert.equal(found.outcomesSearched.source, "the local run's outcome history");
  });

  it('retried, then succeeded: both attempts oldest first, with the reason of the failure', async () => {
    const found = await lookup(flaky.id);
    const base = {
      lane: 'fast',
      type: 'test.flaky',
      tenant: 'acme',
      id: flaky.id,
      dedupKey: `acme#test.flaky#${flaky.id}`,
      messageId: flaky.messageId,
      timedOut: false,
    };
    assert.deepEqual(history(found.outcomes), [
      { ...base, outcome: 'retried', attempt: 1, reason: 'Error: flaky failure on attempt 1' },
      { ...base, outcome: 'succeeded', attempt: 2, reason: undefined },
    ]);
    assert.ok(Date.parse(found.outcomes[0]!.at) <= Date.parse(found.outcomes[1]!.at));
    assert.deepEqual(withoutTimes(found.dedupRecord.record), {
      status: 'done',
      key: `acme#test.flaky#${flaky.id}`,
      owner: flaky.messageId,
      taskId: flaky.id,
    });
  });

  it('expired: dropped before its claim, so no dedup record is looked up', async () => {
    const found = await lookup(expired.id);
    assert.equal(found.outcomes.length, 1);
    assert.deepEqual(
      { ...history(found.outcomes)[0], reason: undefined },
      {
        lane: 'fast',
        type: 'test.ok',
        outcome: 'expired',
        tenant: 'acme',
        id: expired.id,
        dedupKey: undefined,
        messageId: expired.messageId,
        attempt: 1,
        reason: undefined,
        timedOut: false,
      },
    );
    assert.match(found.outcomes[0]!.reason!, /^past its deadline \d{4}-\d\d-\d\dT/);
    assert.deepEqual(found.dedupRecord, { table: 'tasklanes-dedup', key: null, record: null });
    const text = await task(expired.id);
    assert.match(text.stdout, /^ {2}now: dropped unrun: past its deadline$/m);
    assert.match(
      text.stdout,
      /^Dedup record \(table tasklanes-dedup\): none: the task never reached its claim, it was past its deadline$/m,
    );
  });

  it('duplicate: its outcome, and the record of the task it repeated', async () => {
    const found = await lookup(duplicate.id);
    assert.deepEqual(history(found.outcomes), [
      {
        lane: 'fast',
        type: 'test.ok',
        outcome: 'duplicate',
        tenant: 'acme',
        id: duplicate.id,
        dedupKey: 'acme#test.ok#order-7',
        messageId: duplicate.messageId,
        attempt: 1,
        reason: 'already done within the dedup window',
        timedOut: false,
      },
    ]);
    assert.deepEqual(withoutTimes(found.dedupRecord.record), {
      status: 'done',
      key: 'acme#test.ok#order-7',
      owner: original.messageId,
      taskId: original.id,
    });
    const text = await task(duplicate.id);
    assert.match(text.stdout, new RegExp(`^ {2}now: acknowledged unrun: a duplicate of task ${original.id}$`, 'm'));
  });

  it('by tenant, type and dedup key: the original and its duplicate, under one record', async () => {
    const found = await lookup('--tenant', 'acme', '--type', 'test.ok', '--dedup-key', 'order-7');
    assert.deepEqual(
      history(found.outcomes).map(({ id, outcome, attempt }) => ({ id, outcome, attempt })),
      [
        { id: original.id, outcome: 'succeeded', attempt: 1 },
        { id: duplicate.id, outcome: 'duplicate', attempt: 1 },
      ],
    );
    const text = await task('--tenant', 'acme', '--type', 'test.ok', '--dedup-key', 'order-7');
    assert.match(text.stdout, /^ {2}at +lane +task id +attempt +outcome +duration +delivery +reason$/m);
  });

  it("coalesced: acknowledged while the other delivery ran it; the record is that task's", async () => {
    const [runner, repeat] = gatedPair as [PublishedTask, PublishedTask];
    const found = await lookup(repeat.id);
    assert.deepEqual(history(found.outcomes), [
      {
        lane: 'slow',
        type: 'test.gated',
        outcome: 'coalesced',
        tenant: 'globex',
        id: repeat.id,
        dedupKey: 'globex#test.gated#export-1',
        messageId: repeat.messageId,
        attempt: 1,
        reason: `in progress by delivery ${runner.messageId}`,
        timedOut: false,
      },
    ]);
    assert.deepEqual(withoutTimes(found.dedupRecord.record), {
      status: 'done',
      key: 'globex#test.gated#export-1',
      owner: runner.messageId,
      taskId: runner.id,
    });
    const byKey = await lookup('--tenant', 'globex', '--type', 'test.gated', '--dedup-key', 'export-1');
    assert.deepEqual(
      history(byKey.outcomes).map(({ id, outcome, attempt }) => ({ id, outcome, attempt })),
      [
        { id: repeat.id, outcome: 'coalesced', attempt: 1 },
        { id: runner.id, outcome: 'succeeded', attempt: 1 },
      ],
      'by time: the repeat was acknowledged while the first still ran',
    );
  });

  it("dead-lettered: the outcome, the released claim, and the letter in its lane's DLQ with reason and error", async () => {
    const found = await lookup(permanent.id);
    assert.deepEqual(history(found.outcomes), [
      {
        lane: 'fast',
        type: 'test.permanent',
        outcome: 'deadLettered',
        tenant: 'acme',
        id: permanent.id,
        dedupKey: `acme#test.permanent#${permanent.id}`,
        messageId: permanent.messageId,
        attempt: 1,
        reason: 'permanent: PermanentError: the subscriber rejected this task',
        timedOut: false,
      },
    ]);
    assert.deepEqual(found.dedupRecord.record, null, 'the claim was released');
    assert.equal(found.deadLetters.length, 1);
    const [letter] = found.deadLetters;
    assert.deepEqual(
      {
        lane: letter!.lane,
        id: letter!.id,
        type: letter!.type,
        tenant: letter!.tenant,
        reason: letter!.reason,
        error: letter!.error,
        attempts: letter!.attempts,
      },
      {
        lane: 'fast',
        id: permanent.id,
        type: 'test.permanent',
        tenant: 'acme',
        reason: 'permanent',
        error: 'PermanentError: the subscriber rejected this task',
        attempts: 1,
      },
    );
    const text = await task(permanent.id);
    assert.match(text.stdout, /^ {2}now: in the DLQ of lane fast \(permanent\)$/m);
    assert.ok(
      text.stdout.includes(
        `\nDedup record acme#test.permanent#${permanent.id} in table tasklanes-dedup:\n  none: released after the failed attempt\n`,
      ),
      text.stdout,
    );
    assert.match(text.stdout, /looking is a receive: it raised each message's receive count; nothing consumed/);
  });

  it("a near-1-MiB dead letter: its letter with the reason the dedup table kept, and its delivery's outcome", async () => {
    const found = await lookup(bigId);
    const error = 'invalid payload for "test.ok": n: Invalid input: expected number, received string';
    assert.equal(found.deadLetters.length, 1);
    const [letter] = found.deadLetters;
    assert.deepEqual(
      {
        lane: letter!.lane,
        id: letter!.id,
        type: letter!.type,
        tenant: letter!.tenant,
        bodyBytes: letter!.bodyBytes,
        reason: letter!.reason,
        error: letter!.error,
        attempts: letter!.attempts,
        reasonFrom: letter!.reasonFrom,
        originalMessageId: letter!.originalMessageId,
      },
      {
        lane: 'fast',
        id: bigId,
        type: 'test.ok',
        tenant: 'acme',
        bodyBytes: MAX_MESSAGE_BYTES,
        reason: 'invalid',
        error,
        attempts: 1,
        reasonFrom: 'dedupTable',
        originalMessageId: bigMessageId,
      },
    );
    // The body never validated: its outcome is logged as type unknown, by the delivery's message id.
    assert.deepEqual(
      found.outcomes.map(({ lane, type, outcome, messageId, attempt, reason, timedOut }) => ({
        lane,
        type,
        outcome,
        messageId,
        attempt,
        reason,
        timedOut,
      })),
      [
        {
          lane: 'fast',
          type: 'unknown',
          outcome: 'deadLettered',
          messageId: bigMessageId,
          attempt: 1,
          reason: `invalid: ${error}`,
          timedOut: false,
        },
      ],
    );
    assert.deepEqual(found.dedupRecord, { table: 'tasklanes-dedup', key: null, record: null });
    const text = await task(bigId);
    assert.match(text.stdout, /^ {2}type test\.ok, tenant acme, lane fast$/m);
    assert.match(
      text.stdout,
      /^ {2}fast +\S+ +1 +\S+Z +\d+ +invalid \(kept in the dedup table: no room beside the body\) +invalid payload for "test\.ok"/m,
    );
  });

  it('a task id nobody has seen: not found, exit 1, with what was searched', async () => {
    const miss = await task('no-such-task');
    assert.equal(miss.code, 1, miss.stderr);
    const lines = miss.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^task no-such-task: not found \(local stack \(pid \d+\)\)\. Searched:$/);
    assert.match(lines[1]!, /^ {2}outcomes: the local run's outcome history, \S+Z to \S+Z: none$/);
    assert.equal(
      lines[2],
      "  dedup record (table tasklanes-dedup): none looked up: by task id the key comes from the task's outcomes, and there are none",
    );
    assert.equal(
      lines[3],
      "  DLQ: the DLQs of lanes fast (2 messages looked at), slow (0 messages looked at), isolated (0 messages looked at); looking is a receive: it raised each message's receive count; nothing consumed",
    );
    assert.equal(lines.length, 4);
  });

  it('the outcomes route is behind the request guard: another origin is refused; a request naming nothing is a 400', async () => {
    const route = new URL(`${CONTROL_PATHS.taskOutcomes}?id=${succeeded.id}`, run.dashboard.url);
    const foreign = await fetch(route, { headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.equal(((await foreign.json()) as { refused: string }).refused, 'origin');
    const empty = await fetch(new URL(CONTROL_PATHS.taskOutcomes, run.dashboard.url));
    assert.equal(empty.status, 400);
    const own = (await (await fetch(route)).json()) as { outcomes: Array<Record<string, unknown>> };
    assert.deepEqual(
      Object.keys(own.outcomes[0]!),
      ['lane', 'type', 'tenant', 'id', 'dedupKey', 'messageId', 'outcome', 'attempt', 'durationMs', 'timedOut', 'at'],
      "the log line's fields, as on AWS",
    );
  });

  it('usage: an id and a key together, or part of a key, exit 2', async () => {
    assert.equal((await task('some-id', '--tenant', 'acme')).code, 2);
    assert.match(
      (await task('--tenant', 'acme', '--type', 'test.ok')).stderr,
      /--tenant, --type and --dedup-key go together: give all three/,
    );
  });

  it('--since bounds the outcomes: a range that starts after the task finds none of them', async () => {
    const found = JSON.parse((await task(succeeded.id, '--json', '--since', '0s')).stdout) as JsonLookup;
    assert.deepEqual(found.outcomes, []);
    assert.deepEqual(withoutTimes(found.dedupRecord.record), null, 'no outcome in range: no key to look up by id');
  });
});
