/**
 * The embedded AWS-compatible servers of the local run: local-aws-sqs for SQS
 * and dynalite for DynamoDB, both in this process, on loopback, on ports the
 * OS assigns. Each sits behind a PausableListener so a test can take a
 * service away and bring it back with its state intact (dynalite's own
 * `close()` would drop its in-memory tables, and local-aws-sqs's
 * `createSqsServer` gives no way to reopen the port).
 *
 * Server quirks the rest of the code must respect are listed in docs/local.md.
 */
import dynalite from 'dynalite';
import { createRequestHandler } from 'local-aws-sqs';
import { PausableListener } from './listener.ts';
import type { LocalEndpoints } from '../ops/target/local-clients.ts';

export interface LocalServersOptions {
  /** Interface both servers bind to. Default `127.0.0.1`: never reachable from another machine. */
  readonly host?: string;
  /** Default 0: the OS picks a free port. */
  readonly sqsPort?: number;
  /** Default 0: the OS picks a free port. */
  readonly dynamodbPort?: number;
  /** Region in queue ARNs and of the clients. Default `us-east-1`. */
  readonly region?: string;
  /** Account id in queue URLs and ARNs. Default `123456789012` (a documentation account). */
  readonly accountId?: string;
}

export const LOCAL_SERVER_DEFAULTS = {
  host: '127.0.0.1',
  sqsPort: 0,
  dynamodbPort: 0,
  region: 'us-east-1',
  accountId: '123456789012',
} as const satisfies Required<LocalServersOptions>;

/** Where clients find the servers; also what the state file records. */
/** local-aws-sqs's in-process service: its queues and their messages. */
export type LocalSqsService = ReturnType<typeof createRequestHandler>['service'];

export interface LocalServers extends LocalEndpoints {
  /**
   * The SQS service itself, for what SQS reports only through CloudWatch
   * (the age of the oldest message: local/queue-stats.ts). Read it; change
   * queues only through the SQS API.
   */
  readonly sqsService: LocalSqsService;
  /** Stops accepting and drops connections to SQS; queues and messages are kept. */
  pauseSqs(): Promise<void>;
  /** SQS listens again on the same port. */
  resumeSqs(): Promise<void>;
  /** Stops accepting and drops connections to DynamoDB; tables and items are kept. */
  pauseDynamodb(): Promise<void>;
  /** DynamoDB listens again on the same port. */
  resumeDynamodb(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalServers(options: LocalServersOptions = {}): Promise<LocalServers> {
  const settings = { ...LOCAL_SERVER_DEFAULTS, ...options };

  const { service, requestHandler } = createRequestHandler({
    port: settings.sqsPort,
    hostname: settings.host,
    region: settings.region,
    accountId: settings.accountId,
    // AWS makes you wait 60 s before recreating a deleted queue; tests delete and recreate freely.
    emulateQueueCreationLifecycle: false,
    // CreateQueue returns a usable queue at once, as provisioning expects.
    emulateLazyQueues: false,
  });
  const sqs = new PausableListener(requestHandler, settings.host);

  // dynalite's server object is only used as a request handler: its listen/close
  // would recreate/close the in-memory store, which pause/resume must keep.
  const dynamodbStore = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamodb = new PausableListener((req, res) => dynamodbStore.emit('request', req, res), settings.host);

  await sqs.listen(settings.sqsPort);
  // Queue URLs embed the port, which is only known now.
  service.PORT = sqs.port;
  try {
    await dynamodb.listen(settings.dynamodbPort);
  } catch (error) {
    await sqs.close();
    throw error;
  }

  return {
    sqsEndpoint: sqs.endpoint,
    dynamodbEndpoint: dynamodb.endpoint,
    region: settings.region,
    sqsService: service,
    pauseSqs: () => sqs.pause(),
    resumeSqs: () => sqs.resume(),
    pauseDynamodb: () => dynamodb.pause(),
    resumeDynamodb: () => dynamodb.resume(),
    async stop() {
      await Promise.all([sqs.close(), dynamodb.close()]);
      // Clears the per-message visibility and retention timers.
      service.resetAll();
    },
  };
}
