/**
 * The publisher's choice for `runAt`, with fake SQS and Scheduler clients:
 * within 15 minutes a DelaySeconds send, beyond them a CreateSchedule whose
 * input is written out here field by field; and every refusal before any call.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  ConflictingDelayError,
  DeliveryAfterDeadlineError,
  MessageTooLargeError,
  MissingSchedulerConfigError,
  Publisher,
  type PublisherOptions,
} from '../../src/publisher/index.ts';
import { testDefinition } from '../support/test-definition.ts';

const NOW = Date.parse('2026-12-02T12:00:00.000Z');
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/Tasklanes-fast';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/Tasklanes-ScheduledDeliveryRole-ABC';
const GROUP = 'Tasklanes-ScheduledDelivery-Group-B19D7CC4';
const ID = '0b6f3f0e-6a47-4c1e-9d35-2f8a1c3e5d7b';
const CREATED_AT = '2026-12-02T12:00:00.000Z';
const NOT_AFTER = '2026-12-03T12:00:00.000Z';

interface Sent {
  readonly client: 'sqs' | 'scheduler';
  readonly command: string;
  readonly input: Record<string, any>;
}

function fakes(
  schedulerAnswer: () => Promise<unknown> = async () => ({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:111122223333:schedule/g/n' }),
) {
  const sent: Sent[] = [];
  const client = (name: Sent['client'], answer: (input: Record<string, any>) => Promise<unknown>) => ({
    config: { region: async () => 'eu-west-1' },
    send: async (command: { constructor: { name: string }; input: Record<string, any> }) => {
      sent.push({ client: name, command: command.constructor.name, input: command.input });
      return answer(command.input);
    },
  });
  return {
    sent,
    sqs: client('sqs', async (input) => ({
      MessageId: 'm-1',
      Successful: input.Entries?.map((entry: { Id: string }) => ({ Id: entry.Id, MessageId: 'm-1' })),
      Failed: [],
    })) as unknown as SQSClient,
    scheduler: client('scheduler', schedulerAnswer) as unknown as SchedulerClient,
  };
}

function publisherWith(f: ReturnType<typeof fakes>, overrides: Partial<PublisherOptions> = {}, queueUrl = QUEUE_URL) {
  return new Publisher({
    definition: testDefinition,
    sqs: f.sqs,
    scheduler: f.scheduler,
    queueUrls: { fast: queueUrl, slow: queueUrl, isolated: queueUrl },
    scheduleGroup: GROUP,
    schedulerRoleArn: ROLE_ARN,
    now: () => NOW,
    ...overrides,
  });
}

const options = (runAt: string, extra: Record<string, unknown> = {}) => ({
  tenant: 'acme',
  id: ID,
  createdAt: CREATED_AT,
  notAfter: NOT_AFTER,
  runAt,
  ...extra,
});

describe('runAt within SQS reach: DelaySeconds', () => {
  test('5.2 s ahead: DelaySeconds 6 (rounded up, never early), no schedule', async () => {
    const f = fakes();
    await publisherWith(f).publish('test.ok', {}, options('2026-12-02T12:00:05.200Z'));
    assert.deepEqual(
      f.sent.map((s) => [s.client, s.command, s.input.DelaySeconds]),
      [['sqs', 'SendMessageCommand', 6]],
    );
  });

  test('exactly 900 s ahead: DelaySeconds 900', async () => {
    const f = fakes();
    await publisherWith(f).publish('test.ok', {}, options('2026-12-02T12:15:00.000Z'));
    assert.deepEqual(
      f.sent.map((s) => [s.client, s.input.DelaySeconds]),
      [['sqs', 900]],
    );
  });

  test('in the past: sent at once, without DelaySeconds', async () => {
    const f = fakes();
    await publisherWith(f).publish('test.ok', {}, options('2026-12-02T11:00:00.000Z'));
    assert.deepEqual(
      f.sent.map((s) => [s.client, s.input.DelaySeconds]),
      [['sqs', undefined]],
    );
  });
});

describe('runAt beyond 900 s: a one-time schedule', () => {
  test('900.5 s ahead: CreateSchedule, nothing to SQS; the input written out', async () => {
    const f = fakes();
    const published = await publisherWith(f).publish('test.ok', { n: 1 }, options('2026-12-02T12:15:00.500Z'));
    assert.deepEqual(published, {
      id: ID,
      lane: 'fast',
      messageId: '',
      scheduleArn: 'arn:aws:scheduler:eu-west-1:111122223333:schedule/g/n',
    });
    assert.deepEqual(f.sent, [
      {
        client: 'scheduler',
        command: 'CreateScheduleCommand',
        input: {
          Name: ID,
          GroupName: GROUP,
          Description: `tasklanes: task ${ID} (test.ok) into lane fast`,
          ScheduleExpression: 'at(2026-12-02T12:15:01)',
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage',
            RoleArn: ROLE_ARN,
            Input: JSON.stringify({
              QueueUrl: QUEUE_URL,
              MessageBody: `{"v":1,"id":"${ID}","type":"test.ok","tenant":"acme","createdAt":"${CREATED_AT}","notAfter":"${NOT_AFTER}","payload":{"n":1}}`,
              MessageGroupId: 'acme',
            }),
            // From 12:15:00.5 to the deadline 24 h after 12:00: 85,499 s, under Scheduler's 86,400 s cap.
            RetryPolicy: { MaximumEventAgeInSeconds: 85499, MaximumRetryAttempts: 185 },
            DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:111122223333:Tasklanes-fast-dlq' },
          },
        },
      },
    ]);
  });

  test("retries end at the deadline, within Scheduler's 60 s to 24 h", async () => {
    const f = fakes();
    await publisherWith(f).publish('test.ok', {}, options('2026-12-02T13:00:00.000Z', { notAfter: '2026-12-02T13:00:30.000Z' }));
    await publisherWith(f).publish('test.ok', {}, options('2026-12-02T13:00:00.000Z', { notAfter: '2026-12-02T13:20:00.000Z' }));
    await publisherWith(f).publish('test.ok', {}, options('2026-12-02T13:00:00.000Z', { notAfter: '2026-12-05T13:00:00.000Z' }));
    assert.deepEqual(
      f.sent.map((s) => s.input.Target.RetryPolicy.MaximumEventAgeInSeconds),
      [60, 1200, 86400],
    );
  });

  test('a task id that is no schedule name is named by its SHA-256', async () => {
    const f = fakes();
    await publisherWith(f).publish('test.ok', {}, options('2026-12-02T13:00:00.000Z', { id: 'order 42/ä' }));
    // printf 'order 42/ä' | sha256sum
    assert.equal(f.sent[0]!.input.Name, '0d13ae451e420539dd4d3304a45125482552b2d5d0c0acde887cb6465953db7f');
  });

  test('a queue in the China partition: the universal target and DLQ in aws-cn', async () => {
    const f = fakes();
    const cnQueue = 'https://sqs.cn-north-1.amazonaws.com.cn/111122223333/Tasklanes-fast';
    await publisherWith(f, {}, cnQueue).publish('test.ok', {}, options('2026-12-02T13:00:00.000Z'));
    assert.equal(f.sent[0]!.input.Target.Arn, 'arn:aws-cn:scheduler:::aws-sdk:sqs:sendMessage');
    assert.deepEqual(f.sent[0]!.input.Target.DeadLetterConfig, { Arn: 'arn:aws-cn:sqs:cn-north-1:111122223333:Tasklanes-fast-dlq' });
  });

  test('publishBatch: a schedule Scheduler refuses is a failed entry with its error name; the SQS entry is sent', async () => {
    const conflict = Object.assign(new Error('Schedule exists'), { name: 'ConflictException', $fault: 'client' });
    const f = fakes(async () => {
      throw conflict;
    });
    const { successful, failed } = await publisherWith(f).publishBatch([
      { type: 'test.ok', payload: {}, options: options('2026-12-02T13:00:00.000Z') },
      { type: 'test.ok', payload: {}, options: { tenant: 'acme' } },
    ]);
    assert.deepEqual(
      failed.map((e) => [e.index, e.code, e.message, e.senderFault]),
      [[0, 'ConflictException', 'Schedule exists', true]],
    );
    assert.deepEqual(
      successful.map((s) => [s.index, s.messageId]),
      [[1, 'm-1']],
    );
  });
});

describe('refused before any call', () => {
  test('runAt with delaySeconds: ConflictingDelayError', async () => {
    const f = fakes();
    await assert.rejects(
      () => publisherWith(f).publish('test.ok', {}, options('2026-12-02T13:00:00.000Z', { delaySeconds: 10 })),
      ConflictingDelayError,
    );
    assert.deepEqual(f.sent, []);
  });

  test('runAt at the deadline, beyond and within 15 minutes: DeliveryAfterDeadlineError naming both times', async () => {
    const f = fakes();
    for (const at of ['2026-12-02T13:00:00.000Z', '2026-12-02T12:10:00.000Z']) {
      await assert.rejects(
        () => publisherWith(f).publish('test.ok', {}, options(at, { notAfter: at })),
        (error) =>
          error instanceof DeliveryAfterDeadlineError && error.deadline.toISOString() === at && error.deliverAt.getTime() >= Date.parse(at),
      );
    }
    assert.deepEqual(f.sent, []);
  });

  test('no schedule group or role: MissingSchedulerConfigError, naming the options and the variables', async () => {
    const f = fakes();
    await assert.rejects(
      () => publisherWith(f, { scheduleGroup: undefined }).publish('test.ok', {}, options('2026-12-02T13:00:00.000Z')),
      (error) =>
        error instanceof MissingSchedulerConfigError &&
        /pass scheduleGroup and schedulerRoleArn, or set TASKLANES_SCHEDULE_GROUP and TASKLANES_SCHEDULER_ROLE_ARN/.test(error.message),
    );
    assert.deepEqual(f.sent, []);
  });

  test("a body too large for a schedule's 256 KB input (though within SQS's 1 MiB): MessageTooLargeError", async () => {
    const f = fakes();
    await assert.rejects(
      () => publisherWith(f).publish('test.ok', { pad: 'x'.repeat(300_000) }, options('2026-12-02T13:00:00.000Z')),
      (error) =>
        error instanceof MessageTooLargeError && error.limit === 262144 && error.carrier === 'an EventBridge Scheduler target input',
    );
    assert.deepEqual(f.sent, []);
  });
});
