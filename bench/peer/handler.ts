/**
 * Lambda entry of the peer (peer/consumer.ts), bundled beside tasklanes'
 * `demo/handler.ts` for the package size and cold init figure.
 * Clients and the idempotent wrapper are built at init, as AWS recommends.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createPeerHandler } from './consumer.ts';

/** Environment variable naming the idempotency table, as the AWS examples call it. */
export const PEER_TABLE_ENV = 'IDEMPOTENCY_TABLE';

export const handler = createPeerHandler({
  dynamodb: new DynamoDBClient({}),
  table: process.env[PEER_TABLE_ENV] ?? 'idempotency',
  logger: new Logger({ serviceName: 'peer' }),
});
