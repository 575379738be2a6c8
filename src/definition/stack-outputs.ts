/**
 * CloudFormation output keys of the tasklanes stack. The stack writes them,
 * and the ops CLI and apps read them (`aws cloudformation describe-stacks`),
 * so they live here, free of aws-cdk-lib.
 */

/** `bulk-export` -> `BulkExport`: output keys must be alphanumeric. */
function pascal(lane: string): string {
  return lane
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

export const stackOutputKey = {
  queueUrl: (lane: string) => `Lane${pascal(lane)}QueueUrl`,
  queueArn: (lane: string) => `Lane${pascal(lane)}QueueArn`,
  dlqUrl: (lane: string) => `Lane${pascal(lane)}DlqUrl`,
  consumerFunctionName: (lane: string) => `Lane${pascal(lane)}ConsumerFunctionName`,
  /** UUID of the lane's SQS event source mapping: disabling it pauses the lane. */
  eventSourceMappingUuid: (lane: string) => `Lane${pascal(lane)}EventSourceMappingUuid`,
  /** Comma-separated lane names: how a reader finds the lanes without the app's definition. */
  laneNames: 'LaneNames',
  dedupTableName: 'DedupTableName',
  alarmTopicArn: 'AlarmTopicArn',
  dashboardName: 'DashboardName',
  publisherPolicyArn: 'PublisherPolicyArn',
  /** The EventBridge Scheduler group a publisher creates `runAt` schedules in. */
  scheduleGroupName: 'ScheduleGroupName',
  /** The role those schedules send with (the publisher passes it: iam:PassRole). */
  schedulerRoleArn: 'SchedulerRoleArn',
} as const;

/** The per-lane outputs, by their key functions in `stackOutputKey`. */
export type LaneOutput = 'queueUrl' | 'queueArn' | 'dlqUrl' | 'consumerFunctionName' | 'eventSourceMappingUuid';

/** Every lane's outputs when the lanes are in the stack itself. */
export const LANE_OUTPUTS: readonly LaneOutput[] = ['queueUrl', 'queueArn', 'dlqUrl', 'consumerFunctionName', 'eventSourceMappingUuid'];

/**
 * A lane's outputs when the lanes are nested stacks: the ones that cannot be
 * derived. CloudFormation allows 200 outputs per template, and five per lane
 * would stop a deployment at 39 lanes; the queue ARN and the DLQ URL follow
 * from the queue URL (`laneQueuesFromUrl`).
 */
export const NESTED_LANE_OUTPUTS: readonly LaneOutput[] = ['queueUrl', 'consumerFunctionName', 'eventSourceMappingUuid'];

/** The outputs every deployment has once, whatever its lanes. */
export const SHARED_OUTPUTS = [
  'laneNames',
  'dedupTableName',
  'alarmTopicArn',
  'dashboardName',
  'publisherPolicyArn',
  'scheduleGroupName',
  'schedulerRoleArn',
] as const satisfies readonly (keyof typeof stackOutputKey)[];

/**
 * A lane's queue ARN and DLQ URL from its queue URL, by the stack's naming
 * (the DLQ is the queue's name plus `-dlq`, src/cdk/lane.ts):
 * `https://sqs.<region>.<domain>/<account>/<name>`.
 */
export function laneQueuesFromUrl(queueUrl: string): { readonly queueArn: string; readonly dlqUrl: string } {
  const url = new URL(queueUrl);
  const [, account, name] = url.pathname.split('/');
  const [, region, ...domain] = url.hostname.split('.');
  if (!account || !name || !region) throw new TypeError(`not an SQS queue URL: ${queueUrl}`);
  const partition = domain.join('.') === 'amazonaws.com.cn' ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return { queueArn: `arn:${partition}:sqs:${region}:${account}:${name}`, dlqUrl: `${queueUrl}-dlq` };
}
