/**
 * A stack whose lanes are nested stacks (laneStacks: 'nested') outputs per
 * lane only its queue URL, consumer and mapping (CloudFormation's 200
 * outputs): the AWS target derives the queue ARN, the DLQ URL and the DLQ
 * ARN from the queue URL. CloudFormation is a fake answering DescribeStacks;
 * nothing else is called.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { createAwsTarget, type AwsClients } from '../../src/ops/target/aws.ts';

const OUTPUTS = {
  LaneNames: 'critical',
  LaneCriticalQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-critical',
  LaneCriticalConsumerFunctionName: 'shop-LaneStackcritical-Consumer1A2B3C',
  LaneCriticalEventSourceMappingUuid: '6f1d2c7e-0000-4000-8000-000000000001',
};

test('the queue ARN, DLQ URL and DLQ ARN follow from the queue URL when the stack does not output them', async () => {
  const cloudformation = {
    send: async (command: object) => {
      assert.ok(command instanceof DescribeStacksCommand);
      return {
        Stacks: [{ StackName: 'shop', Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
      };
    },
    config: { region: async () => 'eu-west-1' },
    destroy: () => {},
  } as unknown as CloudFormationClient;
  const unused = { destroy: () => {} };
  const clients = {
    cloudformation,
    cloudwatch: unused,
    dynamodb: unused,
    lambda: unused,
    sqs: unused,
    logs: unused,
  } as unknown as AwsClients;
  const target = await createAwsTarget({ stackName: 'shop', clients });
  assert.deepEqual(target.lanes, ['critical']);
  assert.deepEqual(target.queues('critical'), {
    queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-critical',
    queueArn: 'arn:aws:sqs:eu-west-1:123456789012:shop-critical',
    dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-critical-dlq',
    dlqArn: 'arn:aws:sqs:eu-west-1:123456789012:shop-critical-dlq',
    eventSourceMappingUuid: '6f1d2c7e-0000-4000-8000-000000000001',
  });
  target.close();
});
