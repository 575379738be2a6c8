/**
 * The consumer gives up on a batch just before Lambda's timeout: the
 * invocation fails as a whole (every record redelivered) and the sandbox is
 * kept. A batch that finishes in time answers as usual, and a context
 * without a clock only runs the batch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import { lambdaContext } from '../../src/local/lambda-shapes.ts';
import { createLaneConsumer } from '../../src/runtime/consumer.ts';
import { BatchTimeoutError } from '../../src/runtime/errors.ts';
import { envelopeFactory, fakeClock, fakeDynamoDbClient, fakeSqsClient, sqsRecordFactory } from './helpers/factories.ts';

const LANE = 'work';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:tasklanes-work';
/** Lambda's time left when the batch starts: far below the task's own timeout. */
const REMAINING_MS = 50;

function consumerWithTask(handler: () => Promise<void> | void) {
  const definition = createDefinition({
    heartbeats: false,
    lanes: [defineLane(LANE, 'the consumer timeout tests lane', { maxReceiveCount: 3 })],
    tasks: [defineTask({ type: 'unit.work', lane: LANE, schema: z.object({}), handler })],
  });
  const { client: dynamodb } = fakeDynamoDbClient(({ name, input }) =>
    name === 'BatchExecuteStatementCommand' ? { Responses: input.Statements.map(() => ({})) } : {},
  );
  return createLaneConsumer({
    definition,
    lane: LANE,
    dlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/tasklanes-work-dlq',
    dedupTable: 'dedup',
    sqs: fakeSqsClient().client,
    dynamodb,
    logger: new Logger({ serviceName: 'tasklanes-test', logLevel: 'SILENT' }),
    emitMetrics: () => {},
    // The envelopes' fixed createdAt: on the real clock they would be past their age and expire unrun.
    now: fakeClock().now,
  });
}

const context = (remainingMs: number): Context =>
  lambdaContext({ functionName: 'work', queueArn: QUEUE_ARN, deadline: Date.now() + remainingMs, memoryLimitInMB: 1024 });
const event = () => ({ Records: [{ ...sqsRecordFactory(envelopeFactory({ id: 'task-1', payload: {} })), messageId: 'msg-1' }] });

test('a batch still running just before the Lambda timeout fails the invocation with BatchTimeoutError', async () => {
  // Prepare
  let finish = () => {};
  const consumer = consumerWithTask(() => new Promise<void>((resolve) => (finish = resolve)));
  // Act
  const invocation = consumer.handler(event(), context(REMAINING_MS));
  // Assess
  await assert.rejects(invocation, BatchTimeoutError);
  finish();
  await consumer.close();
});

test('a batch that finishes in time answers with its failures, and a context without a clock runs it', async () => {
  // Prepare
  const consumer = consumerWithTask(() => {});
  const { getRemainingTimeInMillis: _clock, ...clockless } = context(REMAINING_MS);
  // Act
  const inTime = await consumer.handler(event(), context(REMAINING_MS));
  const withoutClock = await consumer.handler(event(), clockless as Context);
  await consumer.close();
  // Assess
  assert.deepEqual(inTime, { batchItemFailures: [] });
  assert.deepEqual(withoutClock, { batchItemFailures: [] });
});
