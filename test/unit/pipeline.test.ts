/**
 * processRecord, branch by branch, with fake dependencies: every outcome,
 * and the failure paths no server can be made to produce on cue (the DLQ
 * send failing, the done mark failing, the singleton lease erroring). Each
 * test writes out the whole result it expects and the dedup calls in order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QueueDoesNotExist } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { PermanentError, TaskTimeoutError } from '../../src/runtime/errors.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import { processRecord, type PipelineDependencies } from '../../src/runtime/pipeline.ts';
import { LANE, unitDefinition } from './helpers/definition.ts';
import {
  T0,
  envelopeFactory,
  fakeClock,
  fakeRunner,
  fakeSqsClient,
  FakeDeadLetterRecords,
  FakeDedupStore,
  sqsRecordFactory,
  type DedupScript,
} from './helpers/factories.ts';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tasklanes-work-dlq';
/** How long the fake handler runs. */
const RUN_MS = 250;
const KEY = 'acme#unit.work#task-1';
const TICK_KEY = 'acme#unit.tick#task-1';
const TICK_LEASE = '#singleton#acme#unit.tick';
const CLAIM = { owner: 'msg-1', attempt: 1, taskId: 'task-1', leaseMs: 35_000 } as const;

interface Prepared {
  readonly deps: PipelineDependencies;
  readonly dedup: FakeDedupStore;
  readonly sqs: ReturnType<typeof fakeSqsClient>;
  readonly runner: ReturnType<typeof fakeRunner>;
  readonly records: FakeDeadLetterRecords;
}

/** Fake dependencies; the handler takes RUN_MS of the fake clock, then returns 'ok' or throws `throws`. */
function prepare(options: { dedup?: DedupScript; throws?: unknown; recordFailure?: Error } = {}): Prepared {
  const clock = fakeClock();
  const sqs = fakeSqsClient();
  const dedup = new FakeDedupStore(options.dedup);
  const runner = fakeRunner(() => {
    clock.advance(RUN_MS);
    if ('throws' in options) throw options.throws;
    return 'ok';
  });
  const records = new FakeDeadLetterRecords(options.recordFailure);
  const deps = {
    definition: unitDefinition,
    lane: LANE,
    dlqUrl: DLQ_URL,
    sqs: sqs.client,
    dedup,
    deadLetterRecords: records,
    runner,
    now: clock.now,
  };
  return { deps, dedup, sqs, runner, records };
}

/** An event of unit.work task-1 from tenant acme, settled at T0 without running; `fields` say what differs. */
function expected(fields: Partial<OutcomeEvent> & Pick<OutcomeEvent, 'outcome'>): OutcomeEvent {
  return {
    lane: 'work',
    type: 'unit.work',
    timedOut: false,
    tenant: 'acme',
    id: 'task-1',
    dedupKey: KEY,
    messageId: 'msg-1',
    attempt: 1,
    durationMs: 0,
    latencyMs: 30_000,
    reason: undefined,
    at: T0,
    ...fields,
  };
}

/** What settling after the handler ran changes. */
const RAN = { durationMs: 250, latencyMs: 30_250, at: T0 + 250 } as const;

/** The dead-letter attributes the pipeline attaches, as SendMessage carries them. */
function letterAttributes(reason: string, attempts: string, error: string, failedAt = '2024-05-01T12:00:00.000Z') {
  return {
    'tasklanes-reason': { DataType: 'String', StringValue: reason },
    'tasklanes-attempts': { DataType: 'Number', StringValue: attempts },
    'tasklanes-message-id': { DataType: 'String', StringValue: 'msg-1' },
    'tasklanes-lane': { DataType: 'String', StringValue: 'work' },
    'tasklanes-failed-at': { DataType: 'String', StringValue: failedAt },
    'tasklanes-error': { DataType: 'String', StringValue: error },
  };
}

const record = (fields: Record<string, unknown> = {}, receiveCount = 1): SQSRecord =>
  sqsRecordFactory(envelopeFactory(fields), { receiveCount });

