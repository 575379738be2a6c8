/**
 * Delayed tasks end to end on the local servers, consumed by the real
 * consumer: `delaySeconds` holds a task back (SQS DelaySeconds) and the
 * consumer runs it after the delay; a raw SendMessage with DelaySeconds does
 * the same (the documented raw-publisher equivalent); a task whose deadline
 * passes while it waits is expired, never run; and a delay the publisher can
 * see ending after the deadline is refused before SQS.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DeliveryAfterDeadlineError, Publisher } from '../../src/publisher/index.ts';
import { useFreshExecutionLog, readExecutions } from '../support/execution-log.ts';
import { isOutcome, withRunningLanes } from '../support/harness.ts';
import { TEST_WORKER_ENTRY, testDefinition } from '../support/test-definition.ts';

useFreshExecutionLog();
// Only the inline lane `fast` is used; the isolated lane's consumer still needs its worker entry.
const lanes = withRunningLanes({ definition: testDefinition, workerEntry: TEST_WORKER_ENTRY });
const DELAY_SECONDS = 2;

async function delayedIn(lane: string): Promise<number> {
  const { Attributes } = await lanes().stack.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: lanes().stack.resources.lanes[lane]!.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessagesDelayed);
}

describe('delaySeconds', () => {
  test('the task waits in its lane for the delay, then runs', async () => {
    // Taken before the send: SQS starts the delay no earlier.
    const sentAt = Date.now();
    const published = await lanes().publisher.publish('test.ok', {}, { tenant: 'acme', delaySeconds: DELAY_SECONDS });
    // Held by SQS, not by the consumer: the queue counts it delayed.
    assert.ok((await delayedIn('fast')) >= 1, 'delayed in the lane queue');
    const [outcome] = await lanes().waitForOutcomes(isOutcome(published.id, 'succeeded'));
    assert.ok(outcome!.at - sentAt >= DELAY_SECONDS * 1000, `ran ${outcome!.at - sentAt} ms after the send`);
    assert.equal(readExecutions().filter((run) => run.id === published.id && run.phase === 'completed').length, 1);
  });

  test('a raw SendMessage with DelaySeconds, as any app can send it, runs the same way', async () => {
    const id = randomUUID();
    const body = JSON.stringify({ v: 1, id, type: 'test.ok', tenant: 'acme', createdAt: new Date().toISOString(), payload: {} });
    const sentAt = Date.now();
    await lanes().stack.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: lanes().stack.resources.lanes.fast!.queueUrl,
        MessageBody: body,
        MessageGroupId: 'acme',
        DelaySeconds: DELAY_SECONDS,
      }),
    );
    const [outcome] = await lanes().waitForOutcomes(isOutcome(id, 'succeeded'));
    assert.ok(outcome!.at - sentAt >= DELAY_SECONDS * 1000, `ran ${outcome!.at - sentAt} ms after the send`);
  });

  test('a task whose deadline passes while it waits is expired, never run', async () => {
    const id = randomUUID();
    // Sent raw: the publisher refuses a delay it can see outlasting the deadline (next test).
    const body = JSON.stringify({
      v: 1,
      id,
      type: 'test.ok',
      tenant: 'acme',
      createdAt: new Date().toISOString(),
      notAfter: new Date(Date.now() + 500).toISOString(),
      payload: {},
    });
    await lanes().stack.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: lanes().stack.resources.lanes.fast!.queueUrl,
        MessageBody: body,
        MessageGroupId: 'acme',
        DelaySeconds: DELAY_SECONDS,
      }),
    );
    const [outcome] = await lanes().waitForOutcomes(isOutcome(id, 'expired'));
    assert.match(outcome!.reason!, /past its deadline/);
    assert.deepEqual(
      readExecutions().filter((run) => run.id === id),
      [],
      'the handler never ran',
    );
  });

  test('a delay ending after the deadline is refused before SQS; a task already past it is sent as ever', async () => {
    const noSqs = { send: () => assert.fail('nothing may reach SQS') } as unknown as SQSClient;
    const refusing = new Publisher({ definition: testDefinition, sqs: noSqs, queueUrls: lanes().stack.queueUrls });
    const notAfter = new Date(Date.now() + 60_000);
    await assert.rejects(
      () => refusing.publish('test.ok', {}, { tenant: 'acme', delaySeconds: 120, notAfter }),
      (error) => error instanceof DeliveryAfterDeadlineError && error.deadline.getTime() === notAfter.getTime(),
    );
    // The batch form reports it as a failed entry instead of throwing.
    const { failed } = await refusing.publishBatch([
      { type: 'test.ok', payload: {}, options: { tenant: 'acme', delaySeconds: 120, notAfter } },
    ]);
    assert.deepEqual(
      failed.map((f) => [f.code, f.senderFault]),
      [['DeliveryAfterDeadlineError', true]],
    );
    // Stale work is the consumer's to expire (incident 000): the publisher does not second-guess a past deadline.
    const stale = await lanes().publisher.publish(
      'test.ok',
      {},
      { tenant: 'acme', delaySeconds: 1, notAfter: new Date(Date.now() - 1000) },
    );
    await lanes().waitForOutcomes(isOutcome(stale.id, 'expired'));
  });
});
