/**
 * `tasklanes task` through the AWS target. The consumer is real and runs on
 * the local servers, whose queues and dedup table the fake stack's outputs
 * name, so the DLQ scan and the GetItem on DedupTableName hit real servers;
 * its Powertools log lines are captured as Lambda would ship them. Logs
 * Insights and Lambda's GetFunctionConfiguration, which no local server
 * answers, are SDK-level fakes: Insights answers the lines of the task
 * (the filter the query string states, which the test asserts written out)
 * in Insights' row shape, after a Running poll. A batch's successes share
 * one line: the tasks are published before the consumer starts, so that its
 * first batch holds several and a lookup must keep only its own task's entry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
  type CloudWatchLogsClient,
  type ResultField,
  type StartQueryCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { stackOutputKey } from '../../src/definition/stack-outputs.ts';
import { shortVisibilitySeconds } from '../../src/definition/timeouts.ts';
import { startLocalConsumers, type LocalConsumers } from '../../src/local/consumers.ts';
import { JsonLogger } from '../../src/runtime/logger.ts';
import { renderLookup } from '../../src/ops/commands/task.ts';
import { lookupTask } from '../../src/ops/lanes/task-lookup.ts';
import { createAwsTarget, type AwsClients } from '../../src/ops/target/aws.ts';
import { LogsQueryError } from '../../src/ops/target/logs-insights.ts';
import { Publisher, type PublishedTask } from '../../src/publisher/index.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import { useFreshExecutionLog } from '../support/execution-log.ts';
import { withLocalStack } from '../support/local-servers.ts';
import { testDefinition } from '../support/test-definition.ts';
import { waitFor } from '../support/wait.ts';

const REGION = 'eu-west-1';
const LANES = ['fast', 'slow'];
const logGroupOf = (lane: string) => `tasks-Lane${lane}ConsumerLogs0A1B2C3D-abcdefgh`;
const FIELDS = '@timestamp, lane, type, tenant, id, dedupKey, messageId, outcome, attempt, durationMs, reason, timedOut, @message';
/** The half of a filter that finds a success line: `message = "tasks succeeded" and @message like "<text>"`. */
const SUCCEEDED = 'message = "tasks succeeded" and @message like';

const stack = withLocalStack({
  definition: testDefinition,
  provision: { visibilityTimeoutSeconds: (lane) => shortVisibilitySeconds(testDefinition, lane) },
  poller: { waitTimeSeconds: 1 },
});

/** `2026-12-02T13:20:01.123Z` as Insights prints @timestamp: `2026-12-02 13:20:01.123`. */
const insightsTimestamp = (iso: string) => iso.replace('T', ' ').replace('Z', '');

/**
 * One captured line as an Insights result row: the query's fields the line
 * has at its top level, values as strings, booleans as 1/0; `@message` the
 * line's text as Lambda ships it (Powertools' dev mode, which the capture
 * uses, indents it).
 */
function row(line: Record<string, unknown>): ResultField[] {
  const fields: ResultField[] = [{ field: '@timestamp', value: insightsTimestamp(String(line.timestamp)) }];
  for (const name of FIELDS.split(', ').slice(1, -1)) {
    const value = line[name];
    if (value === undefined) continue;
    fields.push({ field: name, value: typeof value === 'boolean' ? (value ? '1' : '0') : String(value) });
  }
  return [...fields, { field: '@message', value: JSON.stringify(line) }, { field: '@ptr', value: 'CmAKJgoi' }];
}

/** A success line whose text holds `text`: what `message = "tasks succeeded" and @message like "<text>"` matches. */
const successLineWith = (line: Record<string, unknown>, text: string) =>
  line.message === 'tasks succeeded' && JSON.stringify(line).includes(text);

