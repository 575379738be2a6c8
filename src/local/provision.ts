/**
 * Creates the stack's queues, dead-letter queues and dedup table on local
 * servers, with the settings cdk/ gives them, so the local run exercises the
 * same redrive and visibility behaviour. Idempotent: it converges existing
 * resources to these settings, so it can run against a server that is
 * already provisioned.
 *
 * Left out on purpose: the dedup table's TTL (dynalite has no
 * UpdateTimeToLive; the runtime checks `expiresAt` itself) and point-in-time
 * recovery (no meaning locally).
 */
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { LaneQueues, ProvisionedResources } from '../ops/target/target.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEDUP_TABLE_SCHEMA, LOCAL_NAMES } from '../definition/environment.ts';
import { QUEUE_RETENTION_SECONDS } from '../definition/limits.ts';
import type { Definition } from '../definition/registry.ts';
import { visibilityTimeoutSeconds } from '../definition/timeouts.ts';

export interface ProvisionOptions {
  /**
   * Visibility timeout of every lane's queue. Default: per lane,
   * `visibilityTimeoutSeconds(definition, lane)` as in the stack. Tests set a
   * few seconds so that redelivery happens quickly: one number for every
   * lane, or a function of the lane's name.
   */
  readonly visibilityTimeoutSeconds?: number | ((lane: string) => number);
  /** Default 10 s: how long to wait for the table to become ACTIVE. */
  readonly tableActiveTimeoutMs?: number;
}

const PROVISION_DEFAULTS = {
  tableActiveTimeoutMs: 10_000,
} as const;

/** Pause between DescribeTable polls while the table is CREATING. */
const TABLE_POLL_INTERVAL_MS = 50;

export class ProvisionError extends Error {
  override readonly name = 'ProvisionError';
}

export interface ProvisionClients {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
}

export async function provision(
  definition: Definition,
  clients: ProvisionClients,
  options: ProvisionOptions = {},
): Promise<ProvisionedResources> {
  const lanes: Record<string, LaneQueues> = {};
  for (const lane of definition.lanes) {
    lanes[lane.name] = await provisionLane(clients.sqs, lane.name, {
      maxReceiveCount: lane.maxReceiveCount,
      visibilityTimeoutSeconds:
        typeof options.visibilityTimeoutSeconds === 'function'
          ? options.visibilityTimeoutSeconds(lane.name)
          : (options.visibilityTimeoutSeconds ?? visibilityTimeoutSeconds(definition, lane.name)),
    });
  }
  const dedupTable = await provisionDedupTable(clients.dynamodb, options.tableActiveTimeoutMs ?? PROVISION_DEFAULTS.tableActiveTimeoutMs);
  return { lanes, dedupTable };
}

async function provisionLane(
  sqs: SQSClient,
  lane: string,
  settings: { maxReceiveCount: number; visibilityTimeoutSeconds: number },
): Promise<LaneQueues> {
  const dlq = await ensureQueue(sqs, LOCAL_NAMES.dlq(lane), {
    MessageRetentionPeriod: String(QUEUE_RETENTION_SECONDS),
    SqsManagedSseEnabled: 'true',
  });
  const queue = await ensureQueue(sqs, LOCAL_NAMES.queue(lane), {
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(QUEUE_RETENTION_SECONDS),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: settings.maxReceiveCount }),
    SqsManagedSseEnabled: 'true',
  });
  // Only the lane's own queue may redrive into (and be redriven from) its DLQ.
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: dlq.url,
      Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [queue.arn] }) },
    }),
  );
  return { queueUrl: queue.url, queueArn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

/**
 * An existing queue gets its attributes set: CreateQueue fails with
 * QueueNameExists when an existing queue differs in any attribute (on
 * local-aws-sqs even one left out, compared with its default).
 */
async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  const url = await existingQueueUrl(sqs, name);
  if (url) {
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    return { url, arn: await queueArn(sqs, url) };
  }
  const { QueueUrl: created } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!created) throw new ProvisionError(`CreateQueue ${name} returned no QueueUrl`);
  return { url: created, arn: await queueArn(sqs, created) };
}

async function existingQueueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (error instanceof QueueDoesNotExist) return undefined;
    throw error;
  }
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new ProvisionError(`GetQueueAttributes ${url} returned no QueueArn`);
  return Attributes.QueueArn;
}

/** Creates (or finds) a dedup table with the stack's key schema and waits until it is ACTIVE. Default name: the local one. */
export async function provisionDedupTable(
  dynamodb: DynamoDBClient,
  activeTimeoutMs: number = PROVISION_DEFAULTS.tableActiveTimeoutMs,
  table: string = LOCAL_NAMES.dedupTable,
): Promise<string> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: DEDUP_TABLE_SCHEMA.partitionKey, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: DEDUP_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + activeTimeoutMs;
  for (;;) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return table;
    if (Date.now() > deadline)
      throw new ProvisionError(`table ${table} not ACTIVE after ${activeTimeoutMs} ms (status ${Table?.TableStatus})`);
    await sleep(TABLE_POLL_INTERVAL_MS);
  }
}
