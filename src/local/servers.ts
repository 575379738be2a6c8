/**
 * The AWS-compatible servers of the local run, on loopback, on ports the OS
 * assigns: local-aws-sqs for SQS, in this process, and for DynamoDB either
 * dynalite, in this process, or DynamoDB Local, AWS's emulator in a Java
 * process (dynamodb-local.ts). Only DynamoDB Local has PartiQL, so only on it
 * does a batch claim its records in one request, as on AWS; on dynalite the
 * dedup store falls back to one conditional PutItem per record.
 *
 * Each service sits behind a PausableListener so a test can take it away and
 * bring it back with its state intact (dynalite's own `close()` would drop
 * its in-memory tables, local-aws-sqs's `createSqsServer` gives no way to
 * reopen the port, and DynamoDB Local's process cannot be paused without
 * losing its in-memory tables): for DynamoDB Local the listener forwards to
 * the process, so a pause refuses and drops connections as it does for
 * dynalite while the process and its tables live on.
 *
 * Server quirks the rest of the code must respect are listed in docs/local.md.
 */
import dynalite from 'dynalite';
import { createRequestHandler } from 'local-aws-sqs';
import { Agent, request, type RequestListener } from 'node:http';
import { LOCAL_NAMES } from '../definition/environment.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { withImmediatePurge } from './immediate-purge.ts';
import { PausableListener } from './listener.ts';
import { LocalSchedulerEndpoint } from './scheduler-endpoint.ts';
import { createSqsClient, type LocalEndpoints } from '../ops/target/local-clients.ts';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** The DynamoDB-compatible servers the local run can use. */
export const DYNAMODB_BACKENDS = ['dynalite', 'dynamodb-local'] as const;
export type DynamoDbBackend = (typeof DYNAMODB_BACKENDS)[number];

/** How the consumer's dedup claims travel on each backend, for the banner and the dashboard. */
export const CLAIM_PATHS: Readonly<Record<DynamoDbBackend, string>> = {
  dynalite: 'one conditional PutItem per record (the fallback; no PartiQL)',
  'dynamodb-local': 'one BatchExecuteStatement per batch, as on AWS; taken keys read back with BatchGetItem',
};

export interface LocalServersOptions {
  /**
   * Which server holds the tables. Default `'dynalite'`: in this process, starts
   * at once, no Java; no PartiQL, so claims go one conditional PutItem per
   * record. `'dynamodb-local'`: AWS's emulator, needs Java 17+ and a few seconds
   * to start; a batch's claims go in one BatchExecuteStatement, as on AWS.
   */
  readonly dynamodb?: DynamoDbBackend;
  /** Interface both servers bind to. Default `127.0.0.1`: never reachable from another machine. */
  readonly host?: string;
  /** Default 0: the OS picks a free port. */
  readonly sqsPort?: number;
  /** Default 0: the OS picks a free port. With DynamoDB Local, the port clients use (its process gets another). */
  readonly dynamodbPort?: number;
  /** Port of the EventBridge Scheduler endpoint (one-time schedules, scheduler-endpoint.ts). Default 0: the OS picks a free port. */
  readonly schedulerPort?: number;
  /** The clock that endpoint fires schedules by, epoch ms. Default `Date.now`; a test moves its own, then calls `scheduler.fireDue()`. */
  readonly schedulerNow?: () => number;
  /** Region in queue ARNs and of the clients. Default `us-east-1`. */
  readonly region?: string;
  /** Account id in queue URLs and ARNs. Default `123456789012` (a documentation account). */
  readonly accountId?: string;
}

export const LOCAL_SERVER_DEFAULTS = {
  dynamodb: 'dynalite',
  host: '127.0.0.1',
  sqsPort: 0,
  dynamodbPort: 0,
  schedulerPort: 0,
  schedulerNow: Date.now,
  region: 'us-east-1',
  accountId: '123456789012',
} as const satisfies Required<LocalServersOptions>;

/** Where clients find the servers; also what the state file records. */
/** local-aws-sqs's in-process service: its queues and their messages. */
export type LocalSqsService = ReturnType<typeof createRequestHandler>['service'];