describe('validation', () => {
  test('a body that is not a JSON object is dead-lettered as invalid at once, without touching the dedup store', async () => {
    // Prepare
    const { deps, dedup, sqs, runner } = prepare();
    // Act
    const result = await processRecord(sqsRecordFactory('[]'), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({
        outcome: 'deadLettered',
        type: 'unknown',
        tenant: undefined,
        id: undefined,
        dedupKey: undefined,
        latencyMs: undefined,
        reason: 'invalid: body must be a JSON object',
      }),
    });
    assert.deepEqual(sqs.sent, [
      {
        name: 'SendMessageCommand',
        input: { QueueUrl: DLQ_URL, MessageBody: '[]', MessageAttributes: letterAttributes('invalid', '1', 'body must be a JSON object') },
      },
    ]);
    assert.deepEqual(dedup.calls, []);
    assert.deepEqual(runner.runs, []);
  });

  test('the DLQ send failing: redelivered instead (failed), the reason says both', async () => {
    // Prepare
    const { deps, sqs } = prepare();
    sqs.failWith(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }));
    // Act
    const result = await processRecord(sqsRecordFactory('[]'), deps);
    // Assess
    assert.deepEqual(result, {
      failed: true,
      event: expected({
        outcome: 'retried',
        type: 'unknown',
        tenant: undefined,
        id: undefined,
        dedupKey: undefined,
        latencyMs: undefined,
        reason: 'invalid: body must be a JSON object; DLQ send failed: QueueDoesNotExist: The specified queue does not exist.',
      }),
    });
    assert.deepEqual(
      sqs.sent.map((command) => command.name),
      ['SendMessageCommand'],
    );
  });

  test('a body that fails validation but names its id, type and tenant: the event carries them, the metric type stays unknown', async () => {
    // Prepare
    const { deps } = prepare();
    // Act
    const badPayload = await processRecord(record({ payload: { n: 'one' } }), deps);
    const unknownType = await processRecord(record({ type: 'no.such.type', tenant: 'globex', id: 'task-9' }), deps);
    // Assess
    assert.deepEqual(badPayload.event, {
      ...expected({
        outcome: 'deadLettered',
        dedupKey: undefined,
        latencyMs: undefined,
        reason: 'invalid: invalid payload for "unit.work": n: Invalid input: expected number, received string',
      }),
      type: 'unknown',
      namedType: 'unit.work',
    });
    assert.deepEqual(unknownType.event, {
      ...expected({
        outcome: 'deadLettered',
        tenant: 'globex',
        id: 'task-9',
        dedupKey: undefined,
        latencyMs: undefined,
        reason: 'invalid: unknown task type "no.such.type"',
      }),
      type: 'unknown',
      namedType: 'no.such.type',
    });
  });

  test('a body of exactly 1 MiB: the bare letter is dead-lettered and its reason kept in the record store', async () => {
    // Prepare
    const { deps, sqs, records } = prepare();
    const body = `{"v":1,"payload":"${'x'.repeat(1_048_576 - 20)}"}`;
    // Act
    const result = await processRecord(sqsRecordFactory(body), deps);
    // Assess
    assert.equal(result.event.outcome, 'deadLettered');
    assert.equal(result.failed, false);
    assert.deepEqual(
      sqs.sent.map((command) => [command.input.MessageBody === body, command.input.MessageAttributes]),
      [[true, {}]],
    );
    const error =
      'invalid envelope: id: Invalid input: expected string, received undefined; type: Invalid input: expected string, received undefined; tenant: Invalid input: expected string, received undefined; createdAt: Invalid input: expected string, received undefined';
    assert.deepEqual(records.kept, [
      { dlqMessageId: 'dlq-msg-1', attributes: letterAttributes('invalid', '1', error), expiresAtSeconds: 1_715_774_400 },
    ]);
  });

  test('the reason record failing after the letter reached the DLQ: still dead-lettered (never sent twice), the reason says both', async () => {
    // Prepare
    const { deps, sqs } = prepare({ recordFailure: new Error('ProvisionedThroughputExceededException') });
    const body = `[${'1,'.repeat(524_286)}11]`;
    // Act
    const result = await processRecord(sqsRecordFactory(body), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({
        outcome: 'deadLettered',
        type: 'unknown',
        tenant: undefined,
        id: undefined,
        dedupKey: undefined,
        latencyMs: undefined,
        reason:
          'invalid: body must be a JSON object; dead-lettered as DLQ message dlq-msg-1, but its reason did not fit on it and could not be kept in the dedup table (Error: ProvisionedThroughputExceededException)',
      }),
    });
    assert.equal(sqs.sent.length, 1);
  });

  test('a schema that throws (an app bug, not bad input) is not mistaken for invalid input: processRecord rejects', async () => {
    // Prepare
    const { deps, dedup, sqs } = prepare();
    // Act
    const processing = processRecord(record({ type: 'unit.schema-bug', payload: {} }), deps);
    // Assess
    await assert.rejects(processing, { name: 'TypeError', message: 'schema bug' });
    assert.deepEqual(sqs.sent, []);
    assert.deepEqual(dedup.calls, []);
  });

  test('a task type of another lane is dead-lettered as wrongLane', async () => {
    // Prepare
    const { deps, dedup, sqs } = prepare();
    // Act
    const result = await processRecord(record({ type: 'unit.elsewhere', payload: {} }), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({
        outcome: 'deadLettered',
        type: 'unit.elsewhere',
        dedupKey: undefined,
        reason: 'wrongLane: task type "unit.elsewhere" belongs to lane "other", not "work"',
      }),
    });
    assert.deepEqual(sqs.sent[0]?.input.MessageAttributes['tasklanes-reason'], { DataType: 'String', StringValue: 'wrongLane' });
    assert.deepEqual(dedup.calls, []);
  });
});

