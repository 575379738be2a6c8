/**
 * A deployed stack as an ops target: queue URLs and the event source
 * mapping UUIDs from the stack's outputs (DescribeStacks), the oldest age
 * from CloudWatch's ApproximateAgeOfOldestMessage, consumer state and
 * pausing through the lane's event source mapping. A task's outcomes come
 * from the lanes' log groups through Logs Insights (a batch's successes
 * share one line, read back entry by entry), its dedup record from a
 * GetItem on the stack's table: the caller's own permissions, nothing the
 * consumers are granted. Credentials and region come from the usual AWS
 * chain (environment, profile, SSO, instance role).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { MAX_QUERY_LOG_GROUPS, OUTCOME_QUERY_LIMIT, outcomeQueries } from '../../definition/log-queries.ts';
import type { Outcome } from '../../definition/metrics.ts';
import { laneQueuesFromUrl, stackOutputKey } from '../../definition/stack-outputs.ts';
import { DedupStore } from '../../runtime/dedup.ts';
import { entryRecordKey, readSucceededLine } from '../../definition/success-line.ts';
import {
  MissingCredentialsError,
  MissingRegionError,
  OpsError,
  StackNotFoundError,
  StackOutputMissingError,
  UnknownLaneError,
} from '../errors.ts';
import { readDeadLetterRecords } from './dead-letter-records.ts';
import { chunks } from '../lanes/receive.ts';
import { runInsightsQuery, type InsightsPolling, type InsightsRow } from './logs-insights.ts';
import { sqsQueueCounts } from './sqs-counts.ts';
import { reportUnreachable } from './unreachable.ts';
import { matchesOutcome, traceTask } from './task-trail.ts';
import type { LaneQueues, OpsTarget, OutcomeMatch, TaskOutcome } from './target.ts';

/** The AWS clients the target uses; injectable for tests. */
export interface AwsClients {
  readonly cloudformation: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly dynamodb: DynamoDBClient;
  readonly lambda: LambdaClient;
  readonly sqs: SQSClient;
  readonly logs: CloudWatchLogsClient;
}

export interface AwsTargetOptions {
  readonly stackName: string;
  /** Lane names of the deployed definition. Default: the stack's `LaneNames` output. */
  readonly lanes?: readonly string[];
  /** Default: the SDK's region chain (AWS_REGION, profile). */
  readonly region?: string;
  /** Default: new clients in `region`. */
  readonly clients?: AwsClients;
  /** How the task lookup waits for its Logs Insights query. Default: AWS_TARGET_DEFAULTS.logsQuery. */
  readonly logsQuery?: Partial<InsightsPolling>;
}

export const AWS_TARGET_DEFAULTS = {
  /** ApproximateAgeOfOldestMessage is published per minute. */
  agePeriodSeconds: 60,
  /** Look back this far for the latest data point: SQS metrics arrive a few minutes late. */
  ageLookbackMinutes: 15,
  /** A task's outcomes are searched this far back unless the caller says otherwise: a day of logs. */
  outcomeLookbackMs: 24 * 60 * 60 * 1000,
  /** An Insights query over a day of a lane's logs takes seconds; two minutes is a query gone wrong. */
  logsQuery: { pollMs: 1_000, maxWaitMs: 120_000 } satisfies InsightsPolling,
} as const;

/** A row the outcome query returned as a success line whose raw text is not one (src/definition/success-line.ts). */
export class UnreadableSuccessLineError extends OpsError {
  override readonly name = 'UnreadableSuccessLineError';
}

/** Event source mapping states in which the lane consumes (or is about to). */
const CONSUMING_STATES = new Set(['Enabled', 'Enabling', 'Updating']);

export function createAwsClients(region?: string): AwsClients {
  const config = region ? { region } : {};
  const clients: AwsClients = {
    cloudformation: new CloudFormationClient(config),
    cloudwatch: new CloudWatchClient(config),
    dynamodb: new DynamoDBClient(config),
    lambda: new LambdaClient(config),
    sqs: new SQSClient(config),
    logs: new CloudWatchLogsClient(config),
  };
  for (const [service, client] of Object.entries(clients)) {
    reportUnreachable(
      client,
      ({ what, where }) =>
        `cannot reach AWS ${service}${where ? ` at ${where}` : ''} (${what}): check the network, the region (--region, AWS_REGION) and any AWS_ENDPOINT_URL setting`,
    );
  }
  return clients;
}

interface LaneOutputs extends LaneQueues {
  readonly eventSourceMappingUuid: string;
}