export interface LocalServers extends LocalEndpoints {
  /**
   * The SQS service itself, for what SQS reports only through CloudWatch
   * (the age of the oldest message: src/local/queue-stats.ts). Read it; change
   * queues only through the SQS API.
   */
  readonly sqsService: LocalSqsService;
  /** The server behind `dynamodbEndpoint`. */
  readonly dynamodbBackend: DynamoDbBackend;
  /** EventBridge Scheduler's API for one-time schedules (`AWS_ENDPOINT_URL_SCHEDULER`), which fire into the embedded SQS. */
  readonly schedulerEndpoint: string;
  /** The endpoint's schedules and counters; `fireDue()` after moving its clock. */
  readonly scheduler: LocalSchedulerEndpoint;
  /** The schedule group and role a publisher names locally, as the stack outputs ScheduleGroupName and SchedulerRoleArn on AWS. */
  readonly scheduleGroup: string;
  readonly schedulerRoleArn: string;
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
  // A backend passed through as undefined (from a caller's own optional setting) is the default too.
  const settings = { ...LOCAL_SERVER_DEFAULTS, ...options, dynamodb: options.dynamodb ?? LOCAL_SERVER_DEFAULTS.dynamodb };

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
  const sqs = new PausableListener(withImmediatePurge(service, requestHandler), settings.host);
  // The scheduler endpoint sends into SQS, so it starts once SQS has its port.
  let toSqs: SQSClient | undefined;
  let scheduler: LocalSchedulerEndpoint | undefined;
  let schedulerListener: PausableListener | undefined;

  let dynamodb: PausableListener;
  let dynamodbLocal: DynamoDbLocal | undefined;
  const toDynamodbLocal = new Agent({ keepAlive: true });
  try {
    if (settings.dynamodb === 'dynamodb-local') {
      dynamodbLocal = await startDynamoDbLocal({ region: settings.region });
      dynamodb = new PausableListener(forwardTo(dynamodbLocal.endpoint, toDynamodbLocal), settings.host);
    } else {
      // dynalite's server object is only used as a request handler: its listen/close
      // would recreate/close the in-memory store, which pause/resume must keep.
      const dynamodbStore = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
      dynamodb = new PausableListener((req, res) => dynamodbStore.emit('request', req, res), settings.host);
    }
    await sqs.listen(settings.sqsPort);
    // Queue URLs embed the port, which is only known now.
    service.PORT = sqs.port;
    await dynamodb.listen(settings.dynamodbPort);
    toSqs = createSqsClient(sqs.endpoint, settings.region);
    scheduler = new LocalSchedulerEndpoint({
      sqs: toSqs,
      region: settings.region,
      accountId: settings.accountId,
      now: settings.schedulerNow,
    });
    schedulerListener = new PausableListener(scheduler.listener, settings.host);
    await schedulerListener.listen(settings.schedulerPort);
  } catch (error) {
    toDynamodbLocal.destroy();
    toSqs?.destroy();
    await Promise.all([sqs.close(), schedulerListener?.close(), dynamodbLocal?.stop()]);
    throw error;
  }

  return {
    sqsEndpoint: sqs.endpoint,
    dynamodbEndpoint: dynamodb.endpoint,
    region: settings.region,
    sqsService: service,
    dynamodbBackend: settings.dynamodb,
    schedulerEndpoint: schedulerListener!.endpoint,
    scheduler: scheduler!,
    scheduleGroup: LOCAL_NAMES.scheduleGroup,
    schedulerRoleArn: `arn:aws:iam::${settings.accountId}:role/${LOCAL_NAMES.schedulerRole}`,
    pauseSqs: () => sqs.pause(),
    resumeSqs: () => sqs.resume(),
    pauseDynamodb: () => dynamodb.pause(),
    resumeDynamodb: () => dynamodb.resume(),
    async stop() {
      // First, while SQS still listens: a schedule firing now is delivered, and the endpoint's timer is cleared.
      await scheduler!.stop();
      toSqs!.destroy();
      await Promise.all([sqs.close(), dynamodb.close(), schedulerListener!.close()]);
      toDynamodbLocal.destroy();
      await dynamodbLocal?.stop();
      // Clears the per-message visibility and retention timers.
      service.resetAll();
    },
  };
}

/**
 * Passes each request on to `endpoint` and its answer back. A request whose
 * client went away (a pause) still reaches the server, as on AWS a write can
 * land while its answer is lost.
 */
function forwardTo(endpoint: string, agent: Agent): RequestListener {
  return (incoming, outgoing) => {
    const upstream = request(
      new URL(incoming.url ?? '/', endpoint),
      { method: incoming.method, headers: incoming.headers, agent },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    // The process is gone (stopped, or died): the client sees its connection dropped, as in a pause.
    upstream.once('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  };
}
