/**
 * The registry turns lanes and task types into one definition and refuses a
 * definition that the queues or Lambda could not honour, with an error that
 * names the type or lane and the limit. The limits are written out as AWS
 * documents them, not read from the code under test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { QUEUE_RETENTION_SECONDS } from '../../src/definition/limits.ts';
import { createDefinition, DefinitionError, defineTask, LaneOptionError } from '../../src/definition/registry.ts';
import type { LaneOptions } from '../../src/definition/types.ts';

const DAY_SECONDS = 24 * 60 * 60;

function definitionWith(task: { maxAgeSeconds?: number; maxAttempts?: number }, lane: Partial<LaneOptions> = {}) {
  return createDefinition({
    lanes: [defineLane('orders', 'test lane', lane)],
    tasks: [defineTask({ type: 'order.place', lane: 'orders', schema: z.object({}), handler: async () => {}, ...task })],
    heartbeats: false,
  });
}

test("a max age up to the queues' 14-day retention is accepted", () => {
  assert.equal(definitionWith({ maxAgeSeconds: QUEUE_RETENTION_SECONDS }).findTask('order.place')?.maxAgeSeconds, QUEUE_RETENTION_SECONDS);
});

test("a max age beyond the queues' retention is refused: SQS would drop the task unseen", () => {
  assert.throws(
    () => definitionWith({ maxAgeSeconds: 15 * DAY_SECONDS }),
    (error) =>
      error instanceof DefinitionError && /order\.place/.test(error.message) && error.message.includes(String(QUEUE_RETENTION_SECONDS)),
  );
  // The lane's default applies to types that set none, and is checked the same way.
  assert.throws(() => definitionWith({}, { maxAgeSeconds: 30 * DAY_SECONDS }), DefinitionError);
  assert.throws(() => definitionWith({ maxAgeSeconds: 0 }), DefinitionError);
});

test("more attempts than the lane's maxReceiveCount are refused", () => {
  assert.throws(() => definitionWith({ maxAttempts: 9 }, { maxReceiveCount: 3 }), /maxAttempts must be 1\.\.3/);
});

describe('provisioned pollers: the registry refuses what AWS would reject, with the reason', () => {
  const lane = (options: Partial<LaneOptions>) =>
    createDefinition({ lanes: [defineLane('burst', 'test lane', options)], tasks: [], heartbeats: false }).lane('burst');
  const refusal = (options: Partial<LaneOptions>, option: string, reason: RegExp) =>
    assert.throws(
      () => lane(options),
      (error) => error instanceof LaneOptionError && error.lane === 'burst' && error.option === option && reason.test(error.message),
    );

  test("accepted at AWS's bounds; the lane's concurrency becomes 10 invokes per maximum poller", () => {
    assert.deepEqual(lane({ provisionedPollers: { minimum: 2, maximum: 2 } }).maxConcurrency, 20);
    assert.deepEqual(lane({ provisionedPollers: { minimum: 200, maximum: 2000 } }).maxConcurrency, 20_000);
    // Setting maxConcurrency to exactly that bound is consistent, so it is accepted.
    assert.equal(lane({ provisionedPollers: { minimum: 2, maximum: 5 }, maxConcurrency: 50 }).maxConcurrency, 50);
  });

  test('minimum pollers outside 2..200', () => {
    refusal(
      { provisionedPollers: { minimum: 1, maximum: 10 } },
      'provisionedPollers',
      /minimum must be an integer 2\.\.200 \(MinimumPollers/,
    );
    refusal({ provisionedPollers: { minimum: 201, maximum: 300 } }, 'provisionedPollers', /minimum must be an integer 2\.\.200/);
    refusal({ provisionedPollers: { minimum: 2.5, maximum: 10 } }, 'provisionedPollers', /minimum must be an integer/);
  });

  test('maximum pollers outside 2..2000', () => {
    refusal(
      { provisionedPollers: { minimum: 2, maximum: 2001 } },
      'provisionedPollers',
      /maximum must be an integer 2\.\.2000 \(MaximumPollers/,
    );
  });

  test('minimum above maximum', () => {
    refusal(
      { provisionedPollers: { minimum: 10, maximum: 5 } },
      'provisionedPollers',
      /minimum \(10\) must not exceed provisionedPollers\.maximum \(5\)/,
    );
  });

  test('a maxConcurrency of its own beside the pollers: AWS takes no MaximumConcurrency in provisioned mode', () => {
    refusal(
      { provisionedPollers: { minimum: 2, maximum: 5 }, maxConcurrency: 20 },
      'maxConcurrency',
      /maxConcurrency 20 cannot be set beside provisionedPollers: AWS rejects an SQS event source mapping with both MaximumConcurrency and ProvisionedPollerConfig.*10 invokes each, 50 here/,
    );
  });

  test("a standard lane's maxConcurrency outside the event source's 2..1000", () => {
    refusal({ maxConcurrency: 1 }, 'maxConcurrency', /maxConcurrency must be an integer 2\.\.1000/);
    refusal({ maxConcurrency: 1001 }, 'maxConcurrency', /maxConcurrency must be an integer 2\.\.1000/);
  });
});

describe('reserved concurrency: at least what the mapping may invoke at once', () => {
  const lane = (options: Partial<LaneOptions>) =>
    createDefinition({ lanes: [defineLane('payments', 'test lane', options)], tasks: [], heartbeats: false }).lane('payments');

  test('equal to or above maxConcurrency is accepted; none by default', () => {
    assert.equal(lane({ maxConcurrency: 20, reservedConcurrency: 20 }).reservedConcurrency, 20);
    assert.equal(lane({ maxConcurrency: 20, reservedConcurrency: 100 }).reservedConcurrency, 100);
    assert.equal(lane({}).reservedConcurrency, undefined);
  });

  test('below maxConcurrency is refused: the invokes beyond the reservation would be throttled', () => {
    assert.throws(
      () => lane({ maxConcurrency: 20, reservedConcurrency: 19 }),
      (error) =>
        error instanceof LaneOptionError &&
        error.option === 'reservedConcurrency' &&
        /reservedConcurrency 19 must be an integer of at least the lane's maxConcurrency \(20\).*throttled/.test(error.message),
    );
    // 0 would stop the lane altogether; pausing is the mapping's job (tasklanes pause).
    assert.throws(() => lane({ reservedConcurrency: 0 }), LaneOptionError);
    assert.throws(() => lane({ maxConcurrency: 2, reservedConcurrency: 2.5 }), LaneOptionError);
  });

  test('a provisioned lane reserves at least 10 invokes per maximum poller', () => {
    assert.equal(lane({ provisionedPollers: { minimum: 2, maximum: 3 }, reservedConcurrency: 30 }).reservedConcurrency, 30);
    assert.throws(
      () => lane({ provisionedPollers: { minimum: 2, maximum: 3 }, reservedConcurrency: 29 }),
      /at least the lane's maxConcurrency \(30\).*10 invokes per maximum poller/,
    );
  });
});
