/**
 * Least privilege and discoverability: each consumer may touch only its own
 * queue, its own DLQ, its own log group and the dedup table (a lane with
 * limits also sends to its own queue and updates the table's limit
 * records); publishers may only send to the lane queues and create
 * schedules in the deployment's group, passing its scheduler role to
 * Scheduler only; that role may only send to the lane queues and their
 * DLQs; the outputs name everything apps and the ops CLI need, under keys
 * from the shared `stackOutputKey`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { stackOutputKey } from '../../src/definition/stack-outputs.ts';
import { DEDUP_ACTIONS } from '../../src/cdk/dedup-table.ts';
import { arnOf, logicalId, resource, synthesize, type Resource } from './support.ts';

let publisher!: Role;
const { stack, template } = synthesize({}, (stack) => {
  publisher = new Role(stack, 'AppRole', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });
  stack.grantPublish(publisher);
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The demo's lanes whose types have a limit (docs/design.md#6-limits): notifications, for sms.send's rate. */
const LANES_WITH_LIMITS: ReadonlySet<string> = new Set(['notifications']);

function statementsOf(roleId: string): Statement[] {
  const policies = Object.values(template.toJSON().Resources as Record<string, Resource>).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId),
  );
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actions = (statement: Statement) => [statement.Action].flat().sort();

describe('consumer roles', () => {
  for (const lane of stack.tasklanes.lanes) {
    test(`lane ${lane.definition.name}: own queue, own DLQ, own log group, dedup table item operations; nothing else`, () => {
      const roleId = logicalId(lane.consumer.role!);
      const role = resource(template, lane.consumer.role!);
      assert.equal(
        role.Properties.ManagedPolicyArns,
        undefined,
        'no AWS managed policies (AWSLambdaBasicExecutionRole allows every log group)',
      );
      assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);

      const statements = statementsOf(roleId);
      assert.ok(statements.every((s) => s.Effect === 'Allow'));
      // Each statement as resource, actions and condition, in a stable order: a lane with limits has two on the dedup table.
      const entries = (list: [unknown, string[], unknown?][]) =>
        list.map(([res, acts, condition]) => JSON.stringify([res, acts, condition ?? null])).sort();
      const limited = LANES_WITH_LIMITS.has(lane.definition.name);
      assert.deepEqual(
        entries(statements.map((s) => [s.Resource, actions(s), s.Condition])),
        entries([
          [arnOf(lane.consumer.logGroup), ['logs:CreateLogStream', 'logs:PutLogEvents']],
          [arnOf(lane.deadLetterQueue), ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']],
          [arnOf(stack.tasklanes.dedupTable.table), [...DEDUP_ACTIONS].sort()],
          [
            arnOf(lane.queue),
            [
              'sqs:ChangeMessageVisibility',
              'sqs:DeleteMessage',
              'sqs:GetQueueAttributes',
              'sqs:GetQueueUrl',
              'sqs:ReceiveMessage',
              // The deferred copies go back to the lane's own queue.
              ...(limited ? ['sqs:SendMessage'] : []),
            ],
          ],
          ...(limited
            ? ([
                [
                  arnOf(stack.tasklanes.dedupTable.table),
                  ['dynamodb:UpdateItem'],
                  { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['#limit#*'] } },
                ],
              ] as [unknown, string[], unknown][])
            : []),
        ]),
      );
    });
  }
});

