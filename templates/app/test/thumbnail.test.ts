/** The task type, published with the typed publisher and run by the real consumer against embedded local servers. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PayloadsOf } from 'tasklanes';
import { OutcomeRecorder, startLocalConsumers, startLocalStack, type LocalConsumers, type LocalStack } from 'tasklanes/local';
import { Publisher } from 'tasklanes/publisher';
import { definition, type TASK_TYPES } from '../src/definition.ts';

let stack: LocalStack;
let consumers: LocalConsumers;
const recorder = new OutcomeRecorder();

before(async () => {
  stack = await startLocalStack({ definition, stateFile: false });
  consumers = startLocalConsumers(stack, { onOutcome: recorder.listener });
});

after(async () => {
  await consumers.stop();
  await stack.stop();
});

test('thumbnail.make succeeds', async () => {
  const publisher = new Publisher<PayloadsOf<typeof TASK_TYPES>>({ definition, sqs: stack.clients.sqs, queueUrls: stack.queueUrls });
  const { id } = await publisher.publish('thumbnail.make', { imageId: 'img-1', width: 320 }, { tenant: 'acme' });
  const event = await recorder.waitFor((e) => e.id === id);
  assert.equal(event.outcome, 'succeeded');
});

test('a missing image is dead-lettered at once, with the reason', async () => {
  const publisher = new Publisher<PayloadsOf<typeof TASK_TYPES>>({ definition, sqs: stack.clients.sqs, queueUrls: stack.queueUrls });
  const { id } = await publisher.publish('thumbnail.make', { imageId: 'missing-7', width: 320 }, { tenant: 'acme' });
  const event = await recorder.waitFor((e) => e.id === id);
  assert.equal(event.outcome, 'deadLettered');
  assert.equal(event.attempt, 1);
  assert.match(event.reason ?? '', /no image missing-7/);
});
