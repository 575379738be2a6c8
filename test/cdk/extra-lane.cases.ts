/**
 * Adding a lane to the definition adds exactly one lane's worth of
 * resources and outputs, and nothing else changes shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENV } from '../../src/definition/environment.ts';
import { definition } from '../../demo/definition.ts';
import { defineLane } from '../../src/definition/lanes.ts';
import { DEMO_LANES } from '../../demo/lanes.ts';
import { createDefinition } from '../../src/definition/registry.ts';
import { consumerTimeoutSeconds } from '../../src/definition/timeouts.ts';
import { TASK_TYPES } from '../../demo/tasks/index.ts';
import { countByType, synthesize } from './support.ts';

/**
 * What one lane is: two queues with their TLS policies, a consumer with its
 * role, policy, log group and event source; its heartbeat schedule with the
 * scheduler's role and policy; fifteen alarms (two of them on the heartbeat,
 * two on the event source mapping, three on the DLQ).
 */
const ONE_LANE = {
  'AWS::SQS::Queue': 2,
  'AWS::SQS::QueuePolicy': 2,
  'AWS::Lambda::Function': 1,
  'AWS::Lambda::EventSourceMapping': 1,
  'AWS::IAM::Role': 2,
  'AWS::IAM::Policy': 2,
  'AWS::Logs::LogGroup': 1,
  'AWS::Scheduler::Schedule': 1,
  'AWS::CloudWatch::Alarm': 15,
};

const base = synthesize({ definition });
const withReports = createDefinition({
  lanes: [...DEMO_LANES, defineLane('reports', 'Monthly reports: nobody waits.', { maxConcurrency: 3, taskTimeoutSeconds: 120 })],
  tasks: TASK_TYPES,
});
// Bundling is cached within the process, so this second synthesis only builds the template.
const extended = synthesize({ definition: withReports });

test('the stack grows by exactly one lane', () => {
  const before = countByType(base.template);
  const after = countByType(extended.template);
  const grown = Object.fromEntries(
    Object.keys(after)
      .map((type) => [type, after[type] - (before[type] ?? 0)] as const)
      .filter(([, delta]) => delta !== 0),
  );
  assert.deepEqual(grown, ONE_LANE);
});

test('five more outputs, all for the new lane', () => {
  const before = Object.keys(base.template.toJSON().Outputs);
  const added = Object.keys(extended.template.toJSON().Outputs).filter((key) => !before.includes(key));
  assert.deepEqual(added.sort(), [
    'LaneReportsConsumerFunctionName',
    'LaneReportsDlqUrl',
    'LaneReportsEventSourceMappingUuid',
    'LaneReportsQueueArn',
    'LaneReportsQueueUrl',
  ]);
});

test('the new lane takes its numbers from its definition', () => {
  extended.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 3 } });
  extended.template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: { [ENV.lane]: 'reports' } },
    Timeout: consumerTimeoutSeconds(withReports, 'reports'),
  });
});