describe('attempt', () => {
  const cases: Array<[string, (record: SQSRecord) => SQSRecord, number]> = [
    ['receive count 2', (r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '2' } }), 2],
    ['no attributes', (r) => ({ ...r, attributes: undefined as never }), 1],
    ['no receive count', (r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: undefined as never } }), 1],
    ['an unreadable count', (r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: 'many' } }), 1],
    ['a count of 0', (r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '0' } }), 1],
  ];
  for (const [name, shape, attempt] of cases) {
    test(`${name}: attempt ${attempt}`, async () => {
      // Prepare
      const { deps, dedup, runner } = prepare();
      // Act
      const result = await processRecord(shape(record()), deps);
      // Assess
      assert.equal(result.event.outcome, 'succeeded');
      assert.equal(result.event.attempt, attempt);
      assert.equal(runner.runs[0]?.attempt, attempt);
      assert.deepEqual(dedup.calls[0], { op: 'claim', key: KEY, ...CLAIM, attempt });
    });
  }
});

describe('deadline', () => {
  test("older than the type's maxAge (1 h): expired, never claimed nor run", async () => {
    // Prepare
    const { deps, dedup, runner } = prepare();
    // Act
    const result = await processRecord(record({ createdAt: '2024-05-01T10:00:00.000Z' }), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({
        outcome: 'expired',
        dedupKey: undefined,
        latencyMs: 7_200_000,
        reason: 'past its deadline 2024-05-01T11:00:00.000Z',
      }),
    });
    assert.deepEqual(dedup.calls, []);
    assert.deepEqual(runner.runs, []);
  });

  test('past notAfter: expired', async () => {
    // Prepare
    const { deps, dedup } = prepare();
    // Act
    const result = await processRecord(record({ notAfter: '2024-05-01T11:59:59.999Z' }), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({ outcome: 'expired', dedupKey: undefined, reason: 'past its deadline 2024-05-01T11:59:59.999Z' }),
    });
    assert.deepEqual(dedup.calls, []);
  });

  test('at notAfter exactly: still runs', async () => {
    // Prepare
    const { deps } = prepare();
    // Act
    const result = await processRecord(record({ notAfter: '2024-05-01T12:00:00.000Z' }), deps);
    // Assess
    assert.deepEqual(result, { failed: false, event: expected({ outcome: 'succeeded', ...RAN }) });
  });

  test('notAfter replaces maxAge: a 2-hour-old task with a later notAfter runs', async () => {
    // Prepare
    const { deps } = prepare();
    // Act
    const result = await processRecord(record({ createdAt: '2024-05-01T10:00:00.000Z', notAfter: '2024-05-01T13:00:00.000Z' }), deps);
    // Assess
    assert.deepEqual(result, { failed: false, event: expected({ outcome: 'succeeded', ...RAN, latencyMs: 7_200_250 }) });
  });
});

