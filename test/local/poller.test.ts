import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, test, type TestContext } from 'node:test';
import type { LaneOptions } from '../../src/definition/types.ts';
import { createLocalClients, type LocalClients } from '../../src/ops/target/local-clients.ts';
import {
  pollerTuning,
  startLanePoller,
  type LaneHandler,
  type LanePoller,
  type PollerLog,
  type PollerTuning,
} from '../../src/local/poller.ts';
import { provision } from '../../src/local/provision.ts';
import type { LaneQueues } from '../../src/ops/target/target.ts';
import type { LocalEndpoints } from '../../src/ops/target/local-clients.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalServers, type LocalServersFixture } from '../support/local-servers.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Seconds until an unacknowledged message is received again: short for fast
 * redelivery, but longer than the 1 s batching windows below, or a message
 * would come back into the batch it is already in.
 */
const VISIBILITY_TIMEOUT_SECONDS = 2;

/** For tests that block a batch for seconds: it must not become visible again meanwhile. */
const BLOCKED_VISIBILITY_TIMEOUT_SECONDS = 60;

const quietLog: PollerLog = { warn: () => {}, error: () => {} };

/** What a receive probe saw of one ReceiveMessage call. */
type ReceiveEvent =
  | { readonly kind: 'start' /** Calls in progress, this one included. */; readonly concurrent: number }
  | { readonly kind: 'end'; readonly messages: number }
  | { readonly kind: 'failed' };

/** Raised by a receive probe told to fail receives. */
class InjectedReceiveError extends Error {
  override readonly name = 'InjectedReceiveError';
}

interface ReceiveProbe {
  readonly clients: LocalClients;
  readonly events: ReceiveEvent[];
  /** While true, every ReceiveMessage fails before it is sent (and before the SDK's retries). */
  failing: boolean;
}

/**
 * An SQS client of its own that records every ReceiveMessage call, so a test
 * can see how many were in progress at once. Only order is recorded, never
 * time: assertions stay independent of how loaded the machine is.
 */
function receiveProbe(endpoints: LocalEndpoints): ReceiveProbe {
  const clients = createLocalClients(endpoints);
  const probe: ReceiveProbe = { clients, events: [], failing: false };
  let inProgress = 0;
  clients.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== ReceiveMessageCommand.name) return next(args);
      probe.events.push({ kind: 'start', concurrent: ++inProgress });
      try {
        if (probe.failing) {
          // Asynchronously, like a real failure: receives started together are all in progress before the first fails.
          await tick();
          throw new InjectedReceiveError('ReceiveMessage refused by the test');
        }
        const result = await next(args);
        probe.events.push({ kind: 'end', messages: (result.output as ReceiveMessageCommandOutput).Messages?.length ?? 0 });
        return result;
      } catch (error) {
        probe.events.push({ kind: 'failed' });
        throw error;
      } finally {
        inProgress--;
      }
    },
    { step: 'initialize', name: 'receiveProbe' },
  );
  return probe;
}

/** The position just after the first event from `from` on that matches, or 0 if none does yet (so it fits waitFor). */
function after(events: readonly ReceiveEvent[], matches: (event: ReceiveEvent) => boolean, from = 0): number {
  const index = events.findIndex((event, position) => position >= from && matches(event));
  return index === -1 ? 0 : index + 1;
}

/** For each ReceiveMessage call in `events`, the calls in progress when it started. */
function starts(events: readonly ReceiveEvent[]): number[] {
  return events.flatMap((event) => (event.kind === 'start' ? [event.concurrent] : []));
}

let laneCount = 0;

