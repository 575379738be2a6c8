/**
 * The AWS target's logic. SQS is real (the local server holds the queues
 * the stack's outputs point at); CloudFormation outputs, CloudWatch and
 * Lambda, which no local server answers, are SDK-level fakes that record
 * what they were asked. A missing stack goes through the real
 * CloudFormation client against a loopback server with AWS's error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetEventSourceMappingCommand, type LambdaClient, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { stackOutputKey } from '../../src/definition/stack-outputs.ts';
import { LOCAL_CREDENTIALS } from '../../src/ops/target/local-clients.ts';
import { laneStatus } from '../../src/ops/lanes/status.ts';
import { pauseLane, resumeLane } from '../../src/ops/lanes/pause.ts';
import { createAwsTarget, type AwsClients } from '../../src/ops/target/aws.ts';
import { dedupTableRecordStore } from '../../src/runtime/dead-letter.ts';
import { StackNotFoundError, StackOutputMissingError, UnknownLaneError } from '../../src/ops/errors.ts';
import { laneDefinition } from '../support/definitions.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { startMissingStackCloudFormation, type FakeCloudFormation } from './fake-cloudformation.ts';

const stack = withLocalStack({ definition: laneDefinition({ alpha: {} }) });
const UUID = '6f1d2c7e-0000-4000-8000-000000000001';
const REGION = 'eu-west-1';

/** A client whose `send` answers from `answer` and records each command. */
function fake<T>(answer: (command: object) => unknown, sent: object[]): T {
  return {
    send: async (command: object) => {
      sent.push(command);
      return answer(command);
    },
    config: { region: async () => REGION },
    destroy: () => {},
  } as unknown as T;
}

