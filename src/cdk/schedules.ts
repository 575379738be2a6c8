/**
 * The EventBridge Scheduler schedules of one lane: one per scheduled task
 * type (the lane's heartbeat included), each sending the type's tick message
 * to the lane's queue, through a role that may do exactly that and nothing
 * else.
 */
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { heartbeatType, rateMinutes, tickMessageTemplate } from '../definition/schedule.ts';
import type { ResolvedTaskType } from '../definition/types.ts';
import type { Lane } from './lane.ts';
import type { ScheduleOptions } from './options.ts';

/** EventBridge Scheduler's bounds on a target's maximum event age. */
const MIN_EVENT_AGE_SECONDS = 60;
const MAX_EVENT_AGE_SECONDS = 24 * 60 * 60;

/** Schedules without a time zone run in UTC, as EventBridge's own default. */
export const DEFAULT_SCHEDULE_TIMEZONE = TimeZone.ETC_UTC;

/** Schedules live in the account's default group; the role's trust is scoped to it. */
const SCHEDULE_GROUP = 'default';

export interface LaneSchedulesProps {
  readonly lane: Lane;
  /** The lane's scheduled task types; must not be empty. */
  readonly tasks: readonly ResolvedTaskType[];
  readonly options: ScheduleOptions;
}

export class LaneSchedules extends Construct {
  /** Assumed by EventBridge Scheduler: sqs:SendMessage on this lane's queue, nothing else. */
  readonly role: Role;
  /** By task type. */
  readonly schedules: ReadonlyMap<string, Schedule>;

  constructor(scope: Construct, id: string, props: LaneSchedulesProps) {
    super(scope, id);
    const { lane, options } = props;
    const stack = Stack.of(this);
    // Confused-deputy guard: only schedules of this account's group may assume the role.
    this.role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: SCHEDULE_GROUP }),
          },
        },
      }),
      description: `EventBridge Scheduler sends the ticks of lane ${lane.definition.name} to its queue`,
    });

    const schedules = new Map<string, Schedule>();
    for (const task of props.tasks) {
      if (!task.schedule) throw new Error(`task type "${task.type}" has no schedule`);
      if (task.lane !== lane.definition.name)
        throw new Error(`task type "${task.type}" belongs to lane "${task.lane}", not "${lane.definition.name}"`);
      const schedule = new Schedule(this, `Tick-${task.type}`, {
        description: `tasklanes: tick of ${task.type} into lane ${task.lane}`,
        schedule: ScheduleExpression.expression(
          task.schedule.expression,
          task.schedule.timezone ? TimeZone.of(task.schedule.timezone) : DEFAULT_SCHEDULE_TIMEZONE,
        ),
        timeWindow: timeWindowOf(task, options),
        target: new SqsSendMessage(lane.queue, {
          role: this.role,
          input: ScheduleTargetInput.fromText(tickMessageTemplate(task)),
          retryAttempts: options.retryAttempts,
          // A tick older than its type's max age would only be counted expired by the consumer.
          maxEventAge: Duration.seconds(Math.min(MAX_EVENT_AGE_SECONDS, Math.max(MIN_EVENT_AGE_SECONDS, task.maxAgeSeconds))),
        }),
      });
      schedules.set(task.type, schedule);
    }
    this.schedules = schedules;
  }
}

/**
 * - Heartbeat: OFF. Its latency from the scheduled time is the lane's
 *   end-to-end delay, which a window of deliberate delay would blur.
 * - `cron(...)`: OFF. A cron names wall-clock times (03:00 in a time zone)
 *   that people plan around.
 * - `rate(...)`: FLEXIBLE, up to half the interval (and the option's
 *   maximum), so EventBridge may spread the load while ticks keep their order.
 */
export function timeWindowOf(task: ResolvedTaskType, options: ScheduleOptions): TimeWindow {
  const minutes = task.schedule ? rateMinutes(task.schedule.expression) : undefined;
  if (task.type === heartbeatType(task.lane) || minutes === undefined) return TimeWindow.off();
  const window = Math.min(options.maxFlexibleWindowMinutes, Math.floor(minutes / 2));
  return window >= 1 ? TimeWindow.flexible(Duration.minutes(window)) : TimeWindow.off();
}
