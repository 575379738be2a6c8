/**
 * The default lanes and their documented defaults. Lanes follow the incidents
 * in shared/incidents: people-facing work must not queue behind slow exports
 * (004), notifications must survive a purge of another lane (004), and
 * every lane alarms on age and proves it is alive (000).
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
 * | maxReceiveCount | 5 | bounded attempts (incident 001) |
 * | maxAgeSeconds | 6 h | stale work is dropped, not replayed (incident 000) |
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

export const DEFAULT_LANES: readonly LaneDefinition[] = [
  defineLane('critical', 'Carts and orders: a person is waiting for the result.', {
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: 30,
    maxReceiveCount: 3,
    maxAgeSeconds: 15 * 60,
    maxConcurrency: 50,
    queueAgeAlarmSeconds: 60,
  }),
  defineLane('notifications', 'Email and webhooks: must never be lost, never purged with another lane.', {
    taskTimeoutSeconds: 30,
    maxReceiveCount: 8,
    maxAgeSeconds: 24 * 60 * 60,
    maxConcurrency: 20,
    queueAgeAlarmSeconds: 300,
  }),
  defineLane('bulk', 'Slow exports, PDFs, clean-ups: nobody waits; CPU-bound work runs isolated.', {
    batchSize: 5,
    maxBatchingWindowSeconds: 5,
    taskTimeoutSeconds: 300,
    maxReceiveCount: 3,
    maxAgeSeconds: 24 * 60 * 60,
    maxConcurrency: 5,
    queueAgeAlarmSeconds: 1800,
    isolation: 'worker',
  }),
  defineLane('default', 'Everything else.'),
];
