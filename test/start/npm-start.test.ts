/**
 * `npm start` end to end: the real entry point starts the local servers,
 * runs every lane, publishes the demo and prints what happened to each task.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { TS_NODE_ARGS } from '../support/node-args.ts';

/** The demo's slowest task times out three times; generous for a loaded 2-core machine. */
const START_DEADLINE_MS = 240_000;

test('npm start runs the demo end to end and prints every outcome', { timeout: START_DEADLINE_MS }, async (t) => {
  const child = spawn(process.execPath, [...TS_NODE_ARGS, 'demo/start.ts', '--exit-after-demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.diagnostic(output.slice(output.indexOf('What happened')));
  assert.equal(code, 0, output);

  const summary = /Demo summary: (\d+) tasks: (.*)/.exec(output);
  assert.ok(summary, 'prints the summary line');
  const totals = Object.fromEntries(summary[2]!.split(', ').map((part) => [part.split(' ')[0], Number(part.split(' ')[1])]));
  // Counted by final outcome: the deferred text message ends succeeded (its row shows the deferral).
  assert.deepEqual(totals, { succeeded: 8, expired: 1, deadLettered: 5, coalesced: 2, duplicate: 1 });
  assert.equal(Number(summary[1]), 17);
  const row = (label: string) => output.split('\n').find((line) => line.includes(label)) ?? '';
  // Two texts of one tenant at once, over sms.send's rate of one per 10 s: exactly one is deferred, once, then sent.
  const texts = output
    .split('\n')
    .filter((line) => /text message [12] of 2 for acme/.test(line))
    .map((line) => / then sent\s+(\S.*)$/.exec(line)?.[1]);
  assert.deepEqual(texts.sort(), ['deferred -> succeeded', 'succeeded']);
  const [, deferredId] =
    /text message [12] of 2 for acme, sent together\s+notifications\s+(\S+)\s.*deferred -> succeeded$/m.exec(output) ?? [];
  // Its wait spent no attempt: the copy succeeds on attempt 1.
  for (const line of [`attempt 1: deferred (rate limit 1 per 10s of type:sms.send for key "acme" is full)`, 'attempt 1: succeeded'])
    assert.match(output, new RegExp(`\\[notifications\\] sms\\.send\\s+acme\\s+${deferredId}  ${line.replace(/[().]/g, '\\$&')}`));
  assert.match(row('webhook, subscriber 503 once'), /retried -> succeeded$/);
  assert.match(row('pathological PDF'), /retried\(timeout\) -> retried\(timeout\) -> deadLettered\(timeout\)$/);
  assert.match(row('malformed body'), /deadLettered$/);
  // Progress lines name the task as its summary row does: by task id, or by message id for a body without one;
  // a body that failed validation shows the type and tenant it named.
  const [, badOrderId] = /order without items, raw SendMessage\s+critical\s+(\S+)\s/.exec(output) ?? [];
  assert.match(
    output,
    new RegExp(
      `\\[critical\\s*\\] order\\.place\\s+acme\\s+${badOrderId}  attempt 1: deadLettered \\(invalid: invalid payload for "order\\.place": items: `,
    ),
  );
  const [, malformedId] = /malformed body from a raw SendMessage\s+default\s+message (\S+)\s/.exec(output) ?? [];
  assert.match(
    output,
    new RegExp(`\\[default\\s*\\] unknown\\s+-\\s+message ${malformedId}  attempt 1: deadLettered \\(invalid: body is not valid JSON`),
  );
  assert.match(row('six-week-old backlog'), /expired$/);
  // The banner says which DynamoDB backend and claim path this run exercises (the default: dynalite's fallback).
  assert.match(output, /DynamoDB endpoint: http:\/\/127\.0\.0\.1:\d+ \(dynalite; --dynamodb dynamodb-local for the other\)/);
  assert.match(output, /dedup claims: {6}one conditional PutItem per record \(the fallback; no PartiQL\)/);
  assert.match(output, /Stopped\./);
});
