/**
 * Scheduled ticks and lane heartbeats. EventBridge Scheduler sends the tick
 * message below to the type's lane queue, filling in its context
 * attributes; the local scheduler renders the same template. The dedup key
 * comes from the scheduled time, so a scheduler retry of one tick is a
 * duplicate, never a second run.
 */
import * as z from 'zod/mini';
import type { LaneDefinition, ResolvedTaskType, TaskTypeDefinition } from './types.ts';

/** EventBridge Scheduler context attributes, substituted in a target's Input. */
export const SCHEDULER_CONTEXT = {
  executionId: '<aws.scheduler.execution-id>',
  scheduledTime: '<aws.scheduler.scheduled-time>',
} as const;

/** Tenant of scheduled ticks that name none. */
export const DEFAULT_SCHEDULE_TENANT = 'system';

/** The v1 envelope of a tick, with the scheduler's placeholders in it. */
export function tickMessageTemplate(task: ResolvedTaskType): string {
  if (!task.schedule) throw new Error(`task type "${task.type}" has no schedule`);
  return JSON.stringify({
    v: 1,
    id: SCHEDULER_CONTEXT.executionId,
    type: task.type,
    tenant: task.schedule.tenant ?? DEFAULT_SCHEDULE_TENANT,
    dedupKey: `tick-${SCHEDULER_CONTEXT.scheduledTime}`,
    createdAt: SCHEDULER_CONTEXT.scheduledTime,
    payload: {},
  });
}

/** What the local scheduler does where AWS fills in the context attributes. */
export function renderTick(template: string, values: { executionId: string; scheduledTime: Date }): string {
  return template
    .replaceAll(SCHEDULER_CONTEXT.executionId, values.executionId)
    .replaceAll(SCHEDULER_CONTEXT.scheduledTime, values.scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'));
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const MINUTES_PER_UNIT: Readonly<Record<string, number>> = { minute: 1, hour: 60, day: 24 * 60 };

/** Minutes between ticks of a `rate(...)` expression; undefined for `cron(...)`. */
export function rateMinutes(expression: string): number | undefined {
  const match = RATE.exec(expression);
  return match ? Number(match[1]) * MINUTES_PER_UNIT[match[2]!.replace(/s$/, '')]! : undefined;
}

/** A heartbeat does nothing; if it needs longer than this, the lane is in trouble anyway. */
const HEARTBEAT_TIMEOUT_SECONDS = 10;

/** Type name of a lane's heartbeat task. */
export const heartbeatType = (lane: string) => `heartbeat.${lane}`;

/**
 * The heartbeat of a lane: a scheduled no-op that travels the whole path
 * (scheduler, queue, consumer, dedup table, metrics). Its `TaskSucceeded`
 * count proves the lane alive; its `TaskLatency` shows how far behind it is.
 */
export function heartbeatTask(lane: LaneDefinition): TaskTypeDefinition {
  const minutes = lane.heartbeatIntervalMinutes;
  return {
    type: heartbeatType(lane.name),
    lane: lane.name,
    description: `Proves lane ${lane.name} consumes end to end.`,
    schema: z.object({}),
    timeoutSeconds: Math.min(HEARTBEAT_TIMEOUT_SECONDS, lane.taskTimeoutSeconds),
    schedule: { expression: `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})` },
    // A heartbeat older than a few intervals says nothing new; expire it rather than run a backlog of them.
    maxAgeSeconds: Math.max(lane.queueAgeAlarmSeconds, minutes * 60) * 2,
    handler: () => undefined,
  };
}
