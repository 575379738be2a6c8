/**
 * How a lane scales on AWS, in the template: provisioned pollers instead of a
 * maximum concurrency (AWS takes one or the other for SQS), and what the
 * dashboard shows of them; reserved concurrency on the consumer. Values written out, not computed by the code under test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_LANES } from '../../demo/lanes.ts';
import { TASK_TYPES } from '../../demo/tasks/index.ts';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition } from '../../src/definition/registry.ts';
import { logicalId, resource, synthesize, type Resource } from './support.ts';

const definition = createDefinition({
  lanes: [
    ...DEMO_LANES,
    defineLane('burst', 'The critical lane behind a sale: bursts must not wait.', { provisionedPollers: { minimum: 4, maximum: 30 } }),
    defineLane('payments', 'Capacity nobody else in the account can take.', { maxConcurrency: 20, reservedConcurrency: 25 }),
  ],
  tasks: TASK_TYPES,
});
const { stack, template } = synthesize({ definition });
const resources = template.toJSON().Resources as Record<string, Resource>;
const built = (name: string) => stack.tasklanes.lanes.find((lane) => lane.definition.name === name)!;
const mappingOf = (name: string) => {
  const found = Object.values(resources).filter(
    (r) =>
      r.Type === 'AWS::Lambda::EventSourceMapping' &&
      JSON.stringify(r.Properties.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [logicalId(built(name).queue), 'Arn'] }),
  );
  assert.equal(found.length, 1);
  return found[0]!.Properties;
};

describe('provisioned pollers', () => {
  test("the burst lane's mapping is in provisioned mode, without MaximumConcurrency", () => {
    const mapping = mappingOf('burst');
    assert.deepEqual(mapping.ProvisionedPollerConfig, { MinimumPollers: 4, MaximumPollers: 30 });
    assert.equal(mapping.ScalingConfig, undefined);
  });

  test('a lane without pollers keeps its maximum concurrency and standard polling', () => {
    const mapping = mappingOf('critical');
    assert.deepEqual(mapping.ScalingConfig, { MaximumConcurrency: 50 });
    assert.equal(mapping.ProvisionedPollerConfig, undefined);
  });

  test("the alarms read the lane's bound: 30 pollers x 10 invokes, in the backlog threshold and the throttle runbook", () => {
    const alarm = (id: string) =>
      Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === `Tasklanes-burst-${id}`)!
        .Properties;
    // 300 x 10 x ceil(600 s / 60 s): the lane's only type is its heartbeat (10 s), so ceil(600 / 10) = 60.
    assert.equal(alarm('Backlog').Threshold, 300 * 10 * 60);
    assert.match(alarm('ConsumerThrottles').AlarmDescription, /caps itself at 300 concurrent invocations/);
  });

  test("the dashboard graphs the pollers running against the lane's minimum and maximum", () => {
    const dashboard = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!;
    const text = (dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[])
      .map((part) => (typeof part === 'string' ? part : '<ref>'))
      .join('');
    const widgets = (JSON.parse(text) as { widgets: { properties: Record<string, any> }[] }).widgets;
    const mapping = (lane: string) => widgets.find((w) => w.properties.title === `${lane}: event source mapping (records)`)!.properties;
    const burst = mapping('burst');
    const pollers = (burst.metrics as unknown[][]).filter((row) => row.includes('ProvisionedPollers'));
    assert.equal(pollers.length, 1);
    assert.deepEqual(pollers[0]!.at(-1), { label: 'ProvisionedPollers', period: 60, stat: 'Maximum', yAxis: 'right' });
    assert.deepEqual(
      burst.annotations.horizontal.map((a: { value: number; label: string; yAxis: string }) => [a.value, a.label, a.yAxis]),
      [
        [4, 'minimum pollers', 'right'],
        [30, 'maximum pollers', 'right'],
      ],
    );
    assert.equal(
      (mapping('critical').metrics as unknown[][]).some((row) => row.includes('ProvisionedPollers')),
      false,
    );
  });

  test("the consumer function is the same as any lane's: pollers change only the mapping", () => {
    assert.equal(resource(template, built('burst').consumer).Properties.ReservedConcurrentExecutions, undefined);
  });
});

describe('reserved concurrency', () => {
  test("the payments lane's consumer reserves 25 concurrent executions; its mapping still caps it at 20", () => {
    assert.equal(resource(template, built('payments').consumer).Properties.ReservedConcurrentExecutions, 25);
    assert.deepEqual(mappingOf('payments').ScalingConfig, { MaximumConcurrency: 20 });
  });

  test("lanes without the option reserve nothing: they share the account's pool", () => {
    for (const lane of ['critical', 'notifications', 'bulk', 'default'])
      assert.equal(resource(template, built(lane).consumer).Properties.ReservedConcurrentExecutions, undefined, lane);
  });

  test("the throttle alarm's runbook knows the lane has a reservation", () => {
    const description = (lane: string) =>
      Object.values(resources).find(
        (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === `Tasklanes-${lane}-ConsumerThrottles`,
      )!.Properties.AlarmDescription as string;
    assert.match(description('payments'), /although 25 concurrent executions are reserved for it, at least its cap of 20/);
    assert.match(description('critical'), /or give this lane a reservedConcurrency/);
  });
});