/** Each test gets its own lane, so tests of one suite can run concurrently on shared servers. */
function lanePollerFixture(local: () => LocalServersFixture) {
  /** A fresh lane (own queue and DLQ) with a poller on it, stopped after the test. */
  async function startLane(
    t: TestContext,
    handler: LaneHandler,
    options: {
      lane?: Partial<LaneOptions>;
      tuning?: Partial<PollerTuning>;
      sqs?: SQSClient;
      log?: PollerLog;
      visibilityTimeoutSeconds?: number;
    } = {},
  ): Promise<{ poller: LanePoller; queues: LaneQueues; send: (...bodies: string[]) => Promise<void> }> {
    const name = `lane-${++laneCount}`;
    const definition = laneDefinition({ [name]: { maxBatchingWindowSeconds: 0, ...options.lane } });
    const { sqs, dynamodb } = local().clients;
    const { lanes } = await provision(
      definition,
      { sqs, dynamodb },
      {
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? VISIBILITY_TIMEOUT_SECONDS,
      },
    );
    const queues = lanes[name]!;
    const poller = startLanePoller({
      definition,
      lane: name,
      queue: queues,
      sqs: options.sqs ?? sqs,
      handler,
      tuning: options.tuning,
      log: options.log ?? quietLog,
    });
    t.after(() => poller.stop());
    const send = async (...bodies: string[]) => {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues.queueUrl,
          Entries: bodies.map((body, index) => ({
            Id: String(index),
            MessageBody: body,
            MessageGroupId: 'acme',
            MessageAttributes: { origin: { DataType: 'String', StringValue: 'test' } },
          })),
        }),
      );
    };
    return { poller, queues, send };
  }

  return { startLane, messagesIn };

  async function messagesIn(queueUrl: string): Promise<number> {
    const { Attributes } = await local().clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  }
}

