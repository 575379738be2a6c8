/**
 * The consumer's log line per task (docs/design.md#outcomes), as Powertools
 * writes it: a success is compact (what finds it again and its duration,
 * `attempt` only above 1, no latency, no request id); every other outcome is
 * logged in full with the invocation's request id. SDK clients answer in
 * process; the clock is fixed, so durations and latencies are written out.
 */
import assert from 'node:assert/strict';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import { lambdaContext } from '../../src/local/lambda-shapes.ts';
import { createLaneConsumer } from '../../src/runtime/consumer.ts';
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

/** The lines a Powertools Logger writes, parsed, without the timestamp (the real clock's). */
function capturedLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      const { timestamp: _timestamp, ...line } = JSON.parse(chunk.toString()) as Record<string, unknown>;
      lines.push(line);
      callback();
    },
  });
  const logger = new Logger({ serviceName: 'tasklanes' });
  // Powertools offers no option for another stream (as bench/log-sink.ts does).
  (logger as unknown as { console: Console }).console = new Console({ stdout: stream, stderr: stream });
  return { logger, lines };
}

test('a success is logged compact; a retry and a dead letter in full, with the request id', async () => {
  // Prepare
  const { logger, lines } = capturedLogger();
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
    logger,
    emitMetrics: () => {},
    now: fakeClock().now,
  });
  const records = [
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-1' })), messageId: 'msg-1' },
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-2' }), { receiveCount: 2 }), messageId: 'msg-2' },
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-3', payload: { fail: true } })), messageId: 'msg-3' },
    { ...sqsRecordFactory(envelopeFactory({ id: 'task-4', type: 'unit.gone' })), messageId: 'msg-4' },
  ];
  const context = { ...lambdaContext({ functionName: 'work', queueArn: QUEUE_ARN, deadline: Date.now() + 60_000, memoryLimitInMB: 1024 }) };
  context.awsRequestId = REQUEST_ID;
  // Act
  const response = await consumer.handler({ Records: records }, context);
  await consumer.close();
  // Assess
  assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: 'msg-3' }] });
  const powertools = { service: 'tasklanes', sampling_rate: 0 };
  const task = (id: string) => ({ lane: LANE, type: 'unit.work', tenant: 'acme', id, dedupKey: `acme#unit.work#${id}` });
  assert.deepEqual(lines, [
    { level: 'INFO', message: 'task succeeded', ...powertools, ...task('task-1'), outcome: 'succeeded', messageId: 'msg-1', durationMs: 0 },
    {
      level: 'INFO',
      message: 'task succeeded',
      ...powertools,
      ...task('task-2'),
      outcome: 'succeeded',
      messageId: 'msg-2',
      attempt: 2,
      durationMs: 0,
    },
    {
      level: 'WARN',
      message: 'task retried',
      ...powertools,
      ...task('task-3'),
      outcome: 'retried',
      messageId: 'msg-3',
      attempt: 1,
      durationMs: 0,
      latencyMs: 30_000,
      reason: 'Error: boom',
      requestId: REQUEST_ID,
    },
    {
      level: 'ERROR',
      message: 'task deadLettered',
      ...powertools,
      lane: LANE,
      type: 'unknown',
      namedType: 'unit.gone',
      outcome: 'deadLettered',
      tenant: 'acme',
      id: 'task-4',
      messageId: 'msg-4',
      attempt: 1,
      durationMs: 0,
      reason: 'invalid: unknown task type "unit.gone"',
      requestId: REQUEST_ID,
    },
  ]);
});
