/**
 * A publisher that never schedules never loads @aws-sdk/client-scheduler:
 * the module is imported on the first runAt beyond 15 minutes. Watched with
 * a module resolve hook registered before the publisher is imported (its
 * own process: node:test runs each file in one).
 */
import assert from 'node:assert/strict';
import { registerHooks } from 'node:module';
import { test } from 'node:test';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';

const resolved: string[] = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.includes('@aws-sdk/client-scheduler')) resolved.push(specifier);
    return nextResolve(specifier, context);
  },
});

test('plain and delayed publishes leave @aws-sdk/client-scheduler unloaded; the first schedule loads it', async () => {
  const { Publisher } = await import('../../src/publisher/index.ts');
  const { testDefinition } = await import('../support/test-definition.ts');
  const sqs = { send: async () => ({ MessageId: 'm-1' }) } as unknown as SQSClient;
  const scheduler = {
    config: { region: async () => 'eu-west-1' },
    send: async () => ({ ScheduleArn: 'arn' }),
  } as unknown as SchedulerClient;
  const publisher = new Publisher({
    definition: testDefinition,
    sqs,
    scheduler,
    queueUrls: { fast: 'https://sqs.eu-west-1.amazonaws.com/111122223333/Tasklanes-fast' },
    scheduleGroup: 'group',
    schedulerRoleArn: 'arn:aws:iam::111122223333:role/scheduler',
  });
  await publisher.publish('test.ok', {}, { tenant: 'acme' });
  await publisher.publish('test.ok', {}, { tenant: 'acme', runAt: new Date(Date.now() + 60_000) });
  assert.deepEqual(resolved, []);
  await publisher.publish(
    'test.ok',
    {},
    { tenant: 'acme', runAt: new Date(Date.now() + 3_600_000), notAfter: new Date(Date.now() + 7_200_000) },
  );
  assert.deepEqual(resolved, ['@aws-sdk/client-scheduler']);
});