describe('lane poller against local-aws-sqs', { concurrency: true }, () => {
  const local = withLocalServers();
  const { startLane, messagesIn } = lanePollerFixture(local);

  test('delivers Lambda-shaped records and deletes them on success', async (t) => {
    const seen: SQSRecord[] = [];
    const { poller, queues, send } = await startLane(t, async (event, context) => {
      assert.ok(context.getRemainingTimeInMillis() > 0);
      seen.push(...event.Records);
    });
    await send('one', 'two', 'three');

    await waitFor(() => poller.counters.deleted === 3, { description: 'three deletions' });
    assert.deepEqual(seen.map((record) => record.body).sort(), ['one', 'three', 'two']);
    const [record] = seen;
    assert.equal(record!.eventSource, 'aws:sqs');
    assert.equal(record!.eventSourceARN, queues.queueArn);
    assert.equal(record!.awsRegion, 'us-east-1');
    assert.equal(record!.attributes.ApproximateReceiveCount, '1');
    assert.equal(record!.attributes.MessageGroupId, 'acme');
    assert.match(record!.attributes.SentTimestamp, /^\d+$/);
    assert.deepEqual(record!.messageAttributes.origin, {
      dataType: 'String',
      stringValue: 'test',
      stringListValues: [],
      binaryListValues: [],
    });
    assert.equal(await messagesIn(queues.queueUrl), 0);
  });

  test('fills a batch within the batching window', async (t) => {
    const batchSizes: number[] = [];
    const { poller, send } = await startLane(
      t,
      async (event) => {
        batchSizes.push(event.Records.length);
      },
      { lane: { maxBatchingWindowSeconds: 1, batchSize: 5 } },
    );
    await poller.pause();
    await send('a', 'b', 'c', 'd', 'e', 'f', 'g');
    poller.resume();
    await waitFor(() => poller.counters.deleted === 7, { description: 'seven deletions' });
    assert.ok(
      batchSizes.every((size) => size <= 5),
      `batches ${batchSizes}`,
    );
    assert.ok(
      batchSizes.some((size) => size > 1),
      `batches ${batchSizes}`,
    );
  });

  test('a record in batchItemFailures is redelivered with ApproximateReceiveCount 2; its batch-mate is not', async (t) => {
    const deliveries: Array<[string, string]> = [];
    const { poller, send } = await startLane(t, async (event) => {
      const batchItemFailures = [];
      for (const record of event.Records) {
        deliveries.push([record.body, record.attributes.ApproximateReceiveCount]);
        if (record.body === 'fail-once' && record.attributes.ApproximateReceiveCount === '1') {
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    });
    await send('ok', 'fail-once');

    await waitFor(() => poller.counters.deleted === 2, { description: 'both deleted' });
    assert.deepEqual(deliveries.sort(), [
      ['fail-once', '1'],
      ['fail-once', '2'],
      ['ok', '1'],
    ]);
    assert.equal(poller.counters.reportedFailures, 1);
  });

  test('a handler that throws gets its whole batch redelivered', async (t) => {
    const deliveries: Array<[string, string]> = [];
    let invocations = 0;
    const { poller, send } = await startLane(
      t,
      async (event) => {
        invocations++;
        for (const record of event.Records) deliveries.push([record.body, record.attributes.ApproximateReceiveCount]);
        if (invocations === 1) throw new Error('boom');
      },
      { lane: { maxBatchingWindowSeconds: 1 } },
    );
    await poller.pause();
    await send('a', 'b');
    poller.resume();

    await waitFor(() => poller.counters.deleted === 2, { description: 'both deleted after the retry' });
    assert.equal(poller.counters.failedBatches, 1);
    assert.deepEqual(
      deliveries
        .filter(([, count]) => count === '2')
        .map(([body]) => body)
        .sort(),
      ['a', 'b'],
    );
  });

  test('after maxReceiveCount receives the queue redrives the message to the DLQ', async (t) => {
    const counts: string[] = [];
    const { queues, send } = await startLane(
      t,
      async (event) => {
        counts.push(...event.Records.map((record) => record.attributes.ApproximateReceiveCount));
        return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
      },
      { lane: { maxReceiveCount: 2 } },
    );
    await send('poison');

    const dead = await waitFor(
      async () =>
        (await local().clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.dlqUrl, AttributeNames: ['All'] }))).Messages?.[0],
      { description: 'the message in the DLQ' },
    );
    assert.equal(dead.Body, 'poison');
    assert.equal(dead.Attributes?.DeadLetterQueueSourceArn, queues.queueArn);
    assert.deepEqual(counts, ['1', '2']);
  });

  test('pause stops consumption without losing messages; resume continues', async (t) => {
    const bodies: string[] = [];
    const { poller, queues, send } = await startLane(t, async (event) => {
      bodies.push(...event.Records.map((record) => record.body));
    });
    await poller.pause();
    assert.equal(poller.state, 'paused');
    await send('x', 'y');

    // Absence can only be checked over some time; a paused poller makes no receive at all, so this cannot flake.
    await new Promise((resolve) => setTimeout(resolve, 2 * poller.tuning.waitTimeSeconds * 1000));
    assert.deepEqual(bodies, []);
    assert.equal(await messagesIn(queues.queueUrl), 2);

    poller.resume();
    assert.equal(poller.state, 'running');
    await waitFor(() => poller.counters.deleted === 2, { description: 'both deleted after resume' });
    assert.deepEqual(bodies.sort(), ['x', 'y']);
  });

  test('stop waits for batches in flight', async (t) => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const { poller, send } = await startLane(t, async () => {
      entered = true;
      await released;
    });
    await send('slow');
    await waitFor(() => entered, { description: 'the handler to start' });

    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await tick();
    assert.equal(poller.state, 'stopped');
    assert.equal(stopped, false);
    release();
    await stopping;
    assert.equal(poller.counters.deleted, 1);
  });

  test('a handler past the function timeout fails its batch, which is redelivered', async (t) => {
    let invocations = 0;
    const { poller, send } = await startLane(
      t,
      async () => {
        invocations++;
        if (invocations === 1) await new Promise((resolve) => setTimeout(resolve, 1_000));
      },
      { tuning: { functionTimeoutMs: 100 } },
    );
    await send('late');
    await waitFor(() => poller.counters.deleted === 1, { description: 'deleted after the retry' });
    assert.equal(poller.counters.timedOutBatches, 1);
  });

  test('receives run side by side while batches come back full, within maxConcurrency; an idle lane holds one long poll', async (t) => {
    const probe = receiveProbe(local().servers);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Registered first, so it runs before the poller is stopped: stop() waits for the blocked batch.
    t.after(() => release());
    const { poller, send } = await startLane(t, () => released, {
      lane: { batchSize: 1 },
      tuning: { maxConcurrency: 4 },
      sqs: probe.clients.sqs,
      visibilityTimeoutSeconds: BLOCKED_VISIBILITY_TIMEOUT_SECONDS,
    });
    t.after(() => probe.clients.destroy());

    // One message: its batch is full (batch size 1), so the poller widens; the batch, blocked, keeps one slot.
    await send('only');
    const widest = poller.tuning.maxConcurrency - 1;
    const widened = await waitFor(() => after(probe.events, (event) => event.kind === 'start' && event.concurrent === widest), {
      description: `${widest} receives in progress at once`,
    });
    // The queue is empty now: the first empty receive narrows, and later receives run one at a time.
    const narrowed = await waitFor(() => after(probe.events, (event) => event.kind === 'end' && event.messages === 0, widened), {
      description: 'an empty receive after widening',
    });
    await waitFor(() => starts(probe.events.slice(narrowed)).length >= 2, { description: 'two receives after narrowing' });

    assert.equal(Math.max(...starts(probe.events)), widest, 'receives in progress plus the blocked batch never exceed maxConcurrency');
    assert.deepEqual(new Set(starts(probe.events.slice(narrowed))), new Set([1]), 'an idle lane holds one long poll at a time');
    release();
    await waitFor(() => poller.counters.deleted === 1, { description: 'the blocked batch deleted' });
    assert.equal(poller.counters.batches, 1);
  });

  test('a lane with provisioned pollers keeps its minimum ready: an idle lane holds that many long polls, and a burst runs batches up to its concurrency', async (t) => {
    const probe = receiveProbe(local().servers);
    let entered = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    t.after(() => release());
    const { poller, send } = await startLane(
      t,
      async () => {
        entered++;
        await released;
      },
      {
        // 3 ready pollers; 5 at most, so 50 concurrent invokes on AWS and the local cap of 4 here.
        lane: { batchSize: 1, provisionedPollers: { minimum: 3, maximum: 5 } },
        sqs: probe.clients.sqs,
        visibilityTimeoutSeconds: BLOCKED_VISIBILITY_TIMEOUT_SECONDS,
      },
    );
    t.after(() => probe.clients.destroy());
    assert.deepEqual([poller.tuning.maxConcurrency, poller.tuning.readyReceives], [4, 3]);

    // Idle: three long polls side by side, round after round (each ends empty after the 1 s wait), never more.
    await waitFor(() => probe.events.filter((event) => event.kind === 'end' && event.messages === 0).length >= 6, {
      description: 'two rounds of empty long polls',
    });
    const idle = starts(probe.events);
    assert.equal(Math.max(...idle), 3, "an idle provisioned lane holds its minimum pollers' long polls");

    // A burst: four batches (batch size 1) run at once, the lane's local concurrency.
    await send('a', 'b', 'c', 'd', 'e', 'f');
    await waitFor(() => entered === 4, { description: 'four batches in flight' });
    release();
    await waitFor(() => poller.counters.deleted === 6, { description: 'all six deleted' });
  });

  test('failing receives back off all receivers together', async (t) => {
    const probe = receiveProbe(local().servers);
    const backoffs: number[] = [];
    const log: PollerLog = {
      warn: (message, details) => {
        if (message.startsWith('receive failed')) backoffs.push(details.backoffMs as number);
      },
      error: () => {},
    };
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    t.after(() => release());
    const errorBackoffMs = 200;
    const { poller, send } = await startLane(
      t,
      async () => {
        // SQS fails from the moment the first (full) batch is in, so the receives it widened to fail together.
        probe.failing = true;
        await released;
      },
      {
        lane: { batchSize: 1 },
        tuning: { maxConcurrency: 4, errorBackoffMs, maxErrorBackoffMs: 4 * errorBackoffMs },
        sqs: probe.clients.sqs,
        log,
        visibilityTimeoutSeconds: BLOCKED_VISIBILITY_TIMEOUT_SECONDS,
      },
    );
    t.after(() => probe.clients.destroy());

    await send('only');
    await waitFor(() => backoffs.length >= 5, { description: 'five failed receives' });
    probe.failing = false;
    release();
    await waitFor(() => poller.counters.deleted === 1, { description: 'the batch deleted' });

    const firstFailure = probe.events.findIndex((event) => event.kind === 'failed');
    assert.equal(Math.max(...starts(probe.events.slice(0, firstFailure))), 3, 'three receives side by side before the failures');
    // The three fail together: one backoff step for them, not three.
    assert.deepEqual(backoffs.slice(0, 5), [errorBackoffMs, errorBackoffMs, errorBackoffMs, 2 * errorBackoffMs, 4 * errorBackoffMs]);
    assert.deepEqual(new Set(starts(probe.events.slice(firstFailure))), new Set([1]), 'after a failure, one receive at a time');
    assert.equal(poller.counters.sqsErrors, probe.events.filter((event) => event.kind === 'failed').length);
    assert.equal(poller.state, 'running');
  });
});

