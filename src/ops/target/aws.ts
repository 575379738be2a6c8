/**
 * A deployed stack as an ops target: queue URLs and the event source
 * mapping UUIDs from the stack's outputs (DescribeStacks), the oldest age
 * from CloudWatch's ApproximateAgeOfOldestMessage, consumer state and
 * pausing through the lane's event source mapping. Credentials and region
 * come from the usual AWS chain (environment, profile, SSO, instance role).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetEventSourceMappingCommand, LambdaClient, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { laneQueuesFromUrl, stackOutputKey } from '../../definition/stack-outputs.ts';
import {
  MissingCredentialsError,
  MissingRegionError,
  StackNotFoundError,
  StackOutputMissingError,
  UnknownLaneError,
} from '../errors.ts';
import { readDeadLetterRecords } from './dead-letter-records.ts';
import { sqsQueueCounts } from './sqs-counts.ts';
import type { LaneQueues, OpsTarget } from './target.ts';

/** The AWS clients the target uses; injectable for tests. */
export interface AwsClients {
  readonly cloudformation: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly dynamodb: DynamoDBClient;
  readonly lambda: LambdaClient;
  readonly sqs: SQSClient;
}

export interface AwsTargetOptions {
  readonly stackName: string;
  /** Lane names of the deployed definition. Default: the stack's `LaneNames` output. */
  readonly lanes?: readonly string[];
  /** Default: the SDK's region chain (AWS_REGION, profile). */
  readonly region?: string;
  /** Default: new clients in `region`. */
  readonly clients?: AwsClients;
}

export const AWS_TARGET_DEFAULTS = {
  /** ApproximateAgeOfOldestMessage is published per minute. */
  agePeriodSeconds: 60,
  /** Look back this far for the latest data point: SQS metrics arrive a few minutes late. */
  ageLookbackMinutes: 15,
} as const;

/** Event source mapping states in which the lane consumes (or is about to). */
const CONSUMING_STATES = new Set(['Enabled', 'Enabling', 'Updating']);

export function createAwsClients(region?: string): AwsClients {
  const config = region ? { region } : {};
  return {
    cloudformation: new CloudFormationClient(config),
    cloudwatch: new CloudWatchClient(config),
    dynamodb: new DynamoDBClient(config),
    lambda: new LambdaClient(config),
    sqs: new SQSClient(config),
  };
}

interface LaneOutputs extends LaneQueues {
  readonly eventSourceMappingUuid: string;
}

export async function createAwsTarget(options: AwsTargetOptions): Promise<OpsTarget> {
  const clients = options.clients ?? createAwsClients(options.region);
  const close = () => Object.values(clients).forEach((client) => client.destroy());
  try {
    const region = await resolveRegion(clients.cloudformation);
    const outputs = await describeOutputs(clients.cloudformation, options.stackName);
    const names = options.lanes ?? laneNames(outputs, options.stackName);
    const lanes = new Map(names.map((lane) => [lane, laneOutputs(outputs, options.stackName, lane)]));
    const lane = (name: string): LaneOutputs => {
      const found = lanes.get(name);
      if (!found) throw new UnknownLaneError(name, names);
      return found;
    };
    const setEnabled = async (name: string, enabled: boolean) => {
      await clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: lane(name).eventSourceMappingUuid, Enabled: enabled }));
    };
    return {
      description: `stack ${options.stackName} in ${region}`,
      sqs: clients.sqs,
      lanes: names,
      queues: lane,
      counts: (queueUrl) => sqsQueueCounts(clients.sqs, queueUrl),
      oldestAgeSeconds: (name) => latestOldestAge(clients.cloudwatch, queueName(lane(name).queueUrl)),
      async consumerEnabled(name) {
        const { State } = await clients.lambda.send(new GetEventSourceMappingCommand({ UUID: lane(name).eventSourceMappingUuid }));
        return CONSUMING_STATES.has(State ?? '');
      },
      pause: (name) => setEnabled(name, false),
      resume: (name) => setEnabled(name, true),
      async deadLetterRecords(ids) {
        if (ids.length === 0) return new Map();
        // Read only when asked: a stack without the output still answers everything else.
        const table = outputs.get(stackOutputKey.dedupTableName);
        if (!table) throw new StackOutputMissingError(`stack ${options.stackName} has no output ${stackOutputKey.dedupTableName}: was it deployed by tasklanes?`);
        return readDeadLetterRecords(clients.dynamodb, table, ids);
      },
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

async function resolveRegion(client: CloudFormationClient): Promise<string> {
  try {
    return await client.config.region();
  } catch (error) {
    throw new MissingRegionError('no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)', { cause: error });
  }
}

async function describeOutputs(client: CloudFormationClient, stackName: string): Promise<Map<string, string>> {
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks[0];
    if (!stack) throw new StackNotFoundError(`stack ${stackName} does not exist`);
    return new Map((stack.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
  } catch (error) {
    // The credential chain's error class lives in a transitive @smithy package; its name is its public contract.
    if ((error as Error).name === 'CredentialsProviderError') {
      throw new MissingCredentialsError(
        'no AWS credentials found: set AWS_PROFILE (and run `aws sso login` if it uses SSO) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
        { cause: error },
      );
    }
    // DescribeStacks with a StackName answers ValidationError ("Stack with id X does not exist"); CloudFormation models no class for it.
    if ((error as Error).name === 'ValidationError') {
      throw new StackNotFoundError(`stack ${stackName} not found: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

function laneNames(outputs: Map<string, string>, stackName: string): string[] {
  const value = outputs.get(stackOutputKey.laneNames);
  if (!value) throw new StackOutputMissingError(`stack ${stackName} has no output ${stackOutputKey.laneNames}: was it deployed by tasklanes 0.2 or later?`);
  return value.split(',');
}

function laneOutputs(outputs: Map<string, string>, stackName: string, lane: string): LaneOutputs {
  const read = (key: string) => {
    const value = outputs.get(key);
    if (!value) throw new StackOutputMissingError(`stack ${stackName} has no output ${key} for lane "${lane}": was it deployed from this definition?`);
    return value;
  };
  const queueUrl = read(stackOutputKey.queueUrl(lane));
  // A stack whose lanes are nested stacks outputs neither (NESTED_LANE_OUTPUTS): both follow from the queue URL.
  const derived = () => laneQueuesFromUrl(queueUrl);
  const dlqUrl = outputs.get(stackOutputKey.dlqUrl(lane)) ?? derived().dlqUrl;
  const queueArn = outputs.get(stackOutputKey.queueArn(lane)) ?? derived().queueArn;
  return {
    queueUrl,
    queueArn,
    dlqUrl,
    // The stack outputs no DLQ ARN: it is the queue's ARN with the DLQ's name, both from the same account and region.
    dlqArn: `${queueArn.slice(0, queueArn.lastIndexOf(':') + 1)}${queueName(dlqUrl)}`,
    eventSourceMappingUuid: read(stackOutputKey.eventSourceMappingUuid(lane)),
  };
}

const queueName = (queueUrl: string) => queueUrl.slice(queueUrl.lastIndexOf('/') + 1);

async function latestOldestAge(cloudwatch: CloudWatchClient, name: string): Promise<number | undefined> {
  const end = new Date();
  const start = new Date(end.getTime() - AWS_TARGET_DEFAULTS.ageLookbackMinutes * 60_000);
  const { MetricDataResults = [] } = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: start,
      EndTime: end,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'age',
          MetricStat: {
            Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: name }] },
            Period: AWS_TARGET_DEFAULTS.agePeriodSeconds,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return MetricDataResults[0]?.Values?.[0];
}