function clients(options: { outputs: Record<string, string>; state?: string; age?: number[] }) {
  const sent: object[] = [];
  let state = options.state ?? 'Enabled';
  const aws: AwsClients = {
    cloudformation: fake<CloudFormationClient>((command) => {
      assert.ok(command instanceof DescribeStacksCommand);
      return {
        Stacks: [
          {
            StackName: 'tasklanes',
            Outputs: Object.entries(options.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      };
    }, sent),
    cloudwatch: fake<CloudWatchClient>(() => ({ MetricDataResults: [{ Id: 'age', Values: options.age ?? [] }] }), sent),
    lambda: fake<LambdaClient>((command) => {
      if (command instanceof UpdateEventSourceMappingCommand) state = command.input.Enabled ? 'Enabling' : 'Disabling';
      return { UUID, State: state };
    }, sent),
    dynamodb: stack().clients.dynamodb,
    sqs: stack().clients.sqs,
    logs: fake<CloudWatchLogsClient>(() => assert.fail('no Logs Insights query expected'), sent),
  };
  return { aws, sent };
}

function outputsOf(lane: string): Record<string, string> {
  const queues = stack().resources.lanes[lane]!;
  return {
    [stackOutputKey.queueUrl(lane)]: queues.queueUrl,
    [stackOutputKey.queueArn(lane)]: queues.queueArn,
    [stackOutputKey.dlqUrl(lane)]: queues.dlqUrl,
    [stackOutputKey.eventSourceMappingUuid(lane)]: UUID,
  };
}

describe('AWS target', () => {
  it('reads queue URLs from the outputs, counts from SQS, oldest age from CloudWatch, consumer state from the mapping', async () => {
    const { aws, sent } = clients({ outputs: outputsOf('alpha'), age: [42, 17] });
    const target = await createAwsTarget({ stackName: 'tasklanes', lanes: ['alpha'], clients: aws });
    assert.equal(target.description, `stack tasklanes in ${REGION}`);
    assert.equal(target.queues('alpha').dlqArn, stack().resources.lanes.alpha!.dlqArn, 'DLQ ARN derived from the queue ARN and DLQ URL');
    await stack().clients.sqs.send(new SendMessageCommand({ QueueUrl: target.queues('alpha').queueUrl, MessageBody: '{}' }));

    const status = await laneStatus(target, 'alpha');
    assert.deepEqual(status, {
      lane: 'alpha',
      visible: 1,
      inFlight: 0,
      delayed: 0,
      oldestAgeSeconds: 42,
      dlqVisible: 0,
      consumerEnabled: true,
    });
    const query = (sent.find((command) => command instanceof GetMetricDataCommand) as GetMetricDataCommand)
      .input as GetMetricDataCommandInput;
    const metric = query.MetricDataQueries![0]!.MetricStat!.Metric!;
    assert.deepEqual(
      [metric.Namespace, metric.MetricName, metric.Dimensions],
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage', [{ Name: 'QueueName', Value: 'tasklanes-alpha' }]],
    );
    assert.equal(query.ScanBy, 'TimestampDescending');
    const mapping = sent.find((command) => command instanceof GetEventSourceMappingCommand) as GetEventSourceMappingCommand;
    assert.equal(mapping.input.UUID, UUID);
  });

  it('pauses and resumes through the event source mapping', async () => {
    const { aws, sent } = clients({ outputs: outputsOf('alpha') });
    const target = await createAwsTarget({ stackName: 'tasklanes', lanes: ['alpha'], clients: aws });
    assert.deepEqual(await pauseLane(target, 'alpha'), { lane: 'alpha', wasEnabled: true, enabled: false });
    assert.deepEqual(await resumeLane(target, 'alpha'), { lane: 'alpha', wasEnabled: false, enabled: true });
    const updates = sent
      .filter((command) => command instanceof UpdateEventSourceMappingCommand)
      .map((command) => (command as UpdateEventSourceMappingCommand).input);
    assert.deepEqual(updates, [
      { UUID, Enabled: false },
      { UUID, Enabled: true },
    ]);
  });

  it('reads the reason records of dead letters from the table the DedupTableName output names; without it, fails only when asked', async () => {
    const records = dedupTableRecordStore(stack().clients.dynamodb, stack().resources.dedupTable);
    const reason = {
      'tasklanes-reason': { DataType: 'String', StringValue: 'invalid' },
      'tasklanes-attempts': { DataType: 'Number', StringValue: '1' },
    };
    await records.keep('dlq-copy-7', reason, Math.ceil(Date.now() / 1000) + 60);
    const { aws } = clients({ outputs: { ...outputsOf('alpha'), [stackOutputKey.dedupTableName]: stack().resources.dedupTable } });
    const target = await createAwsTarget({ stackName: 'tasklanes', lanes: ['alpha'], clients: aws });
    assert.deepEqual(
      await target.deadLetterRecords(['dlq-copy-7', 'dlq-copy-without-record']),
      new Map([['dlq-copy-7', { 'tasklanes-reason': 'invalid', 'tasklanes-attempts': '1' }]]),
    );

    const older = await createAwsTarget({
      stackName: 'tasklanes',
      lanes: ['alpha'],
      clients: clients({ outputs: outputsOf('alpha') }).aws,
    });
    assert.deepEqual(await older.deadLetterRecords([]), new Map());
    await assert.rejects(older.deadLetterRecords(['dlq-copy-7']), {
      name: 'StackOutputMissingError',
      message: 'stack tasklanes has no output DedupTableName: was it deployed by tasklanes?',
    });
  });

  it('no data point in CloudWatch is an unknown age, not zero', async () => {
    const { aws } = clients({ outputs: outputsOf('alpha') });
    const target = await createAwsTarget({ stackName: 'tasklanes', lanes: ['alpha'], clients: aws });
    assert.equal(await target.oldestAgeSeconds('alpha'), undefined);
  });

  it('names the missing output of a lane the stack was not deployed with, and rejects unknown lanes', async () => {
    const { aws } = clients({ outputs: outputsOf('alpha') });
    await assert.rejects(createAwsTarget({ stackName: 'tasklanes', lanes: ['alpha', 'beta'], clients: aws }), StackOutputMissingError);
    const target = await createAwsTarget({ stackName: 'tasklanes', lanes: ['alpha'], clients: aws });
    assert.throws(() => target.queues('beta'), UnknownLaneError);
  });

  it('finds the lanes in the LaneNames output when the caller names none (the CLI has no definition)', async () => {
    const { aws } = clients({ outputs: { ...outputsOf('alpha'), LaneNames: 'alpha' } });
    const target = await createAwsTarget({ stackName: 'tasklanes', clients: aws });
    assert.deepEqual(target.lanes, ['alpha']);
    assert.equal(target.queues('alpha').queueUrl, stack().resources.lanes.alpha!.queueUrl);
  });

  it('a stack without LaneNames (deployed by 0.1.0) is named as such when the caller names no lanes', async () => {
    const { aws } = clients({ outputs: outputsOf('alpha') });
    await assert.rejects(createAwsTarget({ stackName: 'tasklanes', clients: aws }), (error: Error) => {
      assert.ok(error instanceof StackOutputMissingError);
      assert.equal(error.message, 'stack tasklanes has no output LaneNames: was it deployed by tasklanes 0.2 or later?');
      return true;
    });
  });

  describe('a stack that does not exist', () => {
    let cloudformation: FakeCloudFormation;
    before(async () => {
      cloudformation = await startMissingStackCloudFormation();
    });
    after(() => cloudformation.close());

    it("is a StackNotFoundError carrying CloudFormation's message", async () => {
      const { aws } = clients({ outputs: {} });
      const real = new CloudFormationClient({
        region: REGION,
        endpoint: cloudformation.endpoint,
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      });
      await assert.rejects(
        createAwsTarget({ stackName: 'no-such-stack', lanes: ['alpha'], clients: { ...aws, cloudformation: real } }),
        (error: Error) => {
          assert.ok(error instanceof StackNotFoundError);
          assert.match(error.message, /Stack with id no-such-stack does not exist/);
          return true;
        },
      );
    });
  });
});