describe('lane poller when SQS goes away', () => {
  const local = withLocalServers();
  const { startLane } = lanePollerFixture(local);

  test('survives SQS going away and carries on when it is back', async (t) => {
    const { servers } = local();
    const noRetries = createLocalClients(servers, { sqs: { maxAttempts: 1 } });
    t.after(() => noRetries.destroy());
    const bodies: string[] = [];
    const { poller, send } = await startLane(
      t,
      async (event) => {
        bodies.push(...event.Records.map((record) => record.body));
      },
      { sqs: noRetries.sqs, tuning: { errorBackoffMs: 50, maxErrorBackoffMs: 200 } },
    );
    await servers.pauseSqs();
    try {
      await waitFor(() => poller.counters.sqsErrors >= 2, { description: 'failed receives' });
    } finally {
      await servers.resumeSqs();
    }
    await send('after the outage');
    await waitFor(() => poller.counters.deleted === 1, { description: 'the message processed after the outage' });
    assert.deepEqual(bodies, ['after the outage']);
    assert.equal(poller.state, 'running');
  });
});

describe('poller tuning from the lane definition', () => {
  test('a standard lane: one ready receive, its maxConcurrency up to the local cap', () => {
    const definition = laneDefinition({ small: { maxConcurrency: 2 }, wide: { maxConcurrency: 50 } });
    assert.deepEqual(
      [pollerTuning(definition, 'small'), pollerTuning(definition, 'wide')].map((t) => [t.maxConcurrency, t.readyReceives]),
      [
        [2, 1],
        [4, 1],
      ],
    );
  });

  test('a provisioned lane: its minimum pollers ready, at most the local cap; concurrency 10 invokes per maximum poller, capped', () => {
    const definition = laneDefinition({
      burst: { provisionedPollers: { minimum: 2, maximum: 2 } },
      many: { provisionedPollers: { minimum: 10, maximum: 20 } },
    });
    assert.deepEqual([definition.lane('burst').maxConcurrency, definition.lane('many').maxConcurrency], [20, 200]);
    assert.deepEqual(
      [pollerTuning(definition, 'burst'), pollerTuning(definition, 'many')].map((t) => [t.maxConcurrency, t.readyReceives]),
      [
        [4, 2],
        [4, 4],
      ],
    );
    // A narrower local concurrency given by a test or benchmark bounds the ready receives too.
    assert.equal(pollerTuning(definition, 'many', { maxConcurrency: 3 }).readyReceives, 3);
  });
});
