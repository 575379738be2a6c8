/**
 * What limits (docs/design.md#6-limits) add to the stack: on a lane whose
 * types have a limit, its consumer may also send to its own queue (the
 * deferred copies: sqs:SendMessage alone) and UpdateItem the dedup table's
 * limit records only, and knows its queue's URL, and it has a DeferredRate
 * alarm; a lane without limits gets none of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition, defineTask } from '../../src/definition/registry.ts';
import { ENV } from '../../src/definition/environment.ts';
import { arnOf, logicalId, resource, synthesize, type Resource } from './support.ts';

const definition = createDefinition({
  lanes: [
    defineLane('shared', 'every tenant through one lane, five of one at once', { concurrency: { perTenant: 5 } }),
    defineLane('rated', 'a rate-limited webhook'),
    defineLane('plain', 'no limits'),
  ],
  tasks: [
    defineTask({ type: 'shared.call', lane: 'shared', schema: z.object({}), handler: () => undefined }),
    defineTask({
      type: 'rated.hook',
      lane: 'rated',
      schema: z.object({ host: z.string() }),
      rateLimit: { key: (payload) => payload.host, limit: 10, perSeconds: 1 },
      handler: () => undefined,
    }),
    defineTask({ type: 'plain.work', lane: 'plain', schema: z.object({}), handler: () => undefined }),
  ],
});
const { stack, template } = synthesize({ definition });

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function statementsOf(roleId: string): Statement[] {
  return Object.values(template.toJSON().Resources as Record<string, Resource>)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const laneNamed = (name: string) => stack.tasklanes.lanes.find((lane) => lane.definition.name === name)!;

for (const name of ['shared', 'rated']) {
  test(`lane ${name} (has limits): sqs:SendMessage on its own queue and UpdateItem on the limit records, beside the usual`, () => {
    const lane = laneNamed(name);
    const statements = statementsOf(logicalId(lane.consumer.role!));
    const ownQueue = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(arnOf(lane.queue)));
    // The consume actions of the event source and SendMessage, merged into one statement by CDK.
    assert.deepEqual(ownQueue.flatMap((s) => [s.Action].flat()).sort(), [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
    const updates = statements.filter((s) => [s.Action].flat().includes('dynamodb:UpdateItem'));
    assert.deepEqual(updates, [
      {
        Action: 'dynamodb:UpdateItem',
        Effect: 'Allow',
        Resource: arnOf(stack.tasklanes.dedupTable.table),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['#limit#*'] } },
      },
    ]);
    const environment = resource(template, lane.consumer).Properties.Environment.Variables;
    assert.deepEqual(environment[ENV.queueUrl], { Ref: logicalId(lane.queue) });
  });
}

test('lane plain (no limits): no SendMessage on its own queue, no UpdateItem, no queue URL', () => {
  const lane = laneNamed('plain');
  const statements = statementsOf(logicalId(lane.consumer.role!));
  const actions = statements.flatMap((s) => [s.Action].flat());
  assert.equal(actions.includes('dynamodb:UpdateItem'), false);
  const ownQueue = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(arnOf(lane.queue)));
  assert.equal(
    ownQueue.some((s) => [s.Action].flat().includes('sqs:SendMessage')),
    false,
  );
  assert.equal(resource(template, lane.consumer).Properties.Environment.Variables[ENV.queueUrl], undefined);
});

const alarmsOf = (lane: string) =>
  Object.values(template.toJSON().Resources as Record<string, Resource>).filter(
    (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName.startsWith(`Tasklanes-${lane}-`),
  );

test('lane shared (has limits): a DeferredRate alarm, percent of deliveries deferred among all outcomes, deferrals included', () => {
  const [alarm] = alarmsOf('shared').filter((a) => a.Properties.AlarmName === 'Tasklanes-shared-DeferredRate');
  assert.ok(alarm, 'the alarm exists');
  assert.equal(alarm.Properties.Threshold, 50);
  assert.equal(alarm.Properties.EvaluationPeriods, 3);
  assert.equal(alarm.Properties.DatapointsToAlarm, 2);
  const queries = alarm.Properties.Metrics as Record<string, any>[];
  assert.deepEqual(
    queries.filter((q) => q.MetricStat).map((q) => q.MetricStat.Metric.MetricName),
    [
      'TaskSucceeded',
      'TaskRetried',
      'TaskDeadLettered',
      'TaskExpired',
      'TaskDuplicate',
      'TaskCoalesced',
      'TaskOverlapSkipped',
      'TaskDeferred',
    ],
  );
  assert.equal(
    queries.find((q) => q.Id === 'total')?.Expression,
    'FILL(succeeded, 0) + FILL(retried, 0) + FILL(deadLettered, 0) + FILL(expired, 0) + FILL(duplicate, 0) + FILL(coalesced, 0)' +
      ' + FILL(overlapSkipped, 0) + FILL(deferred, 0)',
  );
  assert.equal(queries.find((q) => q.ReturnData !== false)?.Expression, 'IF(total >= 10, 100 * (FILL(deferred, 0)) / total, 0)');
});

test('lane plain (no limits): no DeferredRate alarm', () => {
  assert.deepEqual(
    alarmsOf('plain').filter((a) => a.Properties.AlarmName.endsWith('-DeferredRate')),
    [],
  );
  assert.ok(
    alarmsOf('plain').some((a) => a.Properties.AlarmName === 'Tasklanes-plain-FailureRate'),
    'its other rate alarms are there',
  );
});