describe('tasklanes task on AWS: Logs Insights and GetItem', () => {
  const lines: Array<Record<string, unknown>> = [];
  const outcomes: OutcomeEvent[] = [];
  let consumers: LocalConsumers;
  let flaky: PublishedTask;
  let permanent: PublishedTask;
  let ok: PublishedTask;
  /** Of the same batch as `ok`: a custom dedup key, another tenant. */
  let keyed: PublishedTask;
  let other: PublishedTask;
  /** What the fake Insights answers: the captured lines this picks. */
  let answer: (line: Record<string, unknown>) => boolean = () => false;
  /** Statuses GetQueryResults reports before Complete. */
  let statuses: string[] = [];
  const sent: object[] = [];

  before(async () => {
    useFreshExecutionLog();
    // Each line as Lambda would ship it.
    const logger = new JsonLogger({ level: 'INFO', write: (text) => lines.push(JSON.parse(text) as Record<string, unknown>) });
    const publisher = new Publisher({ definition: testDefinition, sqs: stack().clients.sqs, queueUrls: stack().queueUrls });
    flaky = await publisher.publish('test.flaky', { failTimes: 1 }, { tenant: 'acme' });
    permanent = await publisher.publish('test.permanent', {}, { tenant: 'acme' });
    ok = await publisher.publish('test.ok', {}, { tenant: 'acme' });
    keyed = await publisher.publish('test.ok', {}, { tenant: 'acme', dedupKey: 'order-7' });
    other = await publisher.publish('test.ok', {}, { tenant: 'globex' });
    // Started once all five wait in the queue: its first receive takes them as one batch.
    consumers = startLocalConsumers(stack(), { lanes: ['fast'], logger, onOutcome: (event) => outcomes.push(event) });
    await waitFor(
      () =>
        outcomes.some((event) => event.id === flaky.id && event.outcome === 'succeeded') &&
        [permanent, ok, keyed, other].every((task) => outcomes.some((event) => event.id === task.id)),
      {
        timeoutMs: 60_000,
        description: 'the flaky task to succeed, the permanent one to be dead-lettered and the three others to succeed',
      },
    );
  });
  after(async () => {
    await consumers.stop();
  });

  const fake = <T>(answerOf: (command: object) => unknown): T =>
    ({
      send: async (command: object) => {
        sent.push(command);
        return answerOf(command);
      },
      config: { region: async () => REGION },
      destroy: () => {},
    }) as unknown as T;

  /** `lanes` beyond the test definition's borrow the `slow` lane's queues (their DLQs are never looked in). */
  async function target(outputs: Record<string, string> = {}, lanes: readonly string[] = LANES) {
    const queues = stack().resources.lanes;
    const laneOutputs = lanes.flatMap((lane) => [
      [stackOutputKey.queueUrl(lane), (queues[lane] ?? queues.slow)!.queueUrl],
      [stackOutputKey.queueArn(lane), (queues[lane] ?? queues.slow)!.queueArn],
      [stackOutputKey.dlqUrl(lane), (queues[lane] ?? queues.slow)!.dlqUrl],
      [stackOutputKey.eventSourceMappingUuid(lane), `uuid-${lane}`],
      [stackOutputKey.consumerFunctionName(lane), `tasks-consumer-${lane}`],
    ]);
    const all = { ...Object.fromEntries(laneOutputs), [stackOutputKey.dedupTableName]: stack().resources.dedupTable, ...outputs };
    const clients: AwsClients = {
      cloudformation: fake<CloudFormationClient>((command) => {
        assert.ok(command instanceof DescribeStacksCommand);
        return {
          Stacks: [{ StackName: 'tasks', Outputs: Object.entries(all).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
        };
      }),
      cloudwatch: fake<CloudWatchClient>(() => assert.fail('no metrics expected')),
      lambda: fake<LambdaClient>((command) => {
        assert.ok(command instanceof GetFunctionConfigurationCommand);
        const lane = lanes.find((name) => command.input.FunctionName === `tasks-consumer-${name}`)!;
        return { FunctionName: command.input.FunctionName, LoggingConfig: { LogFormat: 'Text', LogGroup: logGroupOf(lane) } };
      }),
      logs: fake<CloudWatchLogsClient>((command) => {
        if (command instanceof StartQueryCommand) return { queryId: 'query-1' };
        if (command instanceof StopQueryCommand) return { success: true };
        assert.ok(command instanceof GetQueryResultsCommand);
        assert.equal(command.input.queryId, 'query-1');
        const status = statuses.shift() ?? 'Complete';
        return { status, results: status === 'Complete' ? lines.filter(answer).map(row) : [] };
      }),
      sqs: stack().clients.sqs,
      dynamodb: stack().clients.dynamodb,
    };
    return createAwsTarget({ stackName: 'tasks', lanes, clients, logsQuery: { pollMs: 10, maxWaitMs: 2_000 } });
  }

  const startQueries = () =>
    sent
      .filter((command) => command instanceof StartQueryCommand)
      .map((command) => (command as StartQueryCommand).input as StartQueryCommandInput);
  const polls = () => sent.filter((command) => command instanceof GetQueryResultsCommand).length;

  it("retried, then succeeded: the query by task id over every lane's log group, polled until Complete; the record by GetItem", async () => {
    sent.length = 0;
    answer = (line) => line.id === flaky.id || successLineWith(line, `"id":"${flaky.id}"`);
    statuses = ['Scheduled', 'Running'];
    const lookup = await lookupTask(await target(), { id: flaky.id });

    const [query] = startQueries();
    assert.deepEqual(
      { ...query, startTime: undefined, endTime: undefined },
      {
        logGroupNames: [logGroupOf('fast'), logGroupOf('slow')],
        queryString: `fields ${FIELDS}\n| filter id = "${flaky.id}" or (${SUCCEEDED} "\\"id\\":\\"${flaky.id}\\"")\n| sort @timestamp asc\n| limit 1000`,
        startTime: undefined,
        endTime: undefined,
        limit: 1000,
      },
    );
    // Whole seconds, the range rounded outwards.
    assert.ok([86_400, 86_401].includes(query!.endTime! - query!.startTime!), `the last 24 h (${query!.endTime! - query!.startTime!} s)`);
    assert.equal(polls(), 3, 'Scheduled, Running, Complete');
    assert.deepEqual(
      sent
        .filter((command) => command instanceof GetFunctionConfigurationCommand)
        .map((command) => (command as GetFunctionConfigurationCommand).input.FunctionName),
      ['tasks-consumer-fast', 'tasks-consumer-slow'],
    );

    const base = {
      lane: 'fast',
      type: 'test.flaky',
      tenant: 'acme',
      id: flaky.id,
      dedupKey: `acme#test.flaky#${flaky.id}`,
      messageId: flaky.messageId,
      timedOut: false,
    };
    assert.deepEqual(
      lookup.trail.outcomes.map(({ at: _at, durationMs: _durationMs, ...rest }) => rest),
      [
        { ...base, outcome: 'retried', attempt: 1, reason: 'Error: flaky failure on attempt 1' },
        // From its batch's success line, whose entry has no message id.
        { ...base, messageId: '', outcome: 'succeeded', attempt: 2 },
      ],
    );
    const logged = outcomes.filter((event) => event.id === flaky.id);
    assert.deepEqual(
      lookup.trail.outcomes.map((outcome) => outcome.durationMs),
      logged.map((event) => event.durationMs),
      'durations as logged',
    );
    assert.equal(lookup.trail.searched.source, 'Logs Insights');
    assert.equal(lookup.trail.dedupTable, stack().resources.dedupTable);
    const record = lookup.trail.record;
    assert.ok(record?.status === 'done');
    assert.deepEqual(
      { ...record, doneAt: undefined, duplicateUntil: undefined },
      {
        status: 'done',
        key: `acme#test.flaky#${flaky.id}`,
        owner: flaky.messageId,
        taskId: flaky.id,
        doneAt: undefined,
        duplicateUntil: undefined,
      },
    );
    assert.deepEqual(
      lookup.dlqSearched.map((search) => search.lane),
      ['fast'],
    );
    assert.deepEqual(lookup.deadLetters, []);
  });

  it("succeeded on its first attempt, in its batch's success line: by task id, only its own entry, as attempt 1", async () => {
    sent.length = 0;
    answer = (line) => line.id === ok.id || successLineWith(line, `"id":"${ok.id}"`);
    statuses = [];
    const lookup = await lookupTask(await target(), { id: ok.id });
    assert.equal(
      startQueries()[0]!.queryString,
      `fields ${FIELDS}\n| filter id = "${ok.id}" or (${SUCCEEDED} "\\"id\\":\\"${ok.id}\\"")\n| sort @timestamp asc\n| limit 1000`,
    );
    // The one line Insights answers holds the batch's other successes too.
    const answered = lines.filter(answer);
    assert.equal(answered.length, 1, 'the batch line');
    const line = answered[0]!;
    assert.deepEqual(
      (line.succeeded as Array<{ id: string }>).map((entry) => entry.id).sort(),
      [ok.id, keyed.id, other.id].sort(),
      'one batch: ok, keyed and other succeeded together',
    );
    assert.deepEqual(
      lookup.trail.outcomes.map(({ at: _at, durationMs: _durationMs, ...rest }) => rest),
      [
        {
          lane: 'fast',
          type: 'test.ok',
          tenant: 'acme',
          id: ok.id,
          dedupKey: `acme#test.ok#${ok.id}`,
          messageId: '',
          timedOut: false,
          outcome: 'succeeded',
          attempt: 1,
        },
      ],
    );
    assert.equal(lookup.trail.outcomes[0]!.at, Date.parse(String(line.timestamp)), "the line's time");
    assert.equal(lookup.trail.recordKey, `acme#test.ok#${ok.id}`, 'the default key, from the entry without one');
    assert.equal(lookup.trail.record?.status, 'done');
  });

  it("dead-lettered: the outcome from the logs, the letter from the lane's DLQ; --since sets the range", async () => {
    sent.length = 0;
    answer = (line) => line.id === permanent.id;
    statuses = [];
    const since = Date.now() - 15 * 60_000;
    const lookup = await lookupTask(await target(), { id: permanent.id }, { since });
    assert.equal(startQueries()[0]!.startTime, Math.floor(since / 1000));
    assert.deepEqual(
      lookup.trail.outcomes.map(({ outcome, attempt, reason }) => ({ outcome, attempt, reason })),
      [{ outcome: 'deadLettered', attempt: 1, reason: 'permanent: PermanentError: the subscriber rejected this task' }],
    );
    assert.equal(lookup.trail.record, undefined, 'released');
    assert.deepEqual(
      lookup.deadLetters.map(({ lane, id, reason, error, originalMessageId }) => ({ lane, id, reason, error, originalMessageId })),
      [
        {
          lane: 'fast',
          id: permanent.id,
          reason: 'permanent',
          error: 'PermanentError: the subscriber rejected this task',
          originalMessageId: permanent.messageId,
        },
      ],
    );
  });

  it('by tenant, type and dedup key: the query filters on the record key, and on the text of a success entry under it', async () => {
    sent.length = 0;
    const key = `acme#test.flaky#${flaky.id}`;
    const entry = `"id":"${flaky.id}","type":"test.flaky","tenant":"acme"`;
    answer = (line) => line.dedupKey === key || successLineWith(line, `"dedupKey":"${key}"`) || successLineWith(line, entry);
    statuses = [];
    const lookup = await lookupTask(await target(), { tenant: 'acme', type: 'test.flaky', dedupKey: flaky.id });
    assert.equal(
      startQueries()[0]!.queryString,
      `fields ${FIELDS}\n| filter dedupKey = "${key}" or (message = "tasks succeeded" and (` +
        `@message like "\\"dedupKey\\":\\"${key}\\"" or ` +
        `@message like "\\"id\\":\\"${flaky.id}\\",\\"type\\":\\"test.flaky\\",\\"tenant\\":\\"acme\\""))\n| sort @timestamp asc\n| limit 1000`,
    );
    assert.deepEqual(
      lookup.trail.outcomes.map((outcome) => `${outcome.outcome} ${outcome.attempt}`),
      ['retried 1', 'succeeded 2'],
    );
    assert.equal(lookup.trail.record?.taskId, flaky.id);
  });

  it("by record key, a success in its batch's line: under its own dedup key, and under the default key of another task", async () => {
    statuses = [];
    // Under its own key: the entry carries it.
    sent.length = 0;
    answer = (line) => line.dedupKey === 'acme#test.ok#order-7' || successLineWith(line, '"dedupKey":"acme#test.ok#order-7"');
    const byOwnKey = await lookupTask(await target(), { tenant: 'acme', type: 'test.ok', dedupKey: 'order-7' });
    assert.equal(
      startQueries()[0]!.queryString,
      [
        `fields ${FIELDS}`,
        String.raw`filter dedupKey = "acme#test.ok#order-7" or (message = "tasks succeeded" and (@message like "\"dedupKey\":\"acme#test.ok#order-7\"" or @message like "\"id\":\"order-7\",\"type\":\"test.ok\",\"tenant\":\"acme\""))`,
        'sort @timestamp asc',
        'limit 1000',
      ].join('\n| '),
    );
    assert.deepEqual(
      byOwnKey.trail.outcomes.map(({ id, dedupKey, outcome, attempt }) => ({ id, dedupKey, outcome, attempt })),
      [{ id: keyed.id, dedupKey: 'acme#test.ok#order-7', outcome: 'succeeded', attempt: 1 }],
    );
    assert.equal(byOwnKey.trail.record?.taskId, keyed.id);
    // Under the default key of `other` (tenant globex): the line that holds it answers, with ok and keyed, which stay out.
    sent.length = 0;
    answer = (line) => successLineWith(line, `"id":"${other.id}","type":"test.ok","tenant":"globex"`);
    const byDefaultKey = await lookupTask(await target(), { tenant: 'globex', type: 'test.ok', dedupKey: other.id });
    assert.equal(lines.filter(answer).length, 1, 'the batch line');
    assert.deepEqual(
      byDefaultKey.trail.outcomes.map(({ id, tenant, dedupKey, outcome }) => ({ id, tenant, dedupKey, outcome })),
      [{ id: other.id, tenant: 'globex', dedupKey: `globex#test.ok#${other.id}`, outcome: 'succeeded' }],
    );
    assert.equal(byDefaultKey.trail.record?.taskId, other.id);
    // A key whose third part is a task's id, under another tenant: the entry's text is not there, and Insights answers nothing.
    sent.length = 0;
    answer = (line) => successLineWith(line, `"id":"${other.id}","type":"test.ok","tenant":"acme"`);
    const wrongTenant = await lookupTask(await target(), { tenant: 'acme', type: 'test.ok', dedupKey: other.id });
    assert.deepEqual(wrongTenant.trail.outcomes, []);
  });

  it('a success line answered for one task keeps none of the others of its batch', async () => {
    sent.length = 0;
    // As if the filter had matched the line for a reason of its own: every entry is checked against the query.
    answer = (line) => line.message === 'tasks succeeded' && (line.succeeded as unknown[]).length === 3;
    statuses = [];
    const lookup = await lookupTask(await target(), { id: 'no-such-task' });
    assert.equal(lines.filter(answer).length, 1, 'the batch of ok, keyed and other');
    assert.deepEqual(lookup.trail.outcomes, []);
    assert.equal(lookup.found, false);
  });

  it('a task id nobody has seen: says which log groups, which range and which table it searched', async () => {
    sent.length = 0;
    answer = () => false;
    statuses = [];
    const lookup = await lookupTask(await target(), { id: 'no-such-task' });
    assert.equal(lookup.found, false);
    const [query] = startQueries();
    const from = new Date(query!.startTime! * 1000).toISOString().slice(0, 19);
    const text = renderLookup(lookup, Date.now()).split('\n');
    assert.equal(text[0], 'task no-such-task: not found (stack tasks in eu-west-1). Searched:');
    assert.match(
      text[1]!,
      new RegExp(`^  outcomes: Logs Insights over ${logGroupOf('fast')}, ${logGroupOf('slow')}, ${from}\\.\\d{3}Z to \\S+Z: none$`),
    );
    assert.equal(
      text[2],
      `  dedup record (table ${stack().resources.dedupTable}): none looked up: by task id the key comes from the task's outcomes, and there are none`,
    );
    assert.match(text[3]!, /^ {2}DLQ: the DLQs of lanes fast \(1 message looked at\), slow \(0 messages looked at\); looking is a receive/);
  });

  it('51 lanes (nested lane stacks): one query per 50 log groups, the rows of both', async () => {
    sent.length = 0;
    const many = ['fast', ...Array.from({ length: 50 }, (_, i) => `extra-${i}`)];
    // Each query answers the task's lines: the merge keeps both answers, oldest first.
    answer = (line) => line.id === flaky.id || successLineWith(line, `"id":"${flaky.id}"`);
    statuses = [];
    const lookup = await lookupTask(await target({}, many), { id: flaky.id });
    assert.deepEqual(
      startQueries().map((query) => query.logGroupNames),
      [many.slice(0, 50).map(logGroupOf), [logGroupOf('extra-49')]],
    );
    assert.deepEqual(
      lookup.trail.outcomes.map(({ outcome, attempt }) => `${outcome} ${attempt}`),
      ['retried 1', 'retried 1', 'succeeded 2', 'succeeded 2'],
    );
    assert.equal(lookup.trail.searched.logGroups?.length, 51);
  });

  it('a query that fails, or does not complete in time (then it is stopped), is a LogsQueryError', async () => {
    answer = () => false;
    statuses = ['Running', 'Failed'];
    await assert.rejects(lookupTask(await target(), { id: flaky.id }), (error: Error) => {
      assert.ok(error instanceof LogsQueryError);
      assert.equal(error.message, `Logs Insights query query-1 over ${logGroupOf('fast')}, ${logGroupOf('slow')} ended Failed`);
      return true;
    });
    sent.length = 0;
    statuses = Array.from({ length: 1_000 }, () => 'Running');
    await assert.rejects(lookupTask(await target(), { id: flaky.id }), /did not complete within 2 s; stopped it \(try a shorter --since\)/);
    assert.deepEqual(
      sent.filter((command) => command instanceof StopQueryCommand).map((command) => (command as StopQueryCommand).input),
      [{ queryId: 'query-1' }],
    );
  });

  it("a stack without DedupTableName or a consumer's function name output says which output it lacks", async () => {
    await assert.rejects(lookupTask(await target({ [stackOutputKey.dedupTableName]: '' }), { id: flaky.id }), {
      name: 'StackOutputMissingError',
      message: 'stack tasks has no output DedupTableName (the dedup table): was it deployed by tasklanes?',
    });
    await assert.rejects(lookupTask(await target({ [stackOutputKey.consumerFunctionName('slow')]: '' }), { id: flaky.id }), {
      name: 'StackOutputMissingError',
      message: 'stack tasks has no output LaneSlowConsumerFunctionName (the consumer of lane "slow"): was it deployed by tasklanes?',
    });
  });
});
