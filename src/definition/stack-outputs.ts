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
} as const;
