/**
 * The timings a lane's definition yields: a `worker` lane's function timeout
 * and short visibility timeout cover a task's wait for its thread to start
 * (15 s) and the answer's grace (2 s) besides the task's timeout, an
 * `inline` lane's do not; the registry keeps a worker lane's task timeout
 * low enough for that to fit Lambda's 900 s. Values are written out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, DefinitionError, defineTask } from '../../src/definition/registry.ts';
import { consumerTimeoutSeconds, shortVisibilitySeconds, visibilityTimeoutSeconds } from '../../src/definition/timeouts.ts';
import type { LaneOptions } from '../../src/definition/types.ts';

function laneWith(taskTimeoutSeconds: number, isolation: LaneOptions['isolation']) {
  return createDefinition({
    lanes: [defineLane('jobs', 'test lane', { taskTimeoutSeconds, isolation })],
    tasks: [defineTask({ type: 'job.run', lane: 'jobs', schema: z.object({}), handler: async () => {} })],
    heartbeats: false,
  });
}

test('a worker lane: function timeout = task 300 + start-up 15 + grace 2 + margin 10; short visibility = 300 + 15 + 2 + slack 3', () => {
  const definition = laneWith(300, 'worker');
  assert.equal(consumerTimeoutSeconds(definition, 'jobs'), 327);
  assert.equal(visibilityTimeoutSeconds(definition, 'jobs'), 1962);
  assert.equal(shortVisibilitySeconds(definition, 'jobs'), 320);
});

test('an inline lane: function timeout = task 300 + margin 10; short visibility = 300 + slack 3', () => {
  const definition = laneWith(300, 'inline');
  assert.equal(consumerTimeoutSeconds(definition, 'jobs'), 310);
  assert.equal(visibilityTimeoutSeconds(definition, 'jobs'), 1860);
  assert.equal(shortVisibilitySeconds(definition, 'jobs'), 303);
});

test("a task timeout must leave its lane's allowance below Lambda's 900 s: 27 s in a worker lane, 10 s inline", () => {
  assert.equal(consumerTimeoutSeconds(laneWith(873, 'worker'), 'jobs'), 900);
  assert.throws(
    () => laneWith(874, 'worker'),
    (error) => error instanceof DefinitionError && error.message.includes('job.run') && error.message.includes('leave 27s'),
  );
  assert.equal(consumerTimeoutSeconds(laneWith(890, 'inline'), 'jobs'), 900);
  assert.throws(() => laneWith(891, 'inline'), DefinitionError);
});
