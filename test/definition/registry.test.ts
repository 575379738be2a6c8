/**
 * The registry turns lanes and task types into one definition and refuses a
 * definition that the queues or Lambda could not honour, with an error that
 * names the type and the limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { QUEUE_RETENTION_SECONDS } from '../../src/definition/limits.ts';
import { createDefinition, DefinitionError, defineTask } from '../../src/definition/registry.ts';
import type { LaneOptions } from '../../src/definition/types.ts';

const DAY_SECONDS = 24 * 60 * 60;

function definitionWith(task: { maxAgeSeconds?: number; maxAttempts?: number }, lane: Partial<LaneOptions> = {}) {
  return createDefinition({
    lanes: [defineLane('orders', 'test lane', lane)],
    tasks: [defineTask({ type: 'order.place', lane: 'orders', schema: z.object({}), handler: async () => {}, ...task })],
    heartbeats: false,
  });
}

test('a max age up to the queues\' 14-day retention is accepted', () => {
  assert.equal(definitionWith({ maxAgeSeconds: QUEUE_RETENTION_SECONDS }).findTask('order.place')?.maxAgeSeconds, QUEUE_RETENTION_SECONDS);
});

test('a max age beyond the queues\' retention is refused: SQS would drop the task unseen', () => {
  assert.throws(
    () => definitionWith({ maxAgeSeconds: 15 * DAY_SECONDS }),
    (error) => error instanceof DefinitionError && /order\.place/.test(error.message) && error.message.includes(String(QUEUE_RETENTION_SECONDS)),
  );
  // The lane's default applies to types that set none, and is checked the same way.
  assert.throws(() => definitionWith({}, { maxAgeSeconds: 30 * DAY_SECONDS }), DefinitionError);
  assert.throws(() => definitionWith({ maxAgeSeconds: 0 }), DefinitionError);
});

test('more attempts than the lane\'s maxReceiveCount are refused', () => {
  assert.throws(() => definitionWith({ maxAttempts: 9 }, { maxReceiveCount: 3 }), /maxAttempts must be 1\.\.3/);
});