describe('claim', () => {
  test("claimed: runs once with the parsed envelope, marks done for the lane's window, acknowledged", async () => {
    // Prepare
    const { deps, dedup, runner, sqs } = prepare();
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, { failed: false, event: expected({ outcome: 'succeeded', ...RAN }) });
    assert.deepEqual(dedup.calls, [
      { op: 'claim', key: KEY, ...CLAIM },
      { op: 'markDone', key: KEY, owner: 'msg-1', taskId: 'task-1', windowSeconds: 600 },
    ]);
    assert.deepEqual(
      runner.runs.map((run) => ({ ...run, task: run.task.type })),
      [
        {
          task: 'unit.work',
          lane: 'work',
          attempt: 1,
          envelope: { v: 1, id: 'task-1', type: 'unit.work', tenant: 'acme', createdAt: '2024-05-01T11:59:30.000Z', payload: { n: 1 } },
        },
      ],
    );
    assert.deepEqual(sqs.sent, []);
  });

  test("the dedup key: the envelope's dedupKey, else the type's dedupKey of the payload, always under the tenant", async () => {
    // Prepare
    const { deps, dedup } = prepare();
    // Act
    const fromEnvelope = await processRecord(record({ dedupKey: 'order-7' }), deps);
    const fromType = await processRecord(record({ type: 'unit.keyed', tenant: 'globex', payload: { order: '42' } }), deps);
    // Assess
    assert.equal(fromEnvelope.event.dedupKey, 'acme#unit.work#order-7');
    assert.equal(fromType.event.dedupKey, 'globex#unit.keyed#order-42');
    assert.deepEqual(
      dedup.calls.filter((call) => call.op === 'claim').map((call) => call.key),
      ['acme#unit.work#order-7', 'globex#unit.keyed#order-42'],
    );
  });

  test('done within the window: duplicate, acknowledged, not run', async () => {
    // Prepare
    const { deps, dedup, runner } = prepare({ dedup: { claims: { [KEY]: { kind: 'duplicate' } } } });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, { failed: false, event: expected({ outcome: 'duplicate', reason: 'already done within the dedup window' }) });
    assert.deepEqual(dedup.calls, [{ op: 'claim', key: KEY, ...CLAIM }]);
    assert.deepEqual(runner.runs, []);
  });

  test('another delivery holds a live claim: coalesced, acknowledged, not run', async () => {
    // Prepare
    const { deps, dedup, runner } = prepare({ dedup: { claims: { [KEY]: { kind: 'coalesced', owner: 'msg-0' } } } });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, { failed: false, event: expected({ outcome: 'coalesced', reason: 'in progress by delivery msg-0' }) });
    assert.deepEqual(dedup.calls, [{ op: 'claim', key: KEY, ...CLAIM }]);
    assert.deepEqual(runner.runs, []);
  });

  test('a copy of this same receive holds the lease: retried (failed), not run', async () => {
    // Prepare
    const { deps, dedup, runner } = prepare({ dedup: { claims: { [KEY]: { kind: 'leaseHeld', leaseUntil: T0 + 35_000 } } } });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: true,
      event: expected({
        outcome: 'retried',
        reason: 'claim: LeaseHeldError: a copy of this same receive holds the lease until 2024-05-01T12:00:35.000Z',
      }),
    });
    assert.deepEqual(dedup.calls, [{ op: 'claim', key: KEY, ...CLAIM }]);
    assert.deepEqual(runner.runs, []);
  });

  test('the lease held on the last attempt: dead-lettered as retriesExhausted with the reason', async () => {
    // Prepare
    const { deps, sqs } = prepare({ dedup: { claims: { [KEY]: { kind: 'leaseHeld', leaseUntil: T0 + 35_000 } } } });
    // Act
    const result = await processRecord(record({}, 3), deps);
    // Assess
    const error = 'after 3 attempts: claim: LeaseHeldError: a copy of this same receive holds the lease until 2024-05-01T12:00:35.000Z';
    assert.deepEqual(result, {
      failed: false,
      event: expected({ outcome: 'deadLettered', attempt: 3, reason: `retriesExhausted: ${error}` }),
    });
    assert.deepEqual(sqs.sent, [
      {
        name: 'SendMessageCommand',
        input: { QueueUrl: DLQ_URL, MessageBody: envelopeFactory(), MessageAttributes: letterAttributes('retriesExhausted', '3', error) },
      },
    ]);
  });

  test('the dedup store unreachable: retried (failed), not run', async () => {
    // Prepare
    const { deps, runner } = prepare({ dedup: { claims: { [KEY]: new Error('connect ECONNREFUSED 127.0.0.1:8000') } } });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: true,
      event: expected({ outcome: 'retried', reason: 'claim: Error: connect ECONNREFUSED 127.0.0.1:8000' }),
    });
    assert.deepEqual(runner.runs, []);
  });
});

