/**
 * processRecord's limit branches (docs/design.md#6-limits) with fake
 * dependencies: a granted run gives its slots back as soon as it ends and on
 * every early way out; a run over a limit is deferred (a delayed copy of
 * the same body with the deferral attribute, sent before the original is
 * acknowledged, never claimed, never run), expired when the copy would come
 * back past its deadline, retried when the copy cannot be sent; a copy's
 * attempts continue its task's count. Each test writes out what it expects.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QueueDoesNotExist } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { deferralDelaySeconds } from '../../src/runtime/deferral.ts';
import { LimitsNotConfiguredError, processRecord, type PipelineDependencies } from '../../src/runtime/pipeline.ts';
import type { ResolvedLimit } from '../../src/definition/types.ts';
import { LANE, LIMITED_PER_TENANT, unitDefinition } from './helpers/definition.ts';
import {
  envelopeFactory,
  fakeClock,
  fakeRunner,
  fakeSqsClient,
  FakeDeadLetterRecords,
  FakeDedupStore,
  FakeLimits,
  sqsRecordFactory,
  type DedupScript,
  type LimitAnswer,
} from './helpers/factories.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tasklanes-work';
const DLQ_URL = `${QUEUE_URL}-dlq`;
const KEY = 'acme#unit.limited#task-1';
const LEASE_MS = 35_000;
const RUN_MS = 250;
/** The draw every deferral below gets: the shortest wait of its step. */
const RANDOM = 0;

const limited = unitDefinition.findTask('unit.limited')!;
const perTenant = limited.limits[0] as Extract<ResolvedLimit, { kind: 'concurrency' }>;
const rate = limited.limits[1] as Extract<ResolvedLimit, { kind: 'rate' }>;
const FULL: LimitAnswer = { limit: perTenant, key: 'acme' };

function prepare(options: { limits?: LimitAnswer; dedup?: DedupScript; throws?: unknown } = {}) {
  const clock = fakeClock();
  const sqs = fakeSqsClient();
  const dedup = new FakeDedupStore(options.dedup);
  const limits = new FakeLimits(options.limits);
  const runner = fakeRunner(() => {
    clock.advance(RUN_MS);
    if ('throws' in options) throw options.throws;
  });
  const deps: PipelineDependencies = {
    definition: unitDefinition,
    lane: LANE,
    dlqUrl: DLQ_URL,
    sqs: sqs.client,
    dedup,
    deadLetterRecords: new FakeDeadLetterRecords(),
    runner,
    now: clock.now,
    limits: { port: limits, queueUrl: QUEUE_URL, random: () => RANDOM },
  };
  return { deps, dedup, limits, sqs, runner };
}

const body = (fields: Record<string, unknown> = {}) =>
  envelopeFactory({ type: 'unit.limited', payload: { host: 'hooks.example.com' }, ...fields });

function record(options: { fields?: Record<string, unknown>; receiveCount?: number; deferral?: string } = {}): SQSRecord {
  return sqsRecordFactory(body(options.fields), {
    receiveCount: options.receiveCount,
    attributes: { MessageGroupId: 'acme' },
    messageAttributes: {
      'app-trace': { dataType: 'String', stringValue: 'trace-7', stringListValues: [], binaryListValues: [] },
      ...(options.deferral === undefined
        ? {}
        : { 'tasklanes-deferral': { dataType: 'String', stringValue: options.deferral, stringListValues: [], binaryListValues: [] } }),
    },
  });
}

/** The SendMessage of a deferred copy. */
const copySent = (delaySeconds: number, deferral: string, fields: Record<string, unknown> = {}) => ({
  name: 'SendMessageCommand',
  input: {
    QueueUrl: QUEUE_URL,
    MessageBody: body(fields),
    DelaySeconds: delaySeconds,
    MessageGroupId: 'acme',
    MessageAttributes: {
      'app-trace': { DataType: 'String', StringValue: 'trace-7' },
      'tasklanes-deferral': { DataType: 'String', StringValue: deferral },
    },
  },
});

/** `deps` whose granted slots are given back through `release`, which gets the fake's own release to call or not. */
function withRelease(deps: PipelineDependencies, release: (granted: () => Promise<void>) => Promise<void>): PipelineDependencies {
  const port = deps.limits!.port;
  return {
    ...deps,
    limits: {
      ...deps.limits!,
      port: {
        acquire: async (request) => {
          const decision = await port.acquire(request);
          if (decision.kind !== 'granted') return decision;
          return { kind: 'granted', release: () => release(() => decision.release()) };
        },
      },
    },
  };
}

