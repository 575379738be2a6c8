/**
 * EventBridge Scheduler schedules from the definition: one per scheduled task
 * type (every lane's heartbeat included) into the type's lane queue, with the
 * tick template, its time zone, a deliberate time window and retry policy,
 * through a per-lane role that may only send to that lane's queue.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { DEFAULT_OPTIONS } from '../../src/cdk/options.ts';
import { DEMO_LANES } from '../../demo/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import { SCHEDULER_CONTEXT, tickMessageTemplate } from '../../src/definition/schedule.ts';
import { TASK_TYPES } from '../../demo/tasks/index.ts';
import { arnOf, countByType, logicalId, synthesize, type Resource } from './support.ts';

const noop = () => undefined;
const scheduledTasks = [
  defineTask({
    type: 'report.nightly',
    lane: 'bulk',
    schema: z.object({}),
    handler: noop,
    schedule: { expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Berlin', tenant: 'reports' },
  }),
  defineTask({ type: 'cleanup.sweep', lane: 'default', schema: z.object({}), handler: noop, schedule: { expression: 'rate(2 hours)' } }),
  defineTask({ type: 'cache.refresh', lane: 'default', schema: z.object({}), handler: noop, schedule: { expression: 'rate(1 minute)' } }),
  defineTask({ type: 'stats.roll', lane: 'default', schema: z.object({}), handler: noop, schedule: { expression: 'rate(10 minutes)' } }),
];
const definition = createDefinition({ lanes: DEMO_LANES, tasks: [...TASK_TYPES, ...scheduledTasks] });
const { stack, template } = synthesize({ definition });
const resources = template.toJSON().Resources as Record<string, Resource>;

/** Each scheduled type's schedule as the issue specifies it, written out rather than recomputed. */
const EXPECTED: Record<string, { expression: string; timezone: string; window: Record<string, unknown>; maxEventAge: number }> = {
  'report.nightly': { expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Berlin', window: { Mode: 'OFF' }, maxEventAge: 86_400 },
  // Half of 120 minutes is 60: capped at the option's 15.
  'cleanup.sweep': {
    expression: 'rate(2 hours)',
    timezone: 'Etc/UTC',
    window: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    maxEventAge: 6 * 3600,
  },
  // Half a minute is below EventBridge's 1-minute minimum window: off.
  'cache.refresh': { expression: 'rate(1 minute)', timezone: 'Etc/UTC', window: { Mode: 'OFF' }, maxEventAge: 6 * 3600 },
  'stats.roll': {
    expression: 'rate(10 minutes)',
    timezone: 'Etc/UTC',
    window: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
    maxEventAge: 6 * 3600,
  },
  // Heartbeats: every minute, no window, max event age = the heartbeat's max age (2 x max(queue-age threshold, interval)).
  'heartbeat.critical': { expression: 'rate(1 minute)', timezone: 'Etc/UTC', window: { Mode: 'OFF' }, maxEventAge: 120 },
  'heartbeat.notifications': { expression: 'rate(1 minute)', timezone: 'Etc/UTC', window: { Mode: 'OFF' }, maxEventAge: 600 },
  'heartbeat.bulk': { expression: 'rate(1 minute)', timezone: 'Etc/UTC', window: { Mode: 'OFF' }, maxEventAge: 3600 },
  'heartbeat.default': { expression: 'rate(1 minute)', timezone: 'Etc/UTC', window: { Mode: 'OFF' }, maxEventAge: 1200 },
};

function scheduleOf(type: string): Record<string, any> {
  const schedule = stack.tasklanes.schedules.get(definition.findTask(type)!.lane)?.schedules.get(type);
  assert.ok(schedule, `a schedule for ${type}`);
  return resources[logicalId(schedule)]!.Properties;
}

test('one schedule per scheduled task type, heartbeats included, and no other', () => {
  assert.deepEqual(
    Object.keys(EXPECTED).sort(),
    definition.tasks
      .filter((t) => t.schedule)
      .map((t) => t.type)
      .sort(),
  );
  assert.equal(countByType(template)['AWS::Scheduler::Schedule'], Object.keys(EXPECTED).length);
});

describe('schedules', () => {
  for (const [type, expected] of Object.entries(EXPECTED)) {
    test(`${type}: ${expected.expression} in ${expected.timezone}, window ${expected.window.Mode}, into its lane's queue`, () => {
      const task = definition.findTask(type)!;
      const lane = stack.tasklanes.lanes.find((l) => l.definition.name === task.lane)!;
      const props = scheduleOf(type);
      assert.equal(props.ScheduleExpression, expected.expression);
      assert.equal(props.ScheduleExpressionTimezone, expected.timezone);
      assert.deepEqual(props.FlexibleTimeWindow, expected.window);
      assert.equal(props.State, 'ENABLED');
      assert.deepEqual(props.Target.Arn, arnOf(lane.queue));
      assert.deepEqual(props.Target.RoleArn, arnOf(stack.tasklanes.schedules.get(task.lane)!.role));
      assert.deepEqual(props.Target.RetryPolicy, {
        MaximumRetryAttempts: DEFAULT_OPTIONS.schedules.retryAttempts,
        MaximumEventAgeInSeconds: expected.maxEventAge,
      });
      assert.equal(props.Target.DeadLetterConfig, undefined);
    });

    test(`${type}: the input is the v1 tick envelope with the scheduler's context attributes`, () => {
      const input = scheduleOf(type).Target.Input as string;
      assert.equal(typeof input, 'string');
      assert.equal(input, tickMessageTemplate(definition.findTask(type)!));
      const envelope = JSON.parse(input) as Record<string, unknown>;
      assert.equal(envelope.v, 1);
      assert.equal(envelope.type, type);
      assert.equal(envelope.id, SCHEDULER_CONTEXT.executionId);
      assert.equal(envelope.createdAt, SCHEDULER_CONTEXT.scheduledTime);
      assert.equal(envelope.dedupKey, `tick-${SCHEDULER_CONTEXT.scheduledTime}`);
      assert.equal(envelope.tenant, type === 'report.nightly' ? 'reports' : 'system');
    });
  }
});

describe('scheduler roles', () => {
  for (const lane of stack.tasklanes.lanes) {
    const name = lane.definition.name;
    test(`lane ${name}: assumed by EventBridge Scheduler for this account's schedules, may only sqs:SendMessage to this lane's queue`, () => {
      const role = stack.tasklanes.schedules.get(name)!.role;
      const trust = resources[logicalId(role)]!.Properties.AssumeRolePolicyDocument.Statement;
      assert.equal(trust.length, 1);
      assert.equal(trust[0].Action, 'sts:AssumeRole');
      assert.deepEqual(trust[0].Principal, { Service: 'scheduler.amazonaws.com' });
      assert.deepEqual(trust[0].Condition.StringEquals['aws:SourceAccount'], { Ref: 'AWS::AccountId' });
      assert.match(JSON.stringify(trust[0].Condition.StringEquals['aws:SourceArn']), /:schedule-group\/default/);
      assert.equal(resources[logicalId(role)]!.Properties.ManagedPolicyArns, undefined);

      const policies = Object.values(resources).filter(
        (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === logicalId(role)),
      );
      assert.equal(policies.length, 1);
      assert.deepEqual(policies[0]!.Properties.PolicyDocument.Statement, [
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(lane.queue) },
      ]);
    });
  }

  test("every schedule of a lane uses that lane's role", () => {
    for (const [lane, schedules] of stack.tasklanes.schedules) {
      for (const type of schedules.schedules.keys()) {
        assert.deepEqual(scheduleOf(type).Target.RoleArn, arnOf(schedules.role), `${type} in ${lane}`);
      }
    }
  });
});