describe('scheduled singleton', () => {
  const tick = (receiveCount = 1) => record({ type: 'unit.tick', payload: {} }, receiveCount);
  const tickEvent = (fields: Partial<OutcomeEvent> & Pick<OutcomeEvent, 'outcome'>) =>
    expected({ type: 'unit.tick', dedupKey: TICK_KEY, ...fields });

  test('lease free: claims the tick and the lease, runs, gives the lease back, marks the tick done', async () => {
    // Prepare
    const { deps, dedup, runner } = prepare();
    // Act
    const result = await processRecord(tick(), deps);
    // Assess
    assert.deepEqual(result, { failed: false, event: tickEvent({ outcome: 'succeeded', ...RAN }) });
    assert.deepEqual(dedup.calls, [
      { op: 'claim', key: TICK_KEY, ...CLAIM },
      { op: 'claim', key: TICK_LEASE, ...CLAIM },
      { op: 'release', key: TICK_LEASE, owner: 'msg-1' },
      { op: 'markDone', key: TICK_KEY, owner: 'msg-1', taskId: 'task-1', windowSeconds: 600 },
    ]);
    assert.equal(runner.runs.length, 1);
  });

  test('giving the lease back fails: still succeeded (the lease expires on its own)', async () => {
    // Prepare
    const { deps, dedup } = prepare({ dedup: { release: new Error('throttled') } });
    // Act
    const result = await processRecord(tick(), deps);
    // Assess
    assert.deepEqual(result, { failed: false, event: tickEvent({ outcome: 'succeeded', ...RAN }) });
    assert.deepEqual(
      dedup.calls.map((call) => `${call.op} ${call.key}`),
      [`claim ${TICK_KEY}`, `claim ${TICK_LEASE}`, `release ${TICK_LEASE}`, `markDone ${TICK_KEY}`],
    );
  });

  test('the previous run still holds the lease: the tick is marked done and skipped, not run', async () => {
    // Prepare
    const { deps, dedup, runner } = prepare({ dedup: { claims: { [TICK_LEASE]: { kind: 'coalesced', owner: 'msg-0' } } } });
    // Act
    const result = await processRecord(tick(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: tickEvent({ outcome: 'overlapSkipped', reason: 'previous run still holds the singleton lease (coalesced)' }),
    });
    assert.deepEqual(dedup.calls, [
      { op: 'claim', key: TICK_KEY, ...CLAIM },
      { op: 'claim', key: TICK_LEASE, ...CLAIM },
      { op: 'markDone', key: TICK_KEY, owner: 'msg-1', taskId: 'task-1', windowSeconds: 600 },
    ]);
    assert.deepEqual(runner.runs, []);
  });

  test("the lease claim errors: the tick's claim is given back and it is retried (failed), not run", async () => {
    // Prepare
    const { deps, dedup, runner } = prepare({ dedup: { claims: { [TICK_LEASE]: new Error('dynamodb unavailable') } } });
    // Act
    const result = await processRecord(tick(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: true,
      event: tickEvent({ outcome: 'retried', reason: 'singleton lease: Error: dynamodb unavailable' }),
    });
    assert.deepEqual(dedup.calls, [
      { op: 'claim', key: TICK_KEY, ...CLAIM },
      { op: 'claim', key: TICK_LEASE, ...CLAIM },
      { op: 'release', key: TICK_KEY, owner: 'msg-1' },
    ]);
    assert.deepEqual(runner.runs, []);
  });

  test("the lease claim errors and giving the tick's claim back fails too: still retried with the lease's reason", async () => {
    // Prepare
    const { deps, dedup } = prepare({
      dedup: { claims: { [TICK_LEASE]: new Error('dynamodb unavailable') }, release: new Error('throttled') },
    });
    // Act
    const result = await processRecord(tick(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: true,
      event: tickEvent({ outcome: 'retried', reason: 'singleton lease: Error: dynamodb unavailable' }),
    });
    assert.deepEqual(dedup.calls.at(-1), { op: 'release', key: TICK_KEY, owner: 'msg-1' });
  });

  test('the lease claim errors on the last attempt: dead-lettered as retriesExhausted', async () => {
    // Prepare
    const { deps, sqs } = prepare({ dedup: { claims: { [TICK_LEASE]: new Error('dynamodb unavailable') } } });
    // Act
    const result = await processRecord(tick(3), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: tickEvent({
        outcome: 'deadLettered',
        attempt: 3,
        reason: 'retriesExhausted: after 3 attempts: singleton lease: Error: dynamodb unavailable',
      }),
    });
    assert.deepEqual(sqs.sent[0]?.input.MessageAttributes['tasklanes-error'], {
      DataType: 'String',
      StringValue: 'after 3 attempts: singleton lease: Error: dynamodb unavailable',
    });
  });

  test('the lease is held and marking the tick done fails: the claim is given back and it is retried', async () => {
    // Prepare
    const { deps, dedup } = prepare({
      dedup: { claims: { [TICK_LEASE]: { kind: 'leaseHeld', leaseUntil: T0 } }, markDone: new Error('throttled') },
    });
    // Act
    const result = await processRecord(tick(), deps);
    // Assess
    assert.deepEqual(result, { failed: true, event: tickEvent({ outcome: 'retried', reason: 'singleton lease: Error: throttled' }) });
    assert.deepEqual(
      dedup.calls.map((call) => `${call.op} ${call.key}`),
      [`claim ${TICK_KEY}`, `claim ${TICK_LEASE}`, `markDone ${TICK_KEY}`, `release ${TICK_KEY}`],
    );
  });
});

