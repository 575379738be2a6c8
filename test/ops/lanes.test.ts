/**
 * status, pause/resume, DLQ peek and redrive against the local servers,
 * with the real consumer running.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../src/local/stack.ts';
import { inProcessTarget } from '../../src/local/dashboard/control.ts';
import { peekDeadLetters } from '../../src/ops/lanes/dlq-peek.ts';
import { redriveDeadLetters, type RedriveProgress } from '../../src/ops/lanes/dlq-redrive.ts';
import { pauseLane, resumeLane } from '../../src/ops/lanes/pause.ts';
import { statusOfLanes } from '../../src/ops/lanes/status.ts';
import { RedriveError } from '../../src/ops/errors.ts';
import { withRunningLanes } from '../support/harness.ts';
import { useFreshExecutionLog } from '../support/execution-log.ts';
import { TEST_WORKER_ENTRY, testDefinition } from '../support/test-definition.ts';
import { waitForQueue } from './support.ts';

/** SQS's message limit, body and attributes together. */
const MESSAGE_LIMIT_BYTES = 1_048_576;

useFreshExecutionLog();
const running = withRunningLanes({ definition: testDefinition, workerEntry: TEST_WORKER_ENTRY });

async function publish(type: string, count: number, tenant = 'acme'): Promise<string[]> {
  const payload = {};
  const published = await running().publishAll(Array.from({ length: count }, () => ({ type, payload, options: { tenant } })));
  return published.map((task) => task.id);
}

describe('pause and resume', () => {
  it('pause stops consumption without losing messages; resume works them off', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const paused = await pauseLane(target, 'fast');
    assert.deepEqual(paused, { lane: 'fast', wasEnabled: true, enabled: false });
    const ids = await publish('test.ok', 5);
    const waiting = await waitForQueue(stack, target.queues('fast').queueUrl, (stats) => stats.visible === 5);
    assert.equal(waiting.inFlight, 0, 'a paused lane receives nothing');
    assert.equal(running().outcomesOf((event) => ids.includes(event.id ?? '')).length, 0);

    const [row] = (await statusOfLanes(target)).filter((status) => status.lane === 'fast');
    assert.deepEqual({ visible: row!.visible, consumerEnabled: row!.consumerEnabled }, { visible: 5, consumerEnabled: false });
    assert.ok(row!.oldestAgeSeconds !== undefined && row!.oldestAgeSeconds >= 0);

    assert.deepEqual(await resumeLane(target, 'fast'), { lane: 'fast', wasEnabled: false, enabled: true });
    const outcomes = await running().waitForOutcomes((event) => ids.includes(event.id ?? ''), ids.length);
    assert.deepEqual(new Set(outcomes.map((event) => event.outcome)), new Set(['succeeded']));
  });
});

describe('DLQ peek and redrive', () => {
  it('peek shows reason, type, tenant and attempts, and leaves every message in the DLQ', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const ids = await publish('test.permanent', 3, 'globex');
    await running().waitForOutcomes((event) => ids.includes(event.id ?? '') && event.outcome === 'deadLettered', 3);
    const { dlqUrl } = target.queues('fast');
    await waitForQueue(stack, dlqUrl, (stats) => stats.visible === 3);

    const letters = await peekDeadLetters(target, 'fast', { max: 10 });
    assert.deepEqual(letters.map((letter) => letter.id).sort(), [...ids].sort());
    for (const letter of letters) {
      assert.equal(letter.type, 'test.permanent');
      assert.equal(letter.tenant, 'globex');
      assert.equal(letter.reason, 'permanent');
      assert.equal(letter.attempts, 1);
      assert.match(letter.error ?? '', /subscriber rejected/);
    }
    const after = await waitForQueue(stack, dlqUrl, (stats) => stats.visible === 3);
    assert.equal(after.inFlight, 0, 'visibility restored at once');
    assert.equal((await peekDeadLetters(target, 'fast', { max: 2 })).length, 2);
  });

  it('redrive moves the dead letters back to the lane', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const { queueUrl, dlqUrl } = target.queues('fast');
    // Paused, so the redriven permanent failures wait in the lane instead of going straight back.
    await pauseLane(target, 'fast');
    const progress: RedriveProgress[] = [];
    const result = await redriveDeadLetters(target, 'fast', { rate: 10, pollIntervalMs: 200, onProgress: (p) => progress.push(p) });
    assert.deepEqual([result.status, result.moved], ['COMPLETED', 3]);
    assert.ok(progress.length >= 1);
    await waitForQueue(stack, queueUrl, (stats) => stats.visible === 3);
    await waitForQueue(stack, dlqUrl, (stats) => stats.visible === 0);
  });

  it('a cancelled redrive stops the move task and leaves the rest in the DLQ', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const { queueUrl, dlqUrl } = target.queues('fast');
    await resumeLane(target, 'fast');
    await running().waitForOutcomes((event) => event.type === 'test.permanent' && event.outcome === 'deadLettered', 6);
    await waitForQueue(stack, dlqUrl, (stats) => stats.visible === 3);
    await pauseLane(target, 'fast');

    const abort = new AbortController();
    const result = await redriveDeadLetters(target, 'fast', {
      rate: 1,
      pollIntervalMs: 100,
      signal: abort.signal,
      onProgress: () => abort.abort(),
    });
    assert.equal(result.status, 'CANCELLED');
    assert.ok(result.moved < 3, `moved ${result.moved} of 3 before the cancel took`);
    await waitForQueue(stack, dlqUrl, (stats) => stats.visible === 3 - result.moved);
    await waitForQueue(stack, queueUrl, (stats) => stats.visible === result.moved);
  });

  it('rejects a rate SQS would refuse', async () => {
    await assert.rejects(redriveDeadLetters(inProcessTarget(running().stack), 'fast', { rate: 0 }), RedriveError);
  });
});

