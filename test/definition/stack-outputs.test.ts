/** A lane's queue ARN and DLQ URL from its queue URL, for stacks that output only the URL (lanes in nested stacks). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { laneQueuesFromUrl } from '../../src/definition/stack-outputs.ts';

test('a queue URL of each partition gives its queue ARN and the DLQ URL beside it', () => {
  assert.deepEqual(laneQueuesFromUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/shop-tasks-critical'), {
    queueArn: 'arn:aws:sqs:eu-west-1:123456789012:shop-tasks-critical',
    dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/shop-tasks-critical-dlq',
  });
  assert.equal(
    laneQueuesFromUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/t-bulk').queueArn,
    'arn:aws-cn:sqs:cn-north-1:123456789012:t-bulk',
  );
  assert.equal(
    laneQueuesFromUrl('https://sqs.us-gov-west-1.amazonaws.com/123456789012/t-bulk').queueArn,
    'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:t-bulk',
  );
});

test('anything else is refused rather than turned into a wrong ARN', () => {
  assert.throws(() => laneQueuesFromUrl('https://sqs.eu-west-1.amazonaws.com/shop-tasks-critical'), TypeError);
});