describe('settle after the run', () => {
  test('the done mark failing: still succeeded and acknowledged (the work ran), with the reason', async () => {
    // Prepare
    const { deps, dedup, sqs } = prepare({ dedup: { markDone: new Error('ProvisionedThroughputExceeded') } });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({ outcome: 'succeeded', ...RAN, reason: 'ran, but marking done failed: Error: ProvisionedThroughputExceeded' }),
    });
    assert.deepEqual(
      dedup.calls.map((call) => call.op),
      ['claim', 'markDone'],
    );
    assert.deepEqual(sqs.sent, []);
  });

  test('a retryable failure: the claim is given back, retried (failed)', async () => {
    // Prepare
    const { deps, dedup, sqs } = prepare({ throws: new Error('smtp 451') });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, { failed: true, event: expected({ outcome: 'retried', ...RAN, reason: 'Error: smtp 451' }) });
    assert.deepEqual(dedup.calls, [
      { op: 'claim', key: KEY, ...CLAIM },
      { op: 'release', key: KEY, owner: 'msg-1' },
    ]);
    assert.deepEqual(sqs.sent, []);
  });

  test('a retryable failure whose claim cannot be given back: still retried (the lease expires on its own)', async () => {
    // Prepare
    const { deps, dedup } = prepare({ throws: new Error('smtp 451'), dedup: { release: new Error('throttled') } });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, { failed: true, event: expected({ outcome: 'retried', ...RAN, reason: 'Error: smtp 451' }) });
    assert.deepEqual(
      dedup.calls.map((call) => call.op),
      ['claim', 'release'],
    );
  });

  test('a thrown value that is not an Error: its text is the reason', async () => {
    // Prepare
    const { deps } = prepare({ throws: 'gave up' });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, { failed: true, event: expected({ outcome: 'retried', ...RAN, reason: 'gave up' }) });
  });

  test('a retryable failure on the last attempt: dead-lettered as retriesExhausted, at the time it failed', async () => {
    // Prepare
    const { deps, sqs } = prepare({ throws: new Error('smtp 451') });
    // Act
    const result = await processRecord(record({}, 3), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({ outcome: 'deadLettered', ...RAN, attempt: 3, reason: 'retriesExhausted: after 3 attempts: Error: smtp 451' }),
    });
    assert.deepEqual(
      sqs.sent[0]?.input.MessageAttributes,
      letterAttributes('retriesExhausted', '3', 'after 3 attempts: Error: smtp 451', '2024-05-01T12:00:00.250Z'),
    );
  });

  test('a permanent failure: dead-lettered at once, on the first attempt', async () => {
    // Prepare
    const { deps, dedup, sqs } = prepare({ throws: new PermanentError('the subscriber rejected this task') });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({ outcome: 'deadLettered', ...RAN, reason: 'permanent: PermanentError: the subscriber rejected this task' }),
    });
    assert.deepEqual(
      dedup.calls.map((call) => call.op),
      ['claim', 'release'],
    );
    assert.deepEqual(sqs.sent[0]?.input.MessageAttributes['tasklanes-reason'], { DataType: 'String', StringValue: 'permanent' });
  });

  test('a permanent failure whose DLQ send fails: redelivered instead (failed), the reason says both', async () => {
    // Prepare
    const { deps, sqs } = prepare({ throws: new PermanentError('the subscriber rejected this task') });
    sqs.failWith(new Error('socket hang up'));
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: true,
      event: expected({
        outcome: 'retried',
        ...RAN,
        reason: 'permanent: PermanentError: the subscriber rejected this task; DLQ send failed: Error: socket hang up',
      }),
    });
  });

  test('a timeout: retried (failed) and counted as timed out', async () => {
    // Prepare
    const { deps } = prepare({ throws: new TaskTimeoutError(5) });
    // Act
    const result = await processRecord(record(), deps);
    // Assess
    assert.deepEqual(result, {
      failed: true,
      event: expected({ outcome: 'retried', ...RAN, timedOut: true, reason: 'TaskTimeoutError: task did not finish within 5s' }),
    });
  });

  test('a timeout on the last attempt: dead-lettered, still counted as timed out', async () => {
    // Prepare
    const { deps } = prepare({ throws: new TaskTimeoutError(5) });
    // Act
    const result = await processRecord(record({}, 3), deps);
    // Assess
    assert.deepEqual(result, {
      failed: false,
      event: expected({
        outcome: 'deadLettered',
        ...RAN,
        attempt: 3,
        timedOut: true,
        reason: 'retriesExhausted: after 3 attempts: TaskTimeoutError: task did not finish within 5s',
      }),
    });
  });

  test('a timeout on the last attempt whose DLQ send fails: redelivered, still counted as timed out', async () => {
    // Prepare
    const { deps, sqs } = prepare({ throws: new TaskTimeoutError(5) });
    sqs.failWith(new Error('socket hang up'));
    // Act
    const result = await processRecord(record({}, 3), deps);
    // Assess
    assert.deepEqual(result, {
      failed: true,
      event: expected({
        outcome: 'retried',
        ...RAN,
        attempt: 3,
        timedOut: true,
        reason:
          'retriesExhausted: after 3 attempts: TaskTimeoutError: task did not finish within 5s; DLQ send failed: Error: socket hang up',
      }),
    });
  });
});
