/**
 * The peer: the same job built the way AWS documents it, with Powertools
 * for AWS Lambda: BatchProcessor + processPartialResponse for partial batch
 * failures, makeIdempotent over a DynamoDB persistence layer for
 * deduplication, keyed like tasklanes (tenant, type, dedupKey or id), one
 * Powertools log line per task, and the same trivial handler. It checks no
 * schema and no deadline and writes no metrics: what it lacks only makes
 * it cheaper, so the comparison does not favour tasklanes.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BENCH_LANE, benchDefinition, trivialHandler, type BenchPayload } from '../definition.ts';

export interface PeerOptions {
  readonly dynamodb: DynamoDBClient;
  /** Powertools' idempotency table: partition key `id` (its default). */
  readonly table: string;
  readonly logger: Logger;
}

export type PeerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Partition key Powertools' persistence layer uses unless told otherwise. */
export const PEER_TABLE_KEY = 'id';

/** The record's tenant, type and dedup key (else id): the same scope as tasklanes' `tenant#type#dedupKey`. */
const IDEMPOTENCY_KEY_PATH = 'powertools_json(body).[tenant, type, dedupKey || id]';

interface PeerEnvelope {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly dedupKey?: string;
  readonly payload: BenchPayload;
}

export function createPeerHandler(options: PeerOptions): PeerHandler {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: IDEMPOTENCY_KEY_PATH,
    expiresAfterSeconds: benchDefinition.lane(BENCH_LANE).dedupWindowSeconds,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: options.table, awsSdkV3Client: options.dynamodb });
  const processRecord = makeIdempotent(
    async (record: SQSRecord) => {
      const envelope = JSON.parse(record.body) as PeerEnvelope;
      const result = trivialHandler(envelope.payload);
      options.logger.info('task succeeded', {
        tenant: envelope.tenant,
        type: envelope.type,
        id: envelope.id,
        dedupKey: envelope.dedupKey,
        messageId: record.messageId,
      });
      return result;
    },
    { persistenceStore, config },
  );

  return async (event, context) => {
    config.registerLambdaContext(context);
    // A processor holds one batch's state. Lambda runs one invocation per
    // environment; the local poller runs several in this process, so each gets its own.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, processRecord, processor, { context });
  };
}
