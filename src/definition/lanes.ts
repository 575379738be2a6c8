/**
 * Declaring a lane, and the documented defaults of every lane option. Which
 * lanes a deployment has is the app's choice (the demo's four are in
 * demo/lanes.ts); the defaults follow the incidents (docs/incidents.md):
 * bounded attempts (001), stale work dropped (000), repeats within a day
 * never run twice (003, 004).
 */
import { provisionedConcurrency } from './scaling.ts';
import type { LaneDefinition, LaneOptions } from './types.ts';

/**
 * Defaults for a lane that sets nothing else.
 *
 * | option | default | why |
 * |---|---|---|
 * | batchSize | 10 | SQS maximum without a batching window above 0 |
 * | maxBatchingWindowSeconds | 1 | fills batches under load, adds <= 1 s latency |
 * | taskTimeoutSeconds | 60 | |
 * | maxReceiveCount | 5 | bounded attempts (docs/incidents.md#001-poison-task) |
 * | maxAgeSeconds | 6 h | stale work is dropped, not replayed (docs/incidents.md#000-stale-replay) |
 * | dedupWindowSeconds | 24 h | repeats within a day never run twice |
 * | maxConcurrency | 10; with `provisionedPollers`, 10 x their maximum | AWS bounds a provisioned lane by its pollers (10 invokes each) and takes no maximum concurrency beside them |
 * | provisionedPollers | none: standard polling | minimum pollers are billed while idle; for lanes whose bursts must not wait for a scale-up |
 * | reservedConcurrency | none: the account's shared pool | what is reserved for one lane is taken from every other function (docs/deploy.md#scaling-a-lane) |
 * | queueAgeAlarmSeconds | 600 | |
 * | isolation | inline | |
 * | heartbeatIntervalMinutes | 1 | |
 * | concurrency | none: no per-key limit | a limit costs DynamoDB requests on every run of the lane (docs/design.md#6-limits); deferral timings in `LIMIT_DEFAULTS` (task-limits.ts) |
 */
export const LANE_DEFAULTS: LaneOptions = {
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
  taskTimeoutSeconds: 60,
  maxReceiveCount: 5,
  maxAgeSeconds: 6 * 60 * 60,
  dedupWindowSeconds: 24 * 60 * 60,
  maxConcurrency: 10,
  queueAgeAlarmSeconds: 600,
  isolation: 'inline',
  heartbeatIntervalMinutes: 1,
};

export function defineLane(name: string, description: string, options: Partial<LaneOptions> = {}): LaneDefinition {
  // An explicit maxConcurrency beside pollers is kept, so the registry can refuse it when it disagrees with them.
  const maxConcurrency =
    options.maxConcurrency ??
    (options.provisionedPollers ? provisionedConcurrency(options.provisionedPollers) : LANE_DEFAULTS.maxConcurrency);
  return { ...LANE_DEFAULTS, ...options, maxConcurrency, name, description };
}
