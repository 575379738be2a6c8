/**
 * Room for lanes: a stack holding its lanes stops near 20 of them
 * (CloudFormation's 500 resources per stack); with a nested stack per lane,
 * one deployment holds 64 (its 200 outputs). Both refusals come before
 * synth, with a message that names the limit and the way out. Every count is
 * written out (per lane, with heartbeats on: 2 queues, 2 queue policies, the
 * consumer, its role, policy, log group and mapping, the heartbeat schedule
 * with the scheduler's role and policy, 15 alarms; 11 shared: dedup table,
 * topic, topic policy, dashboard, publisher policy, the runAt schedule group
 * with its scheduler role and policy, and the 3 saved Logs Insights queries,
 * saved once per 50 lanes).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, DeploymentTooLargeError } from '../../src/definition/registry.ts';
import type { LaneDefinition } from '../../src/definition/types.ts';
import { countByType, synthesize, type Resource } from './support.ts';

const lanes = (n: number): LaneDefinition[] => Array.from({ length: n }, (_, i) => defineLane(`lane-${i}`, `lane ${i}`));
const definitionOf = (n: number) => createDefinition({ lanes: lanes(n), tasks: [] });

const RESOURCES_PER_LANE = 27;
const SHARED_RESOURCES = 11;

describe('lanes in the stack itself (inline, the default)', () => {
  test('18 lanes synthesize: 18 x 27 + 11 = 497 resources', () => {
    const { template } = synthesize({ definition: definitionOf(18) });
    assert.equal(Object.keys(template.toJSON().Resources).length, 18 * RESOURCES_PER_LANE + SHARED_RESOURCES);
    assert.equal(Object.keys(template.toJSON().Resources).length, 497);
  });

  test('19 lanes are refused while the stack is built, naming the 500-resource limit and the nested layout', () => {
    assert.throws(
      () => synthesize({ definition: definitionOf(19) }),
      (error) =>
        error instanceof DeploymentTooLargeError &&
        error.quota === 'resources' &&
        error.needed === 524 &&
        error.allowed === 500 &&
        error.message ===
          "stack Tasklanes would declare 524 resources, and CloudFormation allows 500 per stack. Give each lane a nested stack of its own (laneStacks: 'nested', up to 64 lanes), or split the lanes across deployments.",
    );
  });
});

describe('a nested stack per lane', () => {
  const { stack, template } = synthesize({ definition: definitionOf(60), laneStacks: 'nested' });
  const root = template.toJSON() as { Resources: Record<string, Resource>; Outputs: Record<string, unknown> };

  // The scheduler role's policy names 120 queue ARNs: CDK moves a role policy past IAM's inline size limit into a managed policy (the second one).
  test('60 lanes: the top-level stack holds the shared resources (the saved queries twice: 50 lanes each) and one nested stack per lane', () => {
    assert.deepEqual(countByType(template), {
      'AWS::CloudFormation::Stack': 60,
      'AWS::DynamoDB::Table': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::TopicPolicy': 1,
      'AWS::CloudWatch::Dashboard': 1,
      'AWS::IAM::ManagedPolicy': 2,
      'AWS::Scheduler::ScheduleGroup': 1,
      'AWS::IAM::Role': 1,
      'AWS::Logs::QueryDefinition': 6,
    });
  });

  test("each lane's nested stack holds its lane and its own dashboard: 28 resources", () => {
    assert.equal(stack.tasklanes.laneStacks.length, 60);
    const nested = Template.fromStack(stack.tasklanes.laneStacks[7]!);
    assert.deepEqual(countByType(nested), {
      'AWS::SQS::Queue': 2,
      'AWS::SQS::QueuePolicy': 2,
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::EventSourceMapping': 1,
      'AWS::IAM::Role': 2,
      'AWS::IAM::Policy': 2,
      'AWS::Logs::LogGroup': 1,
      'AWS::Scheduler::Schedule': 1,
      'AWS::CloudWatch::Alarm': 15,
      'AWS::CloudWatch::Dashboard': 1,
    });
    // Named after the deployment, not the nested stack (whose name CloudFormation generates).
    nested.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'Tasklanes-lane-7' });
    nested.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'Tasklanes-lane-7-dlq' });
    nested.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Tasklanes-lane-7-QueueAge' });
    nested.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Tasklanes-lane-7' });
  });

  test('187 outputs at the top: 3 per lane (queue URL, consumer, mapping) and 7 shared', () => {
    const keys = Object.keys(root.Outputs);
    assert.equal(keys.length, 187);
    assert.deepEqual(
      keys.filter((key) => key.startsWith('LaneLane7')),
      ['LaneLane7QueueUrl', 'LaneLane7ConsumerFunctionName', 'LaneLane7EventSourceMappingUuid'],
    );
    assert.deepEqual(
      keys.filter((key) => !key.startsWith('LaneLane')),
      ['LaneNames', 'DedupTableName', 'AlarmTopicArn', 'DashboardName', 'PublisherPolicyArn', 'ScheduleGroupName', 'SchedulerRoleArn'],
    );
  });

  test("the top-level dashboard shows every alarm, at most 100 per widget, and names the lanes' dashboards", () => {
    const dashboard = Object.values(root.Resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!;
    const text = (dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[])
      .map((part) => (typeof part === 'string' ? part : '<ref>'))
      .join('');
    const widgets = (JSON.parse(text) as { widgets: { type: string; properties: Record<string, any> }[] }).widgets;
    const alarmWidgets = widgets.filter((w) => w.type === 'alarm');
    // 60 lanes x 15 alarms = 900.
    assert.deepEqual(
      alarmWidgets.map((w) => w.properties.alarms.length),
      [100, 100, 100, 100, 100, 100, 100, 100, 100],
    );
    assert.equal(alarmWidgets[0]!.properties.title, 'Alarms (1/9)');
    const lanesText = widgets.find((w) => w.type === 'text')!.properties.markdown as string;
    assert.match(lanesText, /`Tasklanes-lane-0`, `Tasklanes-lane-1`, /);
    assert.match(lanesText, /`Tasklanes-lane-59`\.$/);
    assert.equal(widgets.filter((w) => w.type === 'metric').length, 0, "the lanes' graphs are on their own dashboards");
  });

  test('64 lanes fit: 199 outputs at the top', () => {
    const { template: at64 } = synthesize({ definition: definitionOf(64), laneStacks: 'nested' });
    assert.equal(Object.keys(at64.toJSON().Outputs).length, 199);
  });

  test('65 lanes are refused by the definition, naming the 200-output limit', () => {
    assert.throws(
      () => definitionOf(65),
      (error) =>
        error instanceof DeploymentTooLargeError &&
        error.quota === 'outputs' &&
        error.needed === 202 &&
        error.allowed === 200 &&
        /^65 lanes do not fit one deployment: at most 64 do, because CloudFormation allows 200 outputs per stack/.test(error.message),
    );
  });
});
