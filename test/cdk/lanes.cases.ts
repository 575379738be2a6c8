/** Every lane of the definition has its queue, DLQ, consumer and event source, with numbers from the definition. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { definition } from '../../demo/definition.ts';
import { DEDUP_TABLE_SCHEMA, ENV, DEFAULT_METRICS_NAMESPACE } from '../../src/definition/environment.ts';
import { QUEUE_RETENTION_SECONDS, VISIBILITY_TIMEOUT_FACTOR } from '../../src/definition/limits.ts';
import { consumerTimeoutSeconds, visibilityTimeoutSeconds } from '../../src/definition/timeouts.ts';
import { DEFAULT_OPTIONS } from '../../src/cdk/options.ts';
import { arnOf, countByType, logicalId, resource, synthesize } from './support.ts';

// The project runs on the `node` devDependency; the Lambda runtime must be the same major.
const PROJECT_NODE_MAJOR = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).devDependencies.node as string
).match(/\d+/)![0];

// Bundled: the test of one asset for every consumer means the bundle.
const { stack, template } = synthesize({}, undefined, { bundle: true });
const lanes = definition.lanes.map((lane) => ({
  lane,
  built: stack.tasklanes.lanes.find((built) => built.definition.name === lane.name)!,
}));

test('one set of lane resources per lane of the definition', () => {
  const n = definition.lanes.length;
  assert.deepEqual(
    stack.tasklanes.lanes.map((lane) => lane.definition.name),
    definition.lanes.map((lane) => lane.name),
  );
  const counts = countByType(template);
  assert.equal(counts['AWS::SQS::Queue'], 2 * n);
  assert.equal(counts['AWS::SQS::QueuePolicy'], 2 * n);
  assert.equal(counts['AWS::Lambda::Function'], n);
  assert.equal(counts['AWS::Lambda::EventSourceMapping'], n);
  assert.equal(counts['AWS::Logs::LogGroup'], n);
});

for (const { lane, built } of lanes) {
  describe(`lane ${lane.name}`, () => {
    const consumerTimeout = consumerTimeoutSeconds(definition, lane.name);

    test('queue: SSE, 14-day retention, visibility timeout >= 6x the consumer timeout, redrive to its DLQ after maxReceiveCount', () => {
      const queue = resource(template, built.queue);
      assert.equal(queue.Properties.SqsManagedSseEnabled, true);
      assert.equal(queue.Properties.MessageRetentionPeriod, QUEUE_RETENTION_SECONDS);
      assert.equal(queue.Properties.VisibilityTimeout, visibilityTimeoutSeconds(definition, lane.name));
      assert.ok(queue.Properties.VisibilityTimeout >= VISIBILITY_TIMEOUT_FACTOR * consumerTimeout);
      assert.deepEqual(queue.Properties.RedrivePolicy, {
        deadLetterTargetArn: arnOf(built.deadLetterQueue),
        maxReceiveCount: lane.maxReceiveCount,
      });
    });

    test('DLQ: SSE, 14-day retention, accepts dead letters from its own lane queue only', () => {
      const dlq = resource(template, built.deadLetterQueue);
      assert.equal(dlq.Properties.SqsManagedSseEnabled, true);
      assert.equal(dlq.Properties.MessageRetentionPeriod, QUEUE_RETENTION_SECONDS);
      assert.equal(QUEUE_RETENTION_SECONDS, 14 * 24 * 3600);
      // Every task type's max age fits in it: a stalled lane expires its tasks, SQS never drops them unseen.
      for (const task of definition.tasksOf(lane.name)) assert.ok(task.maxAgeSeconds <= QUEUE_RETENTION_SECONDS, task.type);
      assert.equal(dlq.Properties.RedriveAllowPolicy.redrivePermission, 'byQueue');
      const [source] = dlq.Properties.RedriveAllowPolicy.sourceQueueArns;
      assert.equal(dlq.Properties.RedriveAllowPolicy.sourceQueueArns.length, 1);
      // The source ARN is built from the queue's name (a reference would be a dependency cycle).
      const queueName = resource(template, built.queue).Properties.QueueName;
      assert.match(JSON.stringify(source), new RegExp(`:${queueName}"\\]\\]}$`));
    });

    test('queue and DLQ deny every request without TLS', () => {
      for (const queue of [built.queue, built.deadLetterQueue]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: logicalId(queue) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                Resource: arnOf(queue),
              }),
            ]),
          },
        });
      }
    });

    test("consumer: Node 24 on arm64, timeout from the lane's longest task plus margin, lane environment", () => {
      const fn = resource(template, built.consumer);
      assert.equal(fn.Properties.Runtime, `nodejs${PROJECT_NODE_MAJOR}.x`);
      assert.deepEqual(fn.Properties.Architectures, ['arm64']);
      assert.equal(fn.Properties.Handler, 'index.handler');
      assert.equal(fn.Properties.Timeout, consumerTimeout);
      assert.ok(consumerTimeout > definition.maxTaskTimeoutSeconds(lane.name));
      assert.equal(fn.Properties.MemorySize, DEFAULT_OPTIONS.consumer.memorySizeMb);
      assert.deepEqual(fn.Properties.Environment.Variables, {
        [ENV.lane]: lane.name,
        [ENV.dlqUrl]: { Ref: logicalId(built.deadLetterQueue) },
        [ENV.dedupTable]: { Ref: logicalId(stack.tasklanes.dedupTable.table) },
        [ENV.metricsNamespace]: DEFAULT_METRICS_NAMESPACE,
        // The lane of sms.send (a rateLimit) sends its deferred copies to its own queue.
        ...(lane.name === 'notifications' ? { [ENV.queueUrl]: { Ref: logicalId(built.queue) } } : {}),
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    test('consumer logs to its own log group with retention', () => {
      const fn = resource(template, built.consumer);
      const logGroup = built.consumer.logGroup;
      assert.deepEqual(fn.Properties.LoggingConfig, { LogGroup: { Ref: logicalId(logGroup) } });
      assert.equal(resource(template, logGroup).Properties.RetentionInDays, DEFAULT_OPTIONS.consumer.logRetention);
    });

    test("event source: batch size, batching window, partial batch responses and maximum concurrency from the definition; the mapping's EventCount metrics on", () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(built.queue),
        FunctionName: { Ref: logicalId(built.consumer) },
        BatchSize: lane.batchSize,
        MaximumBatchingWindowInSeconds: lane.maxBatchingWindowSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: lane.maxConcurrency },
        MetricsConfig: { Metrics: ['EventCount'] },
      });
    });
  });
}

test('every consumer runs the same bundle: one asset, bundled once', () => {
  const codes = stack.tasklanes.lanes.map((lane) => JSON.stringify(resource(template, lane.consumer).Properties.Code));
  assert.equal(new Set(codes).size, 1);
});

test('dedup key schema the runtime writes', () => {
  template.hasResourceProperties('AWS::DynamoDB::Table', {
    KeySchema: [{ AttributeName: DEDUP_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
  });
});
