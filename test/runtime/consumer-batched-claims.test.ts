/**
 * The consumer on DynamoDB Local, which has PartiQL, so a batch's claims go
 * out together (dedup-batch.ts). One invocation of fresh tasks, repeats of
 * done keys, a key repeated within the batch and a bad body: every record
 * gets its outcome, nothing runs twice, and the batch pays one claim request,
 * one read for the keys it found taken and one request for its done marks.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createLaneConsumer, type LaneConsumer } from '../../src/runtime/consumer.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import { Publisher } from '../../src/publisher/index.ts';
import { createLocalClients, type LocalClients } from '../../src/ops/target/local-clients.ts';
import { lambdaContext, toSqsRecord } from '../../src/local/lambda-shapes.ts';
import { provision } from '../../src/local/provision.ts';
import type { LaneQueues } from '../../src/ops/target/target.ts';
import { startLocalServers, type LocalServers } from '../../src/local/servers.ts';
import { completionsById, readExecutions, useFreshExecutionLog } from '../support/execution-log.ts';
import { recordCommands } from '../support/sent-commands.ts';
import { testDefinition } from '../support/test-definition.ts';

const LANE = 'fast';

let servers: LocalServers | undefined;
let clients: LocalClients;
let queue: LaneQueues;
let consumer: LaneConsumer;
let publisher: Publisher;
let sent: string[];
const outcomes: OutcomeEvent[] = [];

useFreshExecutionLog();
before(async () => {
  servers = await startLocalServers({ dynamodb: 'dynamodb-local' });
  clients = createLocalClients(servers);
  const resources = await provision(testDefinition, clients, { visibilityTimeoutSeconds: 30 });
  queue = resources.lanes[LANE]!;
  sent = recordCommands(clients.dynamodb);
  publisher = new Publisher({ definition: testDefinition, sqs: clients.sqs, queueUrls: { [LANE]: queue.queueUrl } });
  consumer = createLaneConsumer({
    definition: testDefinition,
    lane: LANE,
    dlqUrl: queue.dlqUrl,
    dedupTable: resources.dedupTable,
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    emitMetrics: () => {},
    onOutcome: (event) => outcomes.push(event),
  });
});
after(async () => {
  await consumer?.close();
  clients?.destroy();
  await servers?.stop();
});

/** Receives exactly `count` messages and hands them to the consumer as one Lambda invocation. */
async function invokeWithNext(count: number): Promise<OutcomeEvent[]> {
  const messages: Message[] = [];
  while (messages.length < count) {
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: count - messages.length,
        WaitTimeSeconds: 1,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
  }
  const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, { queueArn: queue.queueArn, region: 'us-east-1' })) };
  const before = outcomes.length;
  const response = await consumer.handler(
    event,
    lambdaContext({ functionName: 'test', queueArn: queue.queueArn, deadline: Date.now() + 60_000, memoryLimitInMB: 1024 }),
  );
  assert.deepEqual(response.batchItemFailures, []);
  return outcomes.slice(before);
}

const outcomeOf = (events: readonly OutcomeEvent[], id: string) => events.filter((event) => event.id === id).map((event) => event.outcome);

test('a batch on DynamoDB Local: every outcome right, one claim request, nothing run twice', async () => {
  const run = randomUUID();
  const key = (name: string) => `${run}-${name}`;
  const publish = (dedupKey: string) => publisher.publish('test.ok', {}, { tenant: 'acme', dedupKey });

  // First invocation: ten fresh keys.
  const first = await Promise.all(Array.from({ length: 10 }, (_, n) => publish(key(`k${n}`))));
  sent.length = 0;
  const firstEvents = await invokeWithNext(10);
  for (const { id } of first) assert.deepEqual(outcomeOf(firstEvents, id), ['succeeded']);
  assert.deepEqual(sent, ['BatchExecuteStatementCommand', 'BatchWriteItemCommand']);

  // Second invocation: three repeats of done keys, one key twice, four fresh keys, one bad body.
  const repeats = await Promise.all([0, 1, 2].map((n) => publish(key(`k${n}`))));
  const twice = [await publish(key('twice')), await publish(key('twice'))];
  const fresh = await Promise.all([0, 1, 2, 3].map((n) => publish(key(`fresh${n}`))));
  await clients.sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: '{"v":1,"not":"a task"' }));
  sent.length = 0;
  const secondEvents = await invokeWithNext(10);

  for (const { id } of repeats) assert.deepEqual(outcomeOf(secondEvents, id), ['duplicate']);
  // The earlier of the two runs; the later, claimed after it, finds it running (coalesced) or, if its
  // done mark was quicker, done (duplicate): acknowledged either way, never run.
  const [earlier, later] = twice.map(({ id }) => outcomeOf(secondEvents, id));
  assert.deepEqual(earlier, ['succeeded']);
  assert.ok(['coalesced', 'duplicate'].includes(later![0]!), `the repeat was ${later}`);
  for (const { id } of fresh) assert.deepEqual(outcomeOf(secondEvents, id), ['succeeded']);
  assert.deepEqual(
    secondEvents.filter((event) => event.outcome === 'deadLettered').map((event) => event.reason?.split(':')[0]),
    ['invalid'],
  );
  // Eight distinct keys in one batch, the three found done read back at once, the repeated key's
  // second claim alone after it, and the five done marks together.
  assert.deepEqual(sent.sort(), ['BatchExecuteStatementCommand', 'BatchGetItemCommand', 'BatchWriteItemCommand', 'PutItemCommand']);

  const completions = completionsById(readExecutions());
  for (const { id } of [...first, ...fresh]) assert.equal(completions.get(id), 1);
  for (const { id } of repeats) assert.equal(completions.get(id), undefined);
  assert.equal(
    twice.reduce((runs, { id }) => runs + (completions.get(id) ?? 0), 0),
    1,
  );
});