describe('a dead letter keeps its identity and its reason', () => {
  it('the letter of a body that is not JSON names the SQS message id of the delivery', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const body = 'order=42&tenant=acme';
    const messageId = await running().sendRaw('slow', body);
    await running().waitForOutcomes((event) => event.messageId === messageId && event.outcome === 'deadLettered');
    await waitForQueue(stack, target.queues('slow').dlqUrl, (stats) => stats.visible === 1);

    const [letter] = await peekDeadLetters(target, 'slow');
    assert.equal(letter!.body, body);
    assert.equal(letter!.originalMessageId, messageId);
    assert.notEqual(letter!.messageId, messageId, 'the DLQ copy has an id of its own');
    assert.deepEqual([letter!.reason, letter!.attempts, letter!.reasonFrom], ['invalid', 1, 'attributes']);
    assert.match(letter!.error!, /^body is not valid JSON: /);
    await drainQueue(stack, target.queues('slow').dlqUrl);
  });

  it('a body of exactly 1 MiB: peek reads reason and attempts from the dedup table, and a redrive replays the body byte for byte', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const { queueUrl, dlqUrl } = target.queues('slow');
    const envelope = {
      v: 1,
      id: randomUUID(),
      type: 'test.gated',
      tenant: 'acme',
      createdAt: new Date().toISOString(),
      payload: { gate: 7, padding: '' },
    };
    const padding = MESSAGE_LIMIT_BYTES - Buffer.byteLength(JSON.stringify(envelope));
    const body = JSON.stringify({ ...envelope, payload: { gate: 7, padding: 'é'.repeat(padding / 2) } });
    assert.equal(Buffer.byteLength(body), MESSAGE_LIMIT_BYTES);
    const messageId = await running().sendRaw('slow', body);
    await running().waitForOutcomes((event) => event.messageId === messageId && event.outcome === 'deadLettered');
    await waitForQueue(stack, dlqUrl, (stats) => stats.visible === 1);

    const [letter] = await peekDeadLetters(target, 'slow');
    assert.equal(letter!.body, body);
    assert.deepEqual(
      [letter!.id, letter!.reason, letter!.attempts, letter!.originalMessageId, letter!.reasonFrom],
      [envelope.id, 'invalid', 1, messageId, 'dedupTable'],
    );
    assert.equal(letter!.error, 'invalid payload for "test.gated": gate: Invalid input: expected string, received number');
    assert.match(letter!.failedAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    await pauseLane(target, 'slow');
    try {
      assert.equal((await redriveDeadLetters(target, 'slow', { pollIntervalMs: 200 })).moved, 1);
      await waitForQueue(stack, queueUrl, (stats) => stats.visible === 1);
      const replayed = await drainQueue(stack, queueUrl);
      assert.deepEqual(
        replayed.map((message) => message.Body === body),
        [true],
        'the redriven body is the published one, byte for byte',
      );
    } finally {
      await resumeLane(target, 'slow');
    }
  });
});

/** Receives and deletes what is visible in the queue now; returns it. */
async function drainQueue(stack: LocalStack, queueUrl: string): Promise<Message[]> {
  const { Messages = [] } = await stack.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  for (const message of Messages)
    await stack.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
  return Messages;
}
