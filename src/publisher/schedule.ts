/**
 * A task due beyond SQS's 15-minute delay, as an EventBridge Scheduler
 * one-time schedule: `at(...)` its time in UTC, no flexible window, deleted
 * by Scheduler once it has fired, whose target is SQS SendMessage of the
 * task's v1 body to its lane's queue with the tenant as MessageGroupId.
 * The input is built here in one place, so the typed publisher and the
 * documented raw equivalent (docs/scheduling.md#run-at) are the same call.
 *
 * The target is Scheduler's universal target for SQS SendMessage, not its
 * templated SQS target: the templated target's SqsParameters.MessageGroupId
 * is documented for FIFO queues only, while the universal target passes the
 * SendMessage request as given, MessageGroupId included, as fair queues take it.
 */
import { createHash } from 'node:crypto';
import type { CreateScheduleCommandInput, SchedulerClient } from '@aws-sdk/client-scheduler';
import { MAX_SCHEDULE_INPUT_BYTES } from '../definition/limits.ts';
import { laneQueuesFromUrl } from '../definition/stack-outputs.ts';
import { MessageTooLargeError } from './errors.ts';

/** Scheduler's bounds on a target's retries (API reference, RetryPolicy). */
export const SCHEDULE_RETRY_LIMITS = { minEventAgeSeconds: 60, maxEventAgeSeconds: 24 * 60 * 60, maxRetryAttempts: 185 } as const;

/** Schedule names: 1 to 64 of these characters (API reference, CreateSchedule). */
const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,64}$/;

/** Where schedules go and the role Scheduler sends with. */
export interface ScheduleTarget {
  readonly group: string;
  readonly roleArn: string;
}

export interface ScheduledTask {
  readonly id: string;
  readonly type: string;
  readonly lane: string;
  readonly queueUrl: string;
  /** The v1 envelope, exactly as it would be sent to SQS. */
  readonly body: string;
  readonly tenant: string;
  /** Epoch ms it is due. */
  readonly at: number;
  /** Epoch ms of its deadline. */
  readonly deadline: number;
}

/**
 * A task's schedule name: its id when the id is a valid name (a UUID is),
 * else the id's SHA-256 in hex (64 characters). Names are unique in a group,
 * so a second task with the same id is refused (ConflictException) instead
 * of scheduled twice.
 */
export function scheduleNameOf(taskId: string): string {
  return SCHEDULE_NAME.test(taskId) ? taskId : createHash('sha256').update(taskId, 'utf8').digest('hex');
}

/** `at(yyyy-mm-ddThh:mm:ss)`, at the whole second on or after `epochMs`, so it never fires early. */
export function atExpression(epochMs: number): string {
  return `at(${new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/**
 * Scheduler keeps retrying a failed send until the task's deadline (within its
 * own 60 s..24 h bounds): a send later than that would only deliver a task
 * the consumer expires.
 */
export function maxEventAgeSeconds(at: number, deadline: number): number {
  const { minEventAgeSeconds, maxEventAgeSeconds: max } = SCHEDULE_RETRY_LIMITS;
  return Math.min(max, Math.max(minEventAgeSeconds, Math.floor((deadline - at) / 1000)));
}

/** The lane queue's ARN parts; a local endpoint's URL (no `sqs.<region>.` host) takes the client's region. */
function queueArnOf(queueUrl: string, region: string): string {
  if (new URL(queueUrl).hostname.startsWith('sqs.')) return laneQueuesFromUrl(queueUrl).queueArn;
  const [, account, name] = new URL(queueUrl).pathname.split('/');
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

export function createScheduleInput(task: ScheduledTask, target: ScheduleTarget, region: string): CreateScheduleCommandInput {
  const queueArn = queueArnOf(task.queueUrl, region);
  const partition = queueArn.split(':')[1]!;
  const input = JSON.stringify({ QueueUrl: task.queueUrl, MessageBody: task.body, MessageGroupId: task.tenant });
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > MAX_SCHEDULE_INPUT_BYTES)
    throw new MessageTooLargeError(bytes, MAX_SCHEDULE_INPUT_BYTES, 'an EventBridge Scheduler target input');
  return {
    Name: scheduleNameOf(task.id),
    GroupName: target.group,
    Description: `tasklanes: task ${task.id} (${task.type}) into lane ${task.lane}`,
    ScheduleExpression: atExpression(task.at),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: {
      Arn: `arn:${partition}:scheduler:::aws-sdk:sqs:sendMessage`,
      RoleArn: target.roleArn,
      Input: input,
      RetryPolicy: {
        MaximumEventAgeInSeconds: maxEventAgeSeconds(task.at, task.deadline),
        MaximumRetryAttempts: SCHEDULE_RETRY_LIMITS.maxRetryAttempts,
      },
      // The lane's DLQ (the stack's naming: the queue's name plus -dlq): a task Scheduler cannot send lands beside the lane's dead letters.
      DeadLetterConfig: { Arn: `${queueArn}-dlq` },
    },
  };
}

/** Creates the task's schedule; @aws-sdk/client-scheduler is loaded here, on the first one. */
export async function scheduleDelivery(
  client: SchedulerClient,
  target: ScheduleTarget,
  task: ScheduledTask,
): Promise<{ readonly scheduleArn: string }> {
  const region = typeof client.config?.region === 'function' ? await client.config.region() : String(client.config?.region ?? '');
  const input = createScheduleInput(task, target, region);
  const { CreateScheduleCommand } = await import('@aws-sdk/client-scheduler');
  const { ScheduleArn } = await client.send(new CreateScheduleCommand(input));
  return { scheduleArn: ScheduleArn ?? '' };
}