describe('publisher', () => {
  const laneQueueArns = stack.tasklanes.lanes.map((lane) => JSON.stringify(arnOf(lane.queue))).sort();

  // Written out: the group's name is generated at synth, and the role is the one ScheduledDelivery creates.
  const schedulingStatements = [
    {
      Action: 'scheduler:CreateSchedule',
      Effect: 'Allow',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':scheduler:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':schedule/Tasklanes-ScheduledDelivery-Group-B19D7CC4/*',
          ],
        ],
      },
    },
    {
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': ['ScheduledDeliveryRole8FD3ACBA', 'Arn'] },
    },
  ];

  test('managed policy: sqs:SendMessage on the lane queues, not the DLQs; CreateSchedule in its group and PassRole of its scheduler role to Scheduler; nothing else', () => {
    const policy = resource(template, stack.tasklanes.publisherPolicy.policy);
    const [statement, ...rest] = policy.Properties.PolicyDocument.Statement as Statement[];
    assert.deepEqual(rest, schedulingStatements);
    assert.equal(statement.Effect, 'Allow');
    assert.equal(statement.Action, 'sqs:SendMessage');
    assert.deepEqual((statement.Resource as unknown[]).map((arn) => JSON.stringify(arn)).sort(), laneQueueArns);
  });

  test('grantPublish gives a role in the same app the same permissions', () => {
    const [statement, ...rest] = statementsOf(logicalId(publisher));
    assert.deepEqual(rest, schedulingStatements);
    assert.equal(statement.Action, 'sqs:SendMessage');
    assert.deepEqual((statement.Resource as unknown[]).map((arn) => JSON.stringify(arn)).sort(), laneQueueArns);
  });
});

describe('scheduled delivery (runAt beyond 15 minutes)', () => {
  const { role, group } = stack.tasklanes.scheduledDelivery;

  test('one schedule group for the deployment', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResource('AWS::Scheduler::ScheduleGroup', {
      Properties: { Name: 'Tasklanes-ScheduledDelivery-Group-B19D7CC4' },
      // Deleted with the stack: a kept group's name would stop the stack from being created again.
      DeletionPolicy: 'Delete',
    });
    assert.equal(logicalId(group), 'ScheduledDeliveryGroup6D657DBA');
  });

  test('its role: assumed by Scheduler for schedules of that group in this account only', () => {
    assert.deepEqual(resource(template, role).Properties.AssumeRolePolicyDocument.Statement, [
      {
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': { 'Fn::GetAtt': ['ScheduledDeliveryGroup6D657DBA', 'Arn'] },
          },
        },
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
      },
    ]);
  });

  test('its role: sqs:SendMessage on every lane queue and its DLQ, nothing else', () => {
    const [statement, ...rest] = statementsOf(logicalId(role));
    assert.deepEqual(rest, []);
    assert.equal(statement.Action, 'sqs:SendMessage');
    assert.deepEqual(
      (statement.Resource as unknown[]).map((arn) => JSON.stringify(arn)).sort(),
      stack.tasklanes.lanes.flatMap((lane) => [JSON.stringify(arnOf(lane.queue)), JSON.stringify(arnOf(lane.deadLetterQueue))]).sort(),
    );
  });
});

describe('outputs', () => {
  for (const lane of stack.tasklanes.lanes) {
    const name = lane.definition.name;
    test(`lane ${name}: queue URL and ARN, DLQ URL, consumer name, event source mapping UUID`, () => {
      template.hasOutput(stackOutputKey.queueUrl(name), { Value: { Ref: logicalId(lane.queue) } });
      template.hasOutput(stackOutputKey.queueArn(name), { Value: arnOf(lane.queue) });
      template.hasOutput(stackOutputKey.dlqUrl(name), { Value: { Ref: logicalId(lane.deadLetterQueue) } });
      template.hasOutput(stackOutputKey.consumerFunctionName(name), { Value: { Ref: logicalId(lane.consumer) } });
      const [mapping, ...others] = Object.keys(
        template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { EventSourceArn: arnOf(lane.queue) } }),
      );
      assert.deepEqual(others, []);
      // Ref of an AWS::Lambda::EventSourceMapping is its UUID.
      template.hasOutput(stackOutputKey.eventSourceMappingUuid(name), { Value: { Ref: mapping } });
    });
  }

  test('table, alarm topic, dashboard and publisher policy', () => {
    template.hasOutput(stackOutputKey.dedupTableName, { Value: { Ref: logicalId(stack.tasklanes.dedupTable.table) } });
    template.hasOutput(stackOutputKey.alarmTopicArn, { Value: { Ref: logicalId(stack.tasklanes.alarmTopic.topic) } });
    template.hasOutput(stackOutputKey.dashboardName, { Value: { Ref: logicalId(stack.tasklanes.dashboard.dashboard) } });
    template.hasOutput(stackOutputKey.publisherPolicyArn, { Value: { Ref: logicalId(stack.tasklanes.publisherPolicy.policy) } });
  });

  test('schedule group name and scheduler role ARN, for publishers', () => {
    template.hasOutput('ScheduleGroupName', { Value: 'Tasklanes-ScheduledDelivery-Group-B19D7CC4' });
    template.hasOutput('SchedulerRoleArn', { Value: { 'Fn::GetAtt': ['ScheduledDeliveryRole8FD3ACBA', 'Arn'] } });
  });

  test('the lane names, in definition order, for readers without the definition', () => {
    template.hasOutput('LaneNames', { Value: 'critical,notifications,bulk,default' });
  });

  test('nothing else: five per lane plus seven', () => {
    assert.equal(Object.keys(template.toJSON().Outputs).length, 5 * 4 + 7);
  });
});
