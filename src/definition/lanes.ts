/**
 * Declaring a lane, and the documented defaults of every lane option. Which
 * lanes a deployment has is the app's choice (the demo's four are in
 * demo/lanes.ts); the defaults follow the incidents (docs/incidents.md):
 * bounded attempts (001), stale work dropped (000), repeats within a day
 * never run twice (003, 004).
 */
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
 * | maxConcurrency | 10 | |
 * | queueAgeAlarmSeconds | 600 | |
 * | isolation | inline | |
 * | heartbeatIntervalMinutes | 1 | |
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
  return { ...LANE_DEFAULTS, ...options, name, description };
}
