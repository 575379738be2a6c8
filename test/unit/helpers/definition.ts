/**
 * The unit layer's definition: two lanes and a task type per pipeline path
 * (plain, keyed by its payload, a scheduled singleton, another lane's, one
 * whose schema throws, one held to limits). Handlers never run here: the tests' runner fakes them.
 */
import { z } from 'zod';
import { defineLane } from '../../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../../src/definition/registry.ts';

export const LANE = 'work';
export const OTHER_LANE = 'other';
export const MAX_RECEIVE_COUNT = 3;
export const TASK_TIMEOUT_SECONDS = 5;
/** leaseSeconds(5) = 5 + LEASE_MARGIN_SECONDS (30), in ms. */
export const LEASE_MS = 35_000;
export const MAX_AGE_SECONDS = 3_600;
export const DEDUP_WINDOW_SECONDS = 600;
/** unit.limited: runs of one tenant at once. */
export const LIMITED_PER_TENANT = 2;

const noop = () => undefined;

export const unitDefinition = createDefinition({
  heartbeats: false,
  lanes: [
    defineLane(LANE, 'the unit tests lane', {
      maxReceiveCount: MAX_RECEIVE_COUNT,
      taskTimeoutSeconds: TASK_TIMEOUT_SECONDS,
      maxAgeSeconds: MAX_AGE_SECONDS,
      dedupWindowSeconds: DEDUP_WINDOW_SECONDS,
    }),
    defineLane(OTHER_LANE, 'a lane the work consumer does not serve'),
  ],
  tasks: [
    defineTask({ type: 'unit.work', lane: LANE, schema: z.object({ n: z.number().int() }), handler: noop }),
    defineTask({
      type: 'unit.keyed',
      lane: LANE,
      schema: z.object({ order: z.string() }),
      dedupKey: (payload) => `order-${payload.order}`,
      handler: noop,
    }),
    defineTask({ type: 'unit.tick', lane: LANE, schema: z.object({}), schedule: { expression: 'rate(5 minutes)' }, handler: noop }),
    defineTask({ type: 'unit.elsewhere', lane: OTHER_LANE, schema: z.object({}), handler: noop }),
    defineTask({
      type: 'unit.limited',
      lane: LANE,
      schema: z.object({ host: z.string() }),
      concurrency: { perTenant: LIMITED_PER_TENANT },
      rateLimit: { key: (payload) => payload.host, limit: 10, perSeconds: 1 },
      handler: noop,
    }),
    defineTask({
      type: 'unit.schema-bug',
      lane: LANE,
      // A bug in an app's schema, not bad input: it throws a plain Error, not a validation issue.
      schema: z.object({}).transform(() => {
        throw new TypeError('schema bug');
      }),
      handler: noop,
    }),
  ],
});
