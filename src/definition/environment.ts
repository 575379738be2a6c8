/**
 * Names of the environment variables and local resources shared by the stack
 * (which sets them), the Lambda entry (which reads them), the publisher and
 * the local runner.
 */

export const ENV = {
  lane: 'TASKLANES_LANE',
  dlqUrl: 'TASKLANES_DLQ_URL',
  dedupTable: 'TASKLANES_DEDUP_TABLE',
  metricsNamespace: 'TASKLANES_METRICS_NAMESPACE',
  /** The lane's own queue, where a deferred task's copy goes; set only on lanes with limits (docs/design.md#6-limits). */
  queueUrl: 'TASKLANES_QUEUE_URL',
} as const;

/** Default CloudWatch namespace of the EMF metrics. */
export const DEFAULT_METRICS_NAMESPACE = 'tasklanes';

/** Environment variable holding a lane's queue URL for publishers: `TASKLANES_QUEUE_URL_CRITICAL`. */
export function queueUrlEnvName(lane: string): string {
  return `TASKLANES_QUEUE_URL_${lane.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Where publishers find what a `runAt` beyond SQS's 15-minute delay needs:
 * the deployment's EventBridge Scheduler schedule group and the role
 * Scheduler sends with (the stack outputs ScheduleGroupName and SchedulerRoleArn).
 */
export const PUBLISHER_ENV = {
  scheduleGroup: 'TASKLANES_SCHEDULE_GROUP',
  schedulerRoleArn: 'TASKLANES_SCHEDULER_ROLE_ARN',
} as const;

/** Queue and table names of the local run (the stack names its queues `<stackName>-<lane>`; apps find them through its outputs). */
export const LOCAL_NAMES = {
  queue: (lane: string) => `tasklanes-${lane}`,
  dlq: (lane: string) => `tasklanes-${lane}-dlq`,
  dedupTable: 'tasklanes-dedup',
  /** The schedule group the local scheduler endpoint holds one-time schedules in (beside `default`). */
  scheduleGroup: 'tasklanes',
  /** Name of the role local schedules name; nothing checks it, as nothing checks signatures locally. */
  schedulerRole: 'tasklanes-scheduler',
} as const;

/** Dedup table key and TTL attribute, as the runtime writes them and the stack declares them. */
export const DEDUP_TABLE_SCHEMA = {
  partitionKey: 'pk',
  ttlAttribute: 'expiresAt',
} as const;

/** Message attributes the consumer attaches when it dead-letters a task. */
export const DLQ_ATTRIBUTES = {
  reason: 'tasklanes-reason',
  error: 'tasklanes-error',
  attempts: 'tasklanes-attempts',
  lane: 'tasklanes-lane',
  failedAt: 'tasklanes-failed-at',
  /** The SQS message id of the delivery that was dead-lettered: the DLQ copy gets an id of its own. */
  messageId: 'tasklanes-message-id',
} as const;

/**
 * The message attribute a deferred task's copy carries (docs/design.md#6-limits):
 * JSON `{"deferrals": n, "attempts": k}`, how often the task was deferred and
 * how many receives it spent running before its copy was sent. One
 * attribute, so a publisher's own attributes keep nine of SQS's ten.
 */
export const DEFERRAL_ATTRIBUTE = 'tasklanes-deferral';

/**
 * Where a dead letter's reason is kept when its attributes do not all fit
 * beside the body (a body near SQS's 1 MiB limit): a record in the dedup
 * table under the DLQ copy's message id, holding every DLQ_ATTRIBUTES entry
 * under the same names, until the DLQ's retention ends. No dedup record key
 * starts with "#" (tenants have no "#"), so the two never meet.
 */
export function deadLetterRecordKey(dlqMessageId: string): string {
  return `#dead-letter#${dlqMessageId}`;
}
