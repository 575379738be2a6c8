/**
 * The demo deployment's four lanes, split by workload after incident 004
 * (docs/incidents.md#004-flood): people-facing work never queues behind slow
 * exports, notifications survive a purge of another lane, and CPU-bound
 * PDFs run isolated in worker threads that are stopped at their timeout.
 */
import { defineLane, type LaneDefinition } from 'tasklanes';

export const DEMO_LANES: readonly LaneDefinition[] = [
  defineLane('critical', 'Carts and orders: a person is waiting for the result.', {
    maxBatchingWindowSeconds: 0,
    taskTimeoutSeconds: 30,
    maxReceiveCount: 3,
    maxAgeSeconds: 15 * 60,
    maxConcurrency: 50,
    queueAgeAlarmSeconds: 60,
  }),
  // Its sms.send has a rateLimit (demo/tasks/sms-send.ts): the lane's consumer defers, and it has a DeferredRate alarm.
  defineLane('notifications', 'Email, text messages and webhooks: must never be lost, never purged with another lane.', {
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