describe('a run within its limits', () => {
  test('takes its slots before the claim and gives them back when the run ends, before the done mark', async () => {
    const { deps, dedup, limits, runner } = prepare();
    const order: string[] = [];
    const seen = withRelease(deps, async (release) => {
      order.push(`release after ${dedup.calls.map((call) => call.op).join(',')}`);
      await release();
    });
    const result = await processRecord(record(), seen);
    assert.equal(result.event.outcome, 'succeeded');
    assert.equal(result.failed, false);
    assert.equal(runner.runs.length, 1);
    assert.deepEqual(limits.calls, [{ op: 'acquire', owner: 'msg-1', leaseMs: LEASE_MS }, { op: 'release' }]);
    assert.deepEqual(
      order,
      ['release after claim', 'release after claim,markDone'],
      'once after the run, once more (a no-op) on the way out',
    );
  });

  test('giving the slots back fails: the run still succeeds and is marked done (the leases end on their own)', async () => {
    const { deps, dedup, runner } = prepare();
    const failingRelease = withRelease(deps, () => Promise.reject(new Error('ProvisionedThroughputExceededException')));
    const result = await processRecord(record(), failingRelease);
    assert.equal(result.event.outcome, 'succeeded');
    assert.equal(result.failed, false);
    assert.equal(runner.runs.length, 1);
    assert.deepEqual(
      dedup.calls.map((call) => call.op),
      ['claim', 'markDone'],
    );
  });

  test('a consumer built without limits meets a type with limits: LimitsNotConfiguredError, nothing claimed or run', async () => {
    const { deps, dedup, runner } = prepare();
    await assert.rejects(processRecord(record(), { ...deps, limits: undefined }), LimitsNotConfiguredError);
    assert.deepEqual(dedup.calls, []);
    assert.equal(runner.runs.length, 0);
  });

  test('a duplicate found at the claim gives its slots back and never runs', async () => {
    const { deps, limits, runner } = prepare({ dedup: { claims: { [KEY]: { kind: 'duplicate' } } } });
    const result = await processRecord(record(), deps);
    assert.equal(result.event.outcome, 'duplicate');
    assert.equal(runner.runs.length, 0);
    assert.deepEqual(limits.calls, [{ op: 'acquire', owner: 'msg-1', leaseMs: LEASE_MS }, { op: 'release' }]);
  });

  test('a failed run gives its slots back and is retried as ever', async () => {
    const { deps, limits } = prepare({ throws: new Error('receiver down') });
    const result = await processRecord(record(), deps);
    assert.deepEqual([result.event.outcome, result.failed, result.event.reason], ['retried', true, 'Error: receiver down']);
    assert.deepEqual(limits.calls.at(-1), { op: 'release' });
  });

  test('the limits unreachable: retried, nothing claimed or run', async () => {
    const { deps, dedup, runner } = prepare({ limits: new Error('DynamoDB unreachable') });
    const result = await processRecord(record(), deps);
    assert.deepEqual([result.event.outcome, result.failed, result.event.reason], ['retried', true, 'limits: Error: DynamoDB unreachable']);
    assert.deepEqual(dedup.calls, []);
    assert.equal(runner.runs.length, 0);
  });
});

