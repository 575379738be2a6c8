/**
 * The consumer's log lines (docs/design.md#outcomes), as its logger writes
 * them: a batch's successes share one compact line (an entry each: id,
 * type, tenant, duration; `attempt` only above 1, `dedupKey` only when it
 * is not the default record key); every other outcome has a line of its
 * own, in full, with the invocation's request id. The Logs Insights queries
 * find a task's entry by the text it is written as. SDK clients answer in
 * process; the clock is fixed, so durations and latencies are written out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod/mini';
import { defineLane } from '../../src/definition/lanes.ts';
import { outcomeQueries } from '../../src/definition/log-queries.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import { lambdaContext } from '../../src/local/lambda-shapes.ts';
import { createLaneConsumer } from '../../src/runtime/consumer.ts';
import { JsonLogger } from '../../src/runtime/logger.ts';
import { succeededLines } from '../../src/definition/success-line.ts';
import { envelopeFactory, fakeClock, fakeDynamoDbClient, fakeSqsClient, sqsRecordFactory } from './helpers/factories.ts';

const LANE = 'work';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:tasklanes-work';
const REQUEST_ID = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef';

const definition = createDefinition({
  heartbeats: false,
  lanes: [defineLane(LANE, 'the consumer log tests lane', { maxReceiveCount: 3 })],
  tasks: [
    defineTask({
      type: 'unit.work',
      lane: LANE,
      schema: z.object({ fail: z.optional(z.boolean()) }),
      handler: (payload) => {
        if (payload.fail) throw new Error('boom');
      },
    }),
  ],
});

/** The lines the consumer's logger writes, as written and parsed. */
function capturedLogger(now: () => number): { logger: JsonLogger; lines: Array<Record<string, unknown>>; raw: string[] } {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const logger = new JsonLogger({
    level: 'INFO',
    now,
    write: (line) => {
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, lines, raw };
}

async function runBatch(records: ReturnType<typeof sqsRecordFactory>[]) {
  const clock = fakeClock();
  const captured = capturedLogger(clock.now);
  const { client: dynamodb } = fakeDynamoDbClient(({ name, input }) =>
    name === 'BatchExecuteStatementCommand' ? { Responses: input.Statements.map(() => ({})) } : {},
  );
  const consumer = createLaneConsumer({
    definition,
    lane: LANE,
    dlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/tasklanes-work-dlq',
    dedupTable: 'dedup',
    sqs: fakeSqsClient().client,
    dynamodb,
    logger: captured.logger,
    emitMetrics: () => {},
    now: clock.now,
  });
  const context = { ...lambdaContext({ functionName: 'work', queueArn: QUEUE_ARN, deadline: Date.now() + 60_000, memoryLimitInMB: 1024 }) };
  context.awsRequestId = REQUEST_ID;
  const response = await consumer.handler({ Records: records }, context);
  await consumer.close();
  return { response, ...captured };
}

/** The fake clock's T0, which never moves here. */
const leading = { timestamp: '2024-05-01T12:00:00.000Z', service: 'tasklanes' };

const retried = {
  level: 'WARN',
  message: 'task retried',
  ...leading,
  lane: LANE,
  type: 'unit.work',
  tenant: 'acme',
  id: 'task-3',
  dedupKey: 'acme#unit.work#task-3',
  outcome: 'retried',
  messageId: 'msg-3',
  attempt: 1,
  durationMs: 0,
  latencyMs: 30_000,
  reason: 'Error: boom',
  requestId: REQUEST_ID,
};

/** What a query searches a success line's raw text for (`@message like "..."`), decoded from its string literals. */
const searchedTexts = (query: string) =>
  [...query.matchAll(/@message like ("(?:[^"\\]|\\.)*")/g)].map(([, literal]) => JSON.parse(literal!) as string);

test("a batch's successes share one compact line; a retry keeps its own line in full, with the request id", async () => {
  // Prepare
  const records = [
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-1' })), messageId: 'msg-1' },
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-2' }), { receiveCount: 2 }), messageId: 'msg-2' },
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-3', payload: { fail: true } })), messageId: 'msg-3' },
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-4', dedupKey: 'order-7' })), messageId: 'msg-4' },
  ];
  // Act
  const { response, lines, raw } = await runBatch(records);
  // Assess
  assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: 'msg-3' }] });
  assert.deepEqual(lines, [
    retried,
    {
      level: 'INFO',
      message: 'tasks succeeded',
      ...leading,
      lane: LANE,
      succeeded: [
        { id: 'task-1', type: 'unit.work', tenant: 'acme', durationMs: 0 },
        { id: 'task-2', type: 'unit.work', tenant: 'acme', durationMs: 0, attempt: 2 },
        { id: 'task-4', type: 'unit.work', tenant: 'acme', durationMs: 0, dedupKey: 'acme#unit.work#order-7' },
      ],
    },
  ]);
  // The text as written, keys in order: what the queries search for.
  const line = raw[1]!;
  assert.equal(
    line,
    '{"level":"INFO","message":"tasks succeeded","timestamp":"2024-05-01T12:00:00.000Z","service":"tasklanes","lane":"work","succeeded":[' +
      '{"id":"task-1","type":"unit.work","tenant":"acme","durationMs":0},' +
      '{"id":"task-2","type":"unit.work","tenant":"acme","durationMs":0,"attempt":2},' +
      '{"id":"task-4","type":"unit.work","tenant":"acme","durationMs":0,"dedupKey":"acme#unit.work#order-7"}]}',
  );
  const found = (query: string) => searchedTexts(query).map((text) => [text, line.includes(text)]);
  assert.deepEqual(found(outcomeQueries.byTask('task-2')), [['"id":"task-2"', true]]);
  assert.deepEqual(found(outcomeQueries.byTask('task-3')), [['"id":"task-3"', false]], 'the retried task has no entry');
  assert.deepEqual(found(outcomeQueries.byTenant('acme')), [['"tenant":"acme"', true]]);
  assert.deepEqual(found(outcomeQueries.byRecordKey('acme#unit.work#task-1')), [
    ['"dedupKey":"acme#unit.work#task-1"', false],
    ['"id":"task-1","type":"unit.work","tenant":"acme"', true],
  ]);
  assert.deepEqual(found(outcomeQueries.byRecordKey('acme#unit.work#order-7')), [
    ['"dedupKey":"acme#unit.work#order-7"', true],
    ['"id":"order-7","type":"unit.work","tenant":"acme"', false],
  ]);
  // Tenants and type names have no "#": the rest of a key is its dedup key, "#" and all; a key of two parts names no default key.
  assert.deepEqual(searchedTexts(outcomeQueries.byRecordKey('acme#unit.work#a#b')), [
    '"dedupKey":"acme#unit.work#a#b"',
    '"id":"a#b","type":"unit.work","tenant":"acme"',
  ]);
  assert.deepEqual(searchedTexts(outcomeQueries.byRecordKey('acme#unit.work')), ['"dedupKey":"acme#unit.work"']);
});