export async function createAwsTarget(options: AwsTargetOptions): Promise<OpsTarget> {
  const clients = options.clients ?? createAwsClients(options.region);
  const close = () => {
    for (const client of Object.values(clients)) client.destroy();
  };
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
    let logGroups: Promise<string[]> | undefined;
    const polling: InsightsPolling = { ...AWS_TARGET_DEFAULTS.logsQuery, ...options.logsQuery };
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
      taskTypes(name) {
        lane(name);
        // The stack's outputs do not list task types, and the CLI has no definition.
        return undefined;
      },
      pause: (name) => setEnabled(name, false),
      resume: (name) => setEnabled(name, true),
      taskTrail(query, trailOptions = {}) {
        // Read when a task is looked up, not before: the other commands need neither the table nor the log groups.
        const table = requiredOutput(outputs, options.stackName, stackOutputKey.dedupTableName, 'the dedup table');
        const store = new DedupStore({ client: clients.dynamodb, table });
        return traceTask(query, trailOptions, {
          dedupTable: table,
          async outcomes(match, since) {
            logGroups ??= Promise.all(names.map((name) => consumerLogGroup(clients.lambda, outputs, options.stackName, name)));
            const to = Date.now();
            const from = since ?? to - AWS_TARGET_DEFAULTS.outcomeLookbackMs;
            const logGroupNames = await logGroups;
            const queryString = outcomeQuery(match);
            // One query per 50 log groups: a deployment of nested lane stacks holds up to 64 lanes.
            const rows: InsightsRow[] = [];
            for (const part of chunks(logGroupNames, MAX_QUERY_LOG_GROUPS)) {
              rows.push(
                ...(await runInsightsQuery(
                  clients.logs,
                  { logGroupNames: part, queryString, from, to, limit: OUTCOME_QUERY_LIMIT },
                  polling,
                )),
              );
            }
            return {
              outcomes: rows.flatMap((row) => outcomesOf(row, match)),
              searched: { source: 'Logs Insights', from, to, logGroups: logGroupNames, limit: OUTCOME_QUERY_LIMIT },
            };
          },
          record: (key) => store.record(key),
        });
      },
      async deadLetterRecords(ids) {
        if (ids.length === 0) return new Map();
        // Read only when asked: a stack without the output still answers everything else.
        const table = outputs.get(stackOutputKey.dedupTableName);
        if (!table)
          throw new StackOutputMissingError(
            `stack ${options.stackName} has no output ${stackOutputKey.dedupTableName}: was it deployed by tasklanes?`,
          );
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
  if (!value)
    throw new StackOutputMissingError(
      `stack ${stackName} has no output ${stackOutputKey.laneNames}: was it deployed by tasklanes 0.2 or later?`,
    );
  return value.split(',');
}

function laneOutputs(outputs: Map<string, string>, stackName: string, lane: string): LaneOutputs {
  const read = (key: string) => {
    const value = outputs.get(key);
    if (!value)
      throw new StackOutputMissingError(
        `stack ${stackName} has no output ${key} for lane "${lane}": was it deployed from this definition?`,
      );
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

function requiredOutput(outputs: Map<string, string>, stackName: string, key: string, what: string): string {
  const value = outputs.get(key);
  if (!value) throw new StackOutputMissingError(`stack ${stackName} has no output ${key} (${what}): was it deployed by tasklanes?`);
  return value;
}

/** The log group the lane's consumer writes to: its function's logging config names it (the stack makes one per lane). */
async function consumerLogGroup(lambda: LambdaClient, outputs: Map<string, string>, stackName: string, lane: string): Promise<string> {
  const functionName = requiredOutput(outputs, stackName, stackOutputKey.consumerFunctionName(lane), `the consumer of lane "${lane}"`);
  const { LoggingConfig } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  // Lambda's own default, for a function that names none.
  return LoggingConfig?.LogGroup ?? `/aws/lambda/${functionName}`;
}

function outcomeQuery(match: OutcomeMatch): string {
  return match.recordKey !== undefined
    ? outcomeQueries.byRecordKey(match.recordKey)
    : outcomeQueries.byTask(match.id ?? '', match.messageIds);
}

/** Insights prints @timestamp as `2026-12-02 13:20:01.123`, in UTC. */
const insightsTime = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);

/**
 * The outcomes of one row: an outcome line's own, or the entries of a
 * success line (the only line without an `outcome`) that belong to the
 * task asked for, each at the line's time; the line holds other tasks of
 * its batch too.
 */
function outcomesOf(row: InsightsRow, match: OutcomeMatch): TaskOutcome[] {
  if (row.outcome !== undefined) return [outcomeOf(row)];
  const line = readSucceededLine(row['@message'] ?? '');
  if (!line)
    throw new UnreadableSuccessLineError(`a Logs Insights row (@ptr ${row['@ptr'] ?? 'none'}) has no outcome and is no success line`);
  const at = insightsTime(row['@timestamp'] ?? '');
  return line.succeeded
    .map(
      (entry): TaskOutcome => ({
        lane: line.lane,
        type: entry.type,
        outcome: 'succeeded',
        timedOut: false,
        tenant: entry.tenant,
        id: entry.id,
        dedupKey: entryRecordKey(entry),
        // A success's entry has no message id: its task id finds it (docs/design.md#outcomes).
        messageId: '',
        attempt: entry.attempt ?? 1,
        durationMs: entry.durationMs,
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
        at,
      }),
    )
    .filter((outcome) => matchesOutcome(match, outcome));
}

/** One row of an outcome line; a field the line did not have is absent from its row. */
function outcomeOf(row: InsightsRow): TaskOutcome {
  const optional = (field: 'tenant' | 'id' | 'dedupKey' | 'reason') => (row[field] === undefined ? {} : { [field]: row[field] });
  return {
    lane: row.lane ?? '',
    type: row.type ?? 'unknown',
    outcome: row.outcome as Outcome,
    // Insights returns a JSON boolean as 1 or 0.
    timedOut: row.timedOut === '1' || row.timedOut === 'true',
    ...optional('tenant'),
    ...optional('id'),
    ...optional('dedupKey'),
    messageId: row.messageId ?? '',
    // A release before the success lines logged a success's own line without attempt 1.
    attempt: Number(row.attempt ?? 1),
    durationMs: Number(row.durationMs ?? 0),
    ...optional('reason'),
    at: insightsTime(row['@timestamp'] ?? ''),
  };
}

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