describe('a run over a limit', () => {
  test('is deferred: a copy with the same body, group and attributes goes back delayed, the original is acknowledged, nothing claimed or run', async () => {
    const { deps, dedup, runner, sqs } = prepare({ limits: FULL });
    const result = await processRecord(record(), deps);
    assert.deepEqual(sqs.sent, [copySent(1, '{"deferrals":1,"attempts":0}')]);
    assert.equal(result.failed, false);
    assert.equal(result.event.outcome, 'deferred');
    assert.equal(result.event.deferredAs, 'dlq-msg-1');
    assert.equal(result.event.delaySeconds, 1);
    assert.equal(result.event.reason, `concurrency limit ${LIMITED_PER_TENANT} of type:unit.limited for key "acme" is full`);
    assert.equal(result.event.attempt, 1);
    assert.deepEqual(dedup.calls, []);
    assert.equal(runner.runs.length, 0);
  });

  test("a copy deferred again waits twice as long, and keeps its task's attempt count", async () => {
    const { deps, sqs } = prepare({ limits: FULL });
    const result = await processRecord(record({ deferral: '{"deferrals":3,"attempts":1}' }), deps);
    assert.equal(result.event.attempt, 2, 'one attempt spent before, this is the second');
    // 2^3 s, drawn at its shortest: half of it.
    assert.deepEqual(sqs.sent, [copySent(4, '{"deferrals":4,"attempts":1}')]);
  });

  test("with a place on the key's schedule, the copy waits until it: a rate's rounded up, a concurrency estimate to the nearest second", async () => {
    const { deps, sqs } = prepare({ limits: { limit: rate, key: 'hooks.example.com', waitMs: 12_100 } });
    const result = await processRecord(record(), deps);
    assert.equal(result.event.reason, 'rate limit 10 per 1s of type:unit.limited for key "hooks.example.com" is full');
    assert.deepEqual(sqs.sent, [copySent(13, '{"deferrals":1,"attempts":0}')]);
    const soon = prepare({ limits: { limit: perTenant, key: 'acme', waitMs: 400 } });
    await processRecord(record(), soon.deps);
    assert.deepEqual(soon.sqs.sent, [copySent(0, '{"deferrals":1,"attempts":0}')], 'a place within half a second: back at once');
  });

  test('a copy that would come back after the deadline is expired instead, never sent, never run', async () => {
    // T0 is 12:00:00; the first deferral waits 1 s.
    const fields = { notAfter: '2024-05-01T12:00:00.500Z' };
    const { deps, sqs, runner } = prepare({ limits: FULL });
    const result = await processRecord(record({ fields }), deps);
    assert.equal(result.event.outcome, 'expired');
    assert.equal(result.failed, false);
    assert.equal(
      result.event.reason,
      `concurrency limit ${LIMITED_PER_TENANT} of type:unit.limited for key "acme" is full; it would come back after its deadline 2024-05-01T12:00:00.500Z`,
    );
    assert.deepEqual(sqs.sent, []);
    assert.equal(runner.runs.length, 0);
  });

  test('on a later receive it first gives up a claim an earlier receive of the message may have left', async () => {
    const { deps, dedup, sqs } = prepare({ limits: FULL });
    const result = await processRecord(record({ receiveCount: 2 }), deps);
    assert.equal(result.event.outcome, 'deferred');
    assert.deepEqual(dedup.calls, [{ op: 'release', key: KEY, owner: 'msg-1' }]);
    assert.deepEqual(sqs.sent, [copySent(1, '{"deferrals":1,"attempts":1}')]);
  });

  test('the copy cannot be sent: retried, so the original comes back; on its last attempt dead-lettered with the reason', async () => {
    const { deps, sqs } = prepare({ limits: FULL });
    sqs.failWith(new QueueDoesNotExist({ message: 'no queue', $metadata: {} }));
    const retried = await processRecord(record(), deps);
    assert.deepEqual([retried.event.outcome, retried.failed], ['retried', true]);
    assert.equal(
      retried.event.reason,
      `concurrency limit ${LIMITED_PER_TENANT} of type:unit.limited for key "acme" is full; deferring failed: QueueDoesNotExist: no queue`,
    );
    const last = await processRecord(record({ receiveCount: 3 }), deps);
    assert.deepEqual([last.event.outcome, last.failed], ['retried', true], 'the DLQ is unreachable too (the same fake SQS)');
    assert.match(last.event.reason!, /^retriesExhausted: after 3 attempts: /);
  });
});

test('a copy that fails on its last attempt (attempts spent before its deferral count) is dead-lettered with the total', async () => {
  const { deps, sqs } = prepare({ throws: new Error('receiver down') });
  const result = await processRecord(record({ deferral: '{"deferrals":2,"attempts":2}' }), deps);
  assert.equal(result.event.outcome, 'deadLettered');
  assert.equal(result.event.attempt, 3);
  assert.equal(result.event.reason, 'retriesExhausted: after 3 attempts: Error: receiver down');
  assert.equal(sqs.sent[0]?.input.MessageAttributes['tasklanes-attempts'].StringValue, '3');
  assert.equal(sqs.sent[0]?.input.MessageAttributes['tasklanes-deferral'], undefined, 'the letter does not carry the deferral');
});

test('without a place on a schedule, the wait doubles per deferral from 1 s up to 60 s, drawn between half and all of it; a place is never waited beyond 900 s', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 20].map((deferrals) => [deferralDelaySeconds(deferrals, 0), deferralDelaySeconds(deferrals, 0.999)]),
    [
      [1, 1],
      [1, 2],
      [2, 4],
      [4, 8],
      [8, 16],
      [16, 32],
      [30, 60],
      [30, 60],
      [30, 60],
    ],
  );
  assert.equal(deferralDelaySeconds(5, 0.999, 12_499), 12, 'a place decides, whatever the deferrals');
  assert.equal(deferralDelaySeconds(0, 0, 5_000_000), 900);
});