test('options: retries and the longest flexible window are tunable', () => {
  const tuned = synthesize({ definition, schedules: { retryAttempts: 0, maxFlexibleWindowMinutes: 2 } });
  const sweep = tuned.stack.tasklanes.schedules.get('default')!.schedules.get('cleanup.sweep')!;
  const props = (tuned.template.toJSON().Resources as Record<string, Resource>)[logicalId(sweep)]!.Properties;
  assert.deepEqual(props.FlexibleTimeWindow, { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 2 });
  assert.equal(props.Target.RetryPolicy.MaximumRetryAttempts, 0);
});

test('without heartbeats or scheduled types: no schedules, no scheduler roles, no heartbeat alarms', () => {
  const bare = synthesize({ definition: createDefinition({ lanes: DEMO_LANES, tasks: TASK_TYPES, heartbeats: false }) });
  const counts = countByType(bare.template);
  assert.equal(counts['AWS::Scheduler::Schedule'], undefined);
  assert.equal(bare.stack.tasklanes.schedules.size, 0);
  const alarmNames = Object.values(bare.template.toJSON().Resources as Record<string, Resource>)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => r.Properties.AlarmName as string);
  assert.equal(alarmNames.filter((n) => /Heartbeat/.test(n)).length, 0);
  // 13 per lane of the four, and notifications' DeferredRate (sms.send has a rateLimit).
  assert.equal(alarmNames.length, 53);
});
