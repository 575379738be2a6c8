/**
 * `runAt` beyond SQS's 15 minutes, end to end on the local servers: the
 * publisher creates a one-time schedule through the real SchedulerClient on
 * the servers' scheduler endpoint, the endpoint fires it into the lane's
 * queue when its clock reaches the time, the real consumer runs it, and the
 * schedule is gone after it fired. The clock is moved, never waited out:
 * one clock for the publisher, the scheduler endpoint and the consumers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateScheduleCommand, GetScheduleCommand, ResourceNotFoundException, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { shortVisibilitySeconds } from '../../src/definition/timeouts.ts';
import { startLocalConsumers, type LocalConsumers } from '../../src/local/consumers.ts';
import { JsonLogger } from '../../src/runtime/logger.ts';
import { startLocalStack, type LocalStack } from '../../src/local/stack.ts';
import { createSchedulerClient } from '../../src/ops/target/local-clients.ts';
import { Publisher } from '../../src/publisher/index.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import { readExecutions, useFreshExecutionLog } from '../support/execution-log.ts';
import { isOutcome } from '../support/harness.ts';
import { TEST_WORKER_ENTRY, testDefinition } from '../support/test-definition.ts';
import { waitFor } from '../support/wait.ts';

useFreshExecutionLog();

const MINUTE = 60_000;
let offsetMs = 0;
/** Real time plus what the test has moved it by. */
const clock = () => Date.now() + offsetMs;

let stack: LocalStack;
let consumers: LocalConsumers;
let scheduler: SchedulerClient;
let publisher: Publisher;
const outcomes: OutcomeEvent[] = [];

before(async () => {
  stack = await startLocalStack({
    definition: testDefinition,
    stateFile: false,
    servers: { schedulerNow: clock },
    provision: { visibilityTimeoutSeconds: (lane) => shortVisibilitySeconds(testDefinition, lane) },
    poller: { waitTimeSeconds: 1 },
    log: { warn: () => {}, error: () => {} },
  });
  consumers = startLocalConsumers(stack, {
    workerEntry: TEST_WORKER_ENTRY,
    onOutcome: (event) => outcomes.push(event),
    now: clock,
    logger: new JsonLogger({ level: 'SILENT' }),
  });
  scheduler = createSchedulerClient(stack.servers.schedulerEndpoint, stack.servers.region);
  publisher = new Publisher({
    definition: testDefinition,
    sqs: stack.clients.sqs,
    queueUrls: stack.queueUrls,
    scheduler,
    scheduleGroup: stack.servers.scheduleGroup,
    schedulerRoleArn: stack.servers.schedulerRoleArn,
    now: clock,
  });
});

after(async () => {
  await consumers?.stop();
  scheduler?.destroy();
  await stack?.stop();
});

const waitForOutcome = (id: string, outcome: OutcomeEvent['outcome']) =>
  waitFor(() => outcomes.find(isOutcome(id, outcome)), { description: `${outcome} outcome of ${id}` });

const getSchedule = (name: string) => scheduler.send(new GetScheduleCommand({ Name: name, GroupName: 'tasklanes' }));