test('a batch without a success writes no success line: a retry and a dead letter in full, with the request id', async () => {
  // Prepare
  const records = [
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-3', payload: { fail: true } })), messageId: 'msg-3' },
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-5', type: 'unit.gone' })), messageId: 'msg-5' },
  ];
  // Act
  const { response, lines } = await runBatch(records);
  // Assess
  assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: 'msg-3' }] });
  assert.deepEqual(lines, [
    retried,
    {
      level: 'ERROR',
      message: 'task deadLettered',
      ...leading,
      lane: LANE,
      type: 'unknown',
      namedType: 'unit.gone',
      outcome: 'deadLettered',
      tenant: 'acme',
      id: 'task-5',
      messageId: 'msg-5',
      attempt: 1,
      durationMs: 0,
      reason: 'invalid: unknown task type "unit.gone"',
      requestId: REQUEST_ID,
    },
  ]);
});

test("entries beyond a line's byte budget go on another line; an entry over it alone has a line of its own", () => {
  // Each of these is 49 bytes as written, 50 with its comma: two fill a budget of 100.
  const entry = (id: string) => ({ id, type: 't', tenant: 'x', durationMs: 1 });
  assert.equal(JSON.stringify(entry('a')).length, 49);
  assert.deepEqual(succeededLines([entry('a'), entry('b'), entry('c')], 100), [[entry('a'), entry('b')], [entry('c')]]);
  assert.deepEqual(succeededLines([entry('a'), entry('b')], 10), [[entry('a')], [entry('b')]]);
  assert.deepEqual(succeededLines([]), []);
});
