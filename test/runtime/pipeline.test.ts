/**
 * Every outcome of the consumer pipeline, end to end: publisher -> local SQS
 * -> poller -> consumer -> dedup table -> DLQ, with handlers that record
 * what they executed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readExecutions, useFreshExecutionLog } from '../support/execution-log.ts';
import { isOutcome, ofTask, withRunningLanes } from '../support/harness.ts';
import { waitFor } from '../support/wait.ts';
import { TEST_MAX_RECEIVE_COUNT, TEST_WORKER_ENTRY, testDefinition } from '../support/test-definition.ts';

useFreshExecutionLog();
const lanes = withRunningLanes({ definition: testDefinition, workerEntry: TEST_WORKER_ENTRY });

const executionsOf = (id: string) => readExecutions().filter((e) => e.id === id);
const envelope = (fields: Record<string, unknown>) =>
  JSON.stringify({ v: 1, id: randomUUID(), tenant: 'acme', createdAt: new Date().toISOString(), payload: {}, ...fields });

describe('outcomes', () => {
  test('success: runs once, acknowledged, marked done', async () => {
    const { id } = await lanes().publisher.publish('test.ok', {}, { tenant: 'acme' });
    const [event] = await lanes().waitForOutcomes(isOutcome(id, 'succeeded'));
    assert.equal(event!.attempt, 1);
    assert.equal(event!.dedupKey, `acme#test.ok#${id}`);
    assert.deepEqual(
      executionsOf(id).map((e) => e.phase),
      ['started', 'completed'],
    );
  });

  test('retryable failure, then success on the next delivery', async () => {
    const { id } = await lanes().publisher.publish('test.flaky', { failTimes: 1 }, { tenant: 'acme' });
    await lanes().waitForOutcomes(isOutcome(id, 'succeeded'));
    const events = lanes().outcomesOf(ofTask(id));
    assert.deepEqual(
      events.map((e) => [e.outcome, e.attempt]),
      [
        ['retried', 1],
        ['succeeded', 2],
      ],
    );
    assert.match(events[0]!.reason!, /flaky failure on attempt 1/);
  });

  test('retries exhausted: dead-lettered with the reason after maxAttempts executions', async () => {
    const { id } = await lanes().publisher.publish('test.flaky', { failTimes: 99 }, { tenant: 'acme' });
    await lanes().waitForOutcomes(isOutcome(id, 'deadLettered'));
    assert.deepEqual(
      lanes()
        .outcomesOf(ofTask(id))
        .map((e) => e.outcome),
      [...Array(TEST_MAX_RECEIVE_COUNT - 1).fill('retried'), 'deadLettered'],
    );
    assert.equal(executionsOf(id).filter((e) => e.phase === 'started').length, TEST_MAX_RECEIVE_COUNT);
    const letter = (await lanes().deadLetters('fast')).find((l) => l.body.includes(id));
    assert.equal(letter?.reason, 'retriesExhausted');
    assert.equal(letter?.attempts, TEST_MAX_RECEIVE_COUNT);
    assert.match(letter!.error!, /flaky failure on attempt 3/);
  });

  test('permanent failure: dead-lettered at once with its reason, never retried', async () => {
    const { id } = await lanes().publisher.publish('test.permanent', {}, { tenant: 'acme' });
    await lanes().waitForOutcomes(isOutcome(id, 'deadLettered'));
    const letter = (await lanes().deadLetters('fast')).find((l) => l.body.includes(id));
    assert.equal(letter?.reason, 'permanent');
    assert.match(letter!.error!, /the subscriber rejected this task/);
    assert.equal(letter?.attempts, 1);
    assert.equal(lanes().outcomesOf(ofTask(id)).length, 1);
    assert.equal(executionsOf(id).filter((e) => e.phase === 'started').length, 1);
  });

  test('expired: past notAfter or past maxAge, counted and never run', async () => {
    const pastNotAfter = await lanes().publisher.publish('test.ok', {}, { tenant: 'acme', notAfter: new Date(Date.now() - 1000) });
    const sixWeeksOld = await lanes().publisher.publish(
      'test.ok',
      {},
      { tenant: 'acme', createdAt: new Date(Date.now() - 42 * 86_400_000) },
    );
    await lanes().waitForOutcomes(isOutcome(pastNotAfter.id, 'expired'));
    await lanes().waitForOutcomes(isOutcome(sixWeeksOld.id, 'expired'));
    assert.deepEqual(executionsOf(pastNotAfter.id), []);
    assert.deepEqual(executionsOf(sixWeeksOld.id), []);
  });

  test('duplicate: the same key after it is done is acknowledged, not run', async () => {
    const key = `order-${randomUUID()}`;
    const first = await lanes().publisher.publish('test.ok', {}, { tenant: 'acme', dedupKey: key });
    await lanes().waitForOutcomes(isOutcome(first.id, 'succeeded'));
    const again = await lanes().publisher.publish('test.ok', {}, { tenant: 'acme', dedupKey: key });
    const [event] = await lanes().waitForOutcomes(isOutcome(again.id, 'duplicate'));
    assert.equal(event!.dedupKey, `acme#test.ok#${key}`);
    assert.deepEqual(executionsOf(again.id), []);
  });

  test('coalesced: repeats while the first is still running are acknowledged; the first completes', async () => {
    const key = `export-${randomUUID()}`;
    const gate = join(mkdtempSync(join(tmpdir(), 'tasklanes-gate-')), 'open');
    const first = await lanes().publisher.publish('test.gated', { gate }, { tenant: 'acme', dedupKey: key });
    // Published only once the first is running, as the impatient frontend of incident 004 did (docs/incidents.md#004-flood).
    await waitFor(() => executionsOf(first.id).length > 0, { description: 'first run to start' });
    const repeats = await Promise.all(
      [1, 2, 3].map(() => lanes().publisher.publish('test.gated', { gate }, { tenant: 'acme', dedupKey: key })),
    );
    for (const repeat of repeats) await lanes().waitForOutcomes(isOutcome(repeat.id, 'coalesced'));
    writeFileSync(gate, '');
    await lanes().waitForOutcomes(isOutcome(first.id, 'succeeded'));
    for (const repeat of repeats) assert.deepEqual(executionsOf(repeat.id), []);
  });

  test('timeout: a handler that ignores its signal is timed out, retried, then dead-lettered', async () => {
    const { id } = await lanes().publisher.publish('test.hang', {}, { tenant: 'acme' });
    await lanes().waitForOutcomes(isOutcome(id, 'deadLettered'), 1, { timeoutMs: 60_000 });
    const events = lanes().outcomesOf(ofTask(id));
    assert.ok(
      events.every((e) => e.timedOut),
      'every attempt counted as timed out',
    );
    assert.equal(events.length, TEST_MAX_RECEIVE_COUNT);
    const letter = (await lanes().deadLetters('fast')).find((l) => l.body.includes(id));
    assert.equal(letter?.reason, 'retriesExhausted');
    assert.match(letter!.error!, /TaskTimeoutError/);
  });
});

describe('bad input goes to the DLQ at once with a reason, and the consumer keeps going', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['malformed JSON', '{"v":1,"id":', /body is not valid JSON/],
    ['not an object', '[1,2,3]', /must be a JSON object/],
    ['unknown version', envelope({ v: 2, type: 'test.ok' }), /unknown envelope version 2/],
    ['unknown type', envelope({ type: 'test.nope' }), /unknown task type "test.nope"/],
    [
      'wrong payload schema',
      envelope({ type: 'test.flaky', payload: { failTimes: 'many' } }),
      /invalid payload for "test.flaky": failTimes/,
    ],
    [
      'missing tenant',
      JSON.stringify({ v: 1, id: randomUUID(), type: 'test.ok', createdAt: new Date().toISOString(), payload: {} }),
      /tenant/,
    ],
    // Sent without a MessageGroupId, which SQS would refuse for this tenant: the consumer holds the publisher's rule.
    [
      'a tenant SQS refuses as a MessageGroupId',
      envelope({ type: 'test.ok', tenant: 'acmé-日本' }),
      /^invalid envelope: tenant: must be A-Z, a-z, 0-9 or ASCII punctuation other than "#"/,
    ],
    ['bad createdAt', envelope({ type: 'test.ok', createdAt: 'yesterday' }), /createdAt/],
    ['a task of another lane', envelope({ type: 'test.isolated-ok' }), /belongs to lane "isolated"/],
  ];
  for (const [name, body, reason] of cases) {
    test(name, async () => {
      const messageId = await lanes().sendRaw('fast', body);
      const [event] = await lanes().waitForOutcomes((e) => e.messageId === messageId);
      assert.equal(event!.outcome, 'deadLettered');
      const letter = (await lanes().deadLetters('fast')).find((l) => l.body === body);
      assert.ok(letter, 'the original body is in the DLQ, byte for byte');
      assert.equal(letter.reason, name === 'a task of another lane' ? 'wrongLane' : 'invalid');
      assert.match(letter.error!, reason);
      assert.equal(lanes().outcomesOf((e) => e.messageId === messageId).length, 1, 'never retried');
    });
  }

  test('a large body within the SQS limit but failing its schema is dead-lettered whole', async () => {
    const body = envelope({ type: 'test.ok', payload: { n: 'x'.repeat(200_000) } });
    const messageId = await lanes().sendRaw('fast', body);
    await lanes().waitForOutcomes((e) => e.messageId === messageId && e.outcome === 'deadLettered');
    const letter = (await lanes().deadLetters('fast')).find((l) => l.body === body);
    assert.equal(letter?.body.length, body.length);
  });
});

describe('tenants', () => {
  test('two tenants publishing the same dedupKey at the same moment both run', async () => {
    const key = `invoice-${randomUUID()}`;
    const [a, b] = await Promise.all(
      ['tenant-a', 'tenant-b'].map((tenant) => lanes().publisher.publish('test.ok', {}, { tenant, dedupKey: key })),
    );
    await lanes().waitForOutcomes(isOutcome(a!.id, 'succeeded'));
    await lanes().waitForOutcomes(isOutcome(b!.id, 'succeeded'));
    assert.equal(executionsOf(a!.id).filter((e) => e.phase === 'completed').length, 1);
    assert.equal(executionsOf(b!.id).filter((e) => e.phase === 'completed').length, 1);
  });
});

describe('isolation', () => {
  test('a CPU-bound task in an isolated lane is terminated at its timeout; its batch-mates complete', async () => {
    const entries = [
      { type: 'test.spin', payload: { ms: 600_000 }, options: { tenant: 'acme' } },
      ...Array.from({ length: 4 }, () => ({ type: 'test.isolated-ok', payload: {}, options: { tenant: 'acme' } })),
    ];
    const { successful, failed } = await lanes().publisher.publishBatch(entries);
    assert.deepEqual(failed, []);
    const [spin, ...mates] = successful;
    for (const mate of mates) await lanes().waitForOutcomes(isOutcome(mate.id, 'succeeded'));
    const [first] = await lanes().waitForOutcomes((e) => e.id === spin!.id, 1, { timeoutMs: 60_000 });
    assert.equal(first!.outcome, 'retried');
    assert.equal(first!.timedOut, true);
    for (const mate of mates) {
      assert.equal(lanes().outcomesOf(ofTask(mate.id)).length, 1, 'batch-mates are not redelivered');
    }
    assert.equal(executionsOf(spin!.id).filter((e) => e.phase === 'completed').length, 0);
  });
});
