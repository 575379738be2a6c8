/**
 * The saved Logs Insights queries: the three questions `tasklanes task`
 * answers (a task by id, a tenant's tasks, dead letters by reason), each
 * over every lane's consumer log group, with the query strings written out
 * as the console shows them (a task's success in its batch's success line
 * too); in lane stacks, the log groups come out of each lane's nested
 * stack; beyond 50 lanes, each question is saved per 50.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineLane } from '../../src/definition/lanes.ts';
import { createDefinition } from '../../src/definition/registry.ts';
import { logicalId, synthesize, type Resource } from './support.ts';

const FIELDS = 'fields @timestamp, lane, type, tenant, id, dedupKey, messageId, outcome, attempt, durationMs, reason, timedOut, @message';

// A batch's successes share one line (src/definition/success-line.ts): its raw text holds the task's entry.
const BY_TASK_ID = String.raw`${FIELDS}
| filter id = "TASK-ID" or (message = "tasks succeeded" and @message like "\"id\":\"TASK-ID\"")
| sort @timestamp asc
| limit 1000`;

const BY_TENANT = String.raw`${FIELDS}
| filter tenant = "TENANT" or (message = "tasks succeeded" and @message like "\"tenant\":\"TENANT\"")
| sort @timestamp desc
| limit 1000`;

const DEAD_LETTERS_BY_REASON = `fields lane, type, reason
| filter message = "task deadLettered"
| parse reason /^(?<reasonKind>[^:]+):/
| stats count(*) as deadLetters by lane, type, reasonKind
| sort deadLetters desc`;

const queriesOf = (resources: Record<string, Resource>) =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::Logs::QueryDefinition')
    .map((r) => r.Properties);

describe('saved queries of the demo deployment', () => {
  const { stack, template } = synthesize();
  const queries = queriesOf(template.toJSON().Resources as Record<string, Resource>);
  const logGroups = stack.tasklanes.lanes.map((lane) => ({ Ref: logicalId(lane.consumer.logGroup) }));

  test("three, in the stack's folder, each over the four lanes' log groups in definition order", () => {
    assert.deepEqual(
      stack.tasklanes.lanes.map((lane) => lane.definition.name),
      ['critical', 'notifications', 'bulk', 'default'],
    );
    assert.deepEqual(queries, [
      { Name: 'tasklanes/Tasklanes/task by id', QueryString: BY_TASK_ID, LogGroupNames: logGroups },
      { Name: 'tasklanes/Tasklanes/tasks of a tenant', QueryString: BY_TENANT, LogGroupNames: logGroups },
      { Name: 'tasklanes/Tasklanes/dead letters by reason', QueryString: DEAD_LETTERS_BY_REASON, LogGroupNames: logGroups },
    ]);
  });

  test('the log groups are the ones the consumers write to, and nothing else is added for them', () => {
    for (const lane of stack.tasklanes.lanes) {
      const fn = (template.toJSON().Resources as Record<string, Resource>)[logicalId(lane.consumer)]!;
      assert.deepEqual(fn.Properties.LoggingConfig, { LogGroup: { Ref: logicalId(lane.consumer.logGroup) } });
    }
    assert.equal(
      Object.values(template.toJSON().Resources as Record<string, Resource>).filter((r) => r.Type === 'Custom::LogRetention').length,
      0,
    );
  });
});

describe('saved queries with a nested stack per lane', () => {
  const lanes = (n: number) =>
    createDefinition({ lanes: Array.from({ length: n }, (_, i) => defineLane(`lane-${i}`, `lane ${i}`)), tasks: [] });

  test("the log group names come out of each lane's nested stack", () => {
    const { stack, template } = synthesize({ definition: lanes(2), laneStacks: 'nested' });
    const [byId] = queriesOf(template.toJSON().Resources as Record<string, Resource>);
    assert.equal(byId!.QueryString, BY_TASK_ID);
    const nested = stack.tasklanes.laneStacks.map((laneStack) => logicalId(laneStack.nestedStackResource!));
    assert.equal(byId!.LogGroupNames.length, 2);
    byId!.LogGroupNames.forEach((name: { 'Fn::GetAtt': [string, string] }, index: number) => {
      assert.equal(name['Fn::GetAtt'][0], nested[index]);
      assert.match(name['Fn::GetAtt'][1], /^Outputs\.\S*ConsumerLogs\S*Ref$/);
    });
  });

  test('51 lanes: each question saved for lanes 0 to 49 and for lane 50 alone (a query searches at most 50 log groups)', () => {
    const { template } = synthesize({ definition: lanes(51), laneStacks: 'nested' });
    const queries = queriesOf(template.toJSON().Resources as Record<string, Resource>);
    assert.deepEqual(
      queries.map((query) => [query.Name, query.LogGroupNames.length]),
      [
        ['tasklanes/Tasklanes/task by id (lanes lane-0 to lane-49)', 50],
        ['tasklanes/Tasklanes/tasks of a tenant (lanes lane-0 to lane-49)', 50],
        ['tasklanes/Tasklanes/dead letters by reason (lanes lane-0 to lane-49)', 50],
        ['tasklanes/Tasklanes/task by id (lanes lane-50 to lane-50)', 1],
        ['tasklanes/Tasklanes/tasks of a tenant (lanes lane-50 to lane-50)', 1],
        ['tasklanes/Tasklanes/dead letters by reason (lanes lane-50 to lane-50)', 1],
      ],
    );
  });
});
