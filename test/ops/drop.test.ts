/**
 * `drop` against the local servers: only matching tasks go; kept tasks come
 * back intact, are not one receive closer to the DLQ, and run exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceiveMessageCommand, SendMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { inProcessTarget } from '../../src/local/dashboard/control.ts';
import { dropTasks } from '../../src/ops/lanes/drop.ts';
import { pauseLane, resumeLane } from '../../src/ops/lanes/pause.ts';
import { UnknownLaneError, UsageError } from '../../src/ops/errors.ts';
import { withRunningLanes } from '../support/harness.ts';
import { completionsById, readExecutions, useFreshExecutionLog } from '../support/execution-log.ts';
import { TEST_WORKER_ENTRY, testDefinition } from '../support/test-definition.ts';
import { waitForQueue } from './support.ts';

useFreshExecutionLog();
const running = withRunningLanes({ definition: testDefinition, workerEntry: TEST_WORKER_ENTRY });

async function publishOk(tenant: string, count: number, type = 'test.ok'): Promise<string[]> {
  const entries = Array.from({ length: count }, () => ({
    type,
    payload: type === 'test.flaky' ? { failTimes: 0 } : {},
    options: { tenant },
  }));
  return (await running().publishAll(entries)).map((task) => task.id);
}

describe('drop', () => {
  it('drops the matching tenant only; kept tasks run exactly once, on their first attempt', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const { queueUrl } = target.queues('fast');
    await pauseLane(target, 'fast');
    const noisy = [...(await publishOk('noisy', 10)), ...(await publishOk('noisy', 2))];
    const keep = [...(await publishOk('acme', 5)), ...(await publishOk('globex', 3))];
    await waitForQueue(stack, queueUrl, (stats) => stats.visible === 20);

    const progress: number[] = [];
    const result = await dropTasks(target, 'fast', { filter: { tenant: 'noisy' }, onProgress: (p) => progress.push(p.scanned) });
    assert.deepEqual(
      {
        scanned: result.scanned,
        dropped: result.dropped,
        kept: result.kept,
        complete: result.complete,
        pausedConsumer: result.pausedConsumer,
      },
      { scanned: 20, dropped: 12, kept: 8, complete: true, pausedConsumer: false },
    );
    assert.equal(progress.at(-1), 20);
    const after = await waitForQueue(stack, queueUrl, (stats) => stats.visible === 8);
    assert.equal(after.inFlight, 0);
    assert.equal(await target.consumerEnabled('fast'), false, 'a lane paused before the drop stays paused');

    await resumeLane(target, 'fast');
    const outcomes = await running().waitForOutcomes((event) => keep.includes(event.id ?? ''), keep.length);
    await waitForQueue(stack, queueUrl, (stats) => stats.visible + stats.inFlight === 0);
    for (const id of keep) {
      const own = running().outcomesOf((event) => event.id === id);
      assert.deepEqual(
        own.map((event) => [event.outcome, event.attempt]),
        [['succeeded', 1]],
        `task ${id}`,
      );
    }
    assert.equal(outcomes.length, keep.length);
    const completions = completionsById(readExecutions());
    for (const id of keep) assert.equal(completions.get(id), 1, `task ${id} ran once`);
    for (const id of noisy) {
      assert.equal(completions.get(id), undefined, `dropped task ${id} never ran`);
      assert.equal(running().outcomesOf((event) => event.id === id).length, 0);
    }
  });

  it('a dry run counts the matches and puts every task back without spending a receive', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const { queueUrl } = target.queues('fast');
    await pauseLane(target, 'fast');
    const flaky = await publishOk('acme', 3, 'test.flaky');
    const ok = await publishOk('acme', 5);
    await waitForQueue(stack, queueUrl, (stats) => stats.visible === 8);

    const result = await dropTasks(target, 'fast', { filter: { type: 'test.flaky' }, dryRun: true });
    assert.deepEqual([result.scanned, result.dropped, result.kept, result.dryRun], [8, 3, 5, true]);
    await waitForQueue(stack, queueUrl, (stats) => stats.visible === 8 && stats.inFlight === 0);

    await resumeLane(target, 'fast');
    const all = [...flaky, ...ok];
    await running().waitForOutcomes((event) => all.includes(event.id ?? ''), all.length);
    for (const id of all) {
      assert.deepEqual(
        running()
          .outcomesOf((event) => event.id === id)
          .map((event) => [event.outcome, event.attempt]),
        [['succeeded', 1]],
      );
    }
  });

  it('drops by age and keeps the others as identical copies: body, message attributes, group id', async () => {
    const { stack } = running();
    const target = inProcessTarget(stack);
    const { queueUrl } = target.queues('isolated');
    await pauseLane(target, 'isolated');
    const envelope = (id: string, createdAt: string) =>
      JSON.stringify({ v: 1, id, type: 'test.isolated-ok', tenant: 'acme', createdAt, payload: {} });
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
    const fresh = new Date().toISOString();
    const bodies = { old: envelope('old-1', old), fresh: envelope('fresh-1', fresh), fresh2: envelope('fresh-2', fresh) };
    for (const body of Object.values(bodies)) {
      await stack.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageGroupId: 'acme',
          MessageAttributes: { origin: { DataType: 'String', StringValue: 'drop-test' } },
        }),
      );
    }
    await waitForQueue(stack, queueUrl, (stats) => stats.visible === 3);

    const result = await dropTasks(target, 'isolated', { filter: { olderThanSeconds: 3600 } });
    assert.deepEqual([result.scanned, result.dropped, result.kept], [3, 1, 2]);

    const { Messages = [] } = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 2,
        WaitTimeSeconds: 1,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    assert.deepEqual(Messages.map((m) => m.Body).sort(), [bodies.fresh, bodies.fresh2].sort());
    for (const message of Messages) {
      assert.equal(message.MessageAttributes?.origin?.StringValue, 'drop-test');
      assert.equal(message.Attributes?.MessageGroupId, 'acme');
      assert.equal(message.Attributes?.ApproximateReceiveCount, '1', "this receive is the copy's first");
      await stack.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  });

  it('pauses a running consumer for the scan and resumes it after', async () => {
    const target = inProcessTarget(running().stack);
    await resumeLane(target, 'fast');
    // A type of the lane that nothing in the queue has: the scan matches nothing.
    const result = await dropTasks(target, 'fast', { filter: { type: 'test.hang' } });
    assert.equal(result.pausedConsumer, true);
    assert.equal(await target.consumerEnabled('fast'), true);
  });

  it('refuses a drop without a filter, an unknown lane, and a type the lane does not have, before pausing anything', async () => {
    const target = inProcessTarget(running().stack);
    await resumeLane(target, 'fast');
    await assert.rejects(dropTasks(target, 'fast', { filter: {} }), UsageError);
    await assert.rejects(dropTasks(target, 'nope', { filter: { tenant: 'x' } }), UnknownLaneError);
    await assert.rejects(dropTasks(target, 'fast', { filter: { type: 'test.isolated-ok' } }), {
      name: 'UnknownTaskTypeError',
      message:
        'lane fast has no task type "test.isolated-ok" (its types: test.ok, test.flaky, test.permanent, test.hang, test.kill-process)',
    });
    assert.equal(await target.consumerEnabled('fast'), true, 'never paused');
  });
});
