/**
 * AWS SDK v3 clients pointed at local endpoints (embedded servers or DynamoDB
 * Local). The servers check no signatures, but the SDK insists on some
 * credentials: dummy ones keep it from searching the environment, profiles
 * and instance metadata (slow, and could pick up real credentials).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SchedulerClient, type SchedulerClientConfig } from '@aws-sdk/client-scheduler';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

/** Where the local servers listen. */
export interface LocalEndpoints {
  readonly sqsEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly region: string;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalClients {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Closes both clients' connection pools. */
  destroy(): void;
}

export interface LocalClientOverrides {
  /** Merged over the local defaults, e.g. `{ maxAttempts: 1 }` for fault-injection tests. */
  readonly sqs?: SQSClientConfig;
  readonly dynamodb?: DynamoDBClientConfig;
}

export function createSqsClient(endpoint: string, region: string, overrides: SQSClientConfig = {}): SQSClient {
  return new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, ...overrides });
}

/** For the local servers' scheduler endpoint (one-time schedules), as a publisher's `scheduler` option. */
export function createSchedulerClient(endpoint: string, region: string, overrides: SchedulerClientConfig = {}): SchedulerClient {
  return new SchedulerClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, ...overrides });
}

export function createDynamoDbClient(endpoint: string, region: string, overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, ...overrides });
}

export function createLocalClients(endpoints: LocalEndpoints, overrides: LocalClientOverrides = {}): LocalClients {
  const sqs = createSqsClient(endpoints.sqsEndpoint, endpoints.region, overrides.sqs);
  const dynamodb = createDynamoDbClient(endpoints.dynamodbEndpoint, endpoints.region, overrides.dynamodb);
  return {
    sqs,
    dynamodb,
    destroy() {
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}