describe('runAt beyond 15 minutes', () => {
  test('becomes a one-time schedule with the v1 envelope, fires when its time comes, runs, and is deleted', async () => {
    const id = randomUUID();
    const createdAt = new Date(clock()).toISOString();
    const runAt = new Date(clock() + 16 * MINUTE);
    const notAfter = new Date(clock() + 60 * MINUTE).toISOString();
    const published = await publisher.publish('test.ok', { n: 7 }, { tenant: 'acme', id, createdAt, notAfter, runAt });
    assert.deepEqual(published, {
      id,
      lane: 'fast',
      messageId: '',
      scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/tasklanes/${id}`,
    });

    const schedule = await getSchedule(id);
    assert.equal(schedule.ScheduleExpression, `at(${new Date(Math.ceil(runAt.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`);
    assert.equal(schedule.ScheduleExpressionTimezone, 'UTC');
    assert.deepEqual(schedule.FlexibleTimeWindow, { Mode: 'OFF' });
    assert.equal(schedule.ActionAfterCompletion, 'DELETE');
    assert.equal(schedule.Target?.Arn, 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage');
    assert.equal(schedule.Target?.RoleArn, 'arn:aws:iam::123456789012:role/tasklanes-scheduler');
    assert.deepEqual(schedule.Target?.DeadLetterConfig, { Arn: 'arn:aws:sqs:us-east-1:123456789012:tasklanes-fast-dlq' });
    // 44 minutes from runAt to the deadline, rounded down to whole seconds.
    assert.ok([2640, 2639].includes(schedule.Target!.RetryPolicy!.MaximumEventAgeInSeconds!));
    assert.deepEqual(JSON.parse(schedule.Target!.Input!), {
      QueueUrl: stack.queueUrls.fast,
      MessageGroupId: 'acme',
      MessageBody: JSON.stringify({ v: 1, id, type: 'test.ok', tenant: 'acme', createdAt, notAfter, payload: { n: 7 } }),
    });

    // Not yet due: nothing is sent.
    await stack.servers.scheduler.fireDue();
    assert.equal((await getSchedule(id)).Name, id);
    assert.equal(
      outcomes.some((event) => event.id === id),
      false,
    );

    offsetMs += 16 * MINUTE + 1000;
    await stack.servers.scheduler.fireDue();
    await assert.rejects(() => getSchedule(id), ResourceNotFoundException);
    await waitForOutcome(id, 'succeeded');
    assert.equal(readExecutions().filter((run) => run.id === id && run.phase === 'completed').length, 1);
  });

  test('a task whose deadline passes before its schedule fires is expired by the consumer, never run', async () => {
    const id = randomUUID();
    await publisher.publish(
      'test.ok',
      {},
      { tenant: 'acme', id, runAt: new Date(clock() + 16 * MINUTE), notAfter: new Date(clock() + 17 * MINUTE) },
    );
    // The schedule fires late (as a stopped scheduler would on its return): the deadline has passed.
    offsetMs += 18 * MINUTE;
    await stack.servers.scheduler.fireDue();
    const outcome = await waitForOutcome(id, 'expired');
    assert.match(outcome.reason!, /past its deadline/);
    assert.deepEqual(
      readExecutions().filter((run) => run.id === id),
      [],
      'the handler never ran',
    );
  });

  test('publishBatch: an entry beyond 15 minutes becomes its own schedule, the others go to SQS as ever', async () => {
    const [later, now] = [randomUUID(), randomUUID()];
    const notAfter = new Date(clock() + 60 * MINUTE);
    const { successful, failed } = await publisher.publishBatch([
      { type: 'test.ok', payload: {}, options: { tenant: 'acme', id: later, notAfter, runAt: new Date(clock() + 20 * MINUTE) } },
      { type: 'test.ok', payload: {}, options: { tenant: 'acme', id: now, runAt: new Date(clock() + 1000) } },
    ]);
    assert.deepEqual(failed, []);
    assert.deepEqual(
      successful.map((s) => [s.index, s.id, s.scheduleArn]),
      [
        [0, later, `arn:aws:scheduler:us-east-1:123456789012:schedule/tasklanes/${later}`],
        [1, now, undefined],
      ],
    );
    await waitForOutcome(now, 'succeeded');
    assert.equal((await getSchedule(later)).Name, later);
    offsetMs += 20 * MINUTE;
    await stack.servers.scheduler.fireDue();
    await waitForOutcome(later, 'succeeded');
  });

  test('the raw equivalent: a CreateSchedule an app sends without the typed publisher runs the same way', async () => {
    const id = randomUUID();
    const body = JSON.stringify({ v: 1, id, type: 'test.ok', tenant: 'acme', createdAt: new Date(clock()).toISOString(), payload: {} });
    const at = new Date(clock() + 30 * MINUTE).toISOString().slice(0, 19);
    await scheduler.send(
      new CreateScheduleCommand({
        Name: id,
        GroupName: 'tasklanes',
        ScheduleExpression: `at(${at})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage',
          RoleArn: 'arn:aws:iam::123456789012:role/tasklanes-scheduler',
          Input: JSON.stringify({ QueueUrl: stack.queueUrls.fast, MessageBody: body, MessageGroupId: 'acme' }),
          DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:tasklanes-fast-dlq' },
        },
      }),
    );
    offsetMs += 30 * MINUTE;
    await stack.servers.scheduler.fireDue();
    await waitForOutcome(id, 'succeeded');
  });

  test('a schedule that cannot send lands in the DeadLetterConfig queue (the lane DLQ), with the error, and is deleted', async () => {
    const id = randomUUID();
    const input = JSON.stringify({ QueueUrl: `${stack.queueUrls.fast}-gone`, MessageBody: '{"v":1}', MessageGroupId: 'acme' });
    await scheduler.send(
      new CreateScheduleCommand({
        Name: id,
        GroupName: 'tasklanes',
        ScheduleExpression: `at(${new Date(clock()).toISOString().slice(0, 19)})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage',
          RoleArn: 'arn:aws:iam::123456789012:role/tasklanes-scheduler',
          Input: input,
          DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:tasklanes-fast-dlq' },
        },
      }),
    );
    const failedBefore = stack.servers.scheduler.counters.deadLettered;
    await stack.servers.scheduler.fireDue();
    assert.equal(stack.servers.scheduler.counters.deadLettered, failedBefore + 1);
    await assert.rejects(() => getSchedule(id), ResourceNotFoundException);
    const letter = await waitFor(
      async () => {
        const { Messages = [] } = await stack.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: stack.resources.lanes.fast!.dlqUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
        );
        return Messages.find((m) => m.MessageAttributes?.SCHEDULE_ARN?.StringValue?.endsWith(`/${id}`));
      },
      { description: 'the dead letter of the schedule' },
    );
    assert.equal(letter.Body, input);
    assert.equal(letter.MessageAttributes?.TARGET_ARN?.StringValue, 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage');
    assert.ok(letter.MessageAttributes?.ERROR_CODE?.StringValue, 'the error is named');
  });

  test('the endpoint refuses what Scheduler refuses: an existing name, an unknown group', async () => {
    const id = randomUUID();
    const create = (group: string) =>
      scheduler.send(
        new CreateScheduleCommand({
          Name: id,
          GroupName: group,
          ScheduleExpression: `at(${new Date(clock() + 60 * MINUTE).toISOString().slice(0, 19)})`,
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage',
            RoleArn: 'arn:aws:iam::123456789012:role/tasklanes-scheduler',
            Input: '{}',
          },
        }),
      );
    await create('tasklanes');
    await assert.rejects(() => create('tasklanes'), { name: 'ConflictException' });
    await assert.rejects(() => create('no-such-group'), { name: 'ResourceNotFoundException' });
  });
});
