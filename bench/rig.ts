/**
 * The benchmark rig: the embedded SQS server, a DynamoDB backend (dynalite
 * in-process, or DynamoDB Local, AWS's own emulator, in a JVM), the lane's
 * queue and DLQ and the dedup table as `local/provision.ts` creates them,
 * the peer's idempotency table, and clients that count every request and
 * time the requests of each invocation (duration.ts).
 */
import { CreateTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { createLocalClients, type LocalClients } from '../src/ops/target/local-clients.ts';
import { startDynamoDbLocal } from '../src/local/dynamodb-local.ts';
import { provision } from '../src/local/provision.ts';
import type { LaneQueues } from '../src/ops/target/target.ts';
import { startLocalServers } from '../src/local/servers.ts';
import type { ContenderResources } from './contenders.ts';
import { BENCH_LANE, benchDefinition } from './definition.ts';
import { InvocationClock } from './duration.ts';
import { PEER_TABLE_KEY } from './peer/consumer.ts';
import { RequestCounter } from './request-counter.ts';

export type DynamoBackend = 'dynalite' | 'dynamodb-local';

export interface Rig {
  readonly backend: DynamoBackend;
  readonly clients: LocalClients;
  readonly queues: LaneQueues;
  readonly dedupTable: string;
  readonly peerTable: string;
  readonly counter: RequestCounter;
  readonly clock: InvocationClock;
  /** The rig's clients and tables, as a contender takes them. */
  readonly resources: ContenderResources;
  stop(): Promise<void>;
}

export const PEER_TABLE = 'bench-peer-idempotency';

/**
 * Long enough that no message comes back while its batch is still being
 * processed on a loaded machine (a redelivery would count a task twice),
 * short enough that a genuinely failed record returns within a run.
 */
const VISIBILITY_TIMEOUT_SECONDS = 20;

export async function startRig(backend: DynamoBackend): Promise<Rig> {
  const servers = await startLocalServers();
  // The full JIT: the rig runs at load for minutes, where the quick compiler's start-up saving is lost.
  const dynamodbLocal = backend === 'dynamodb-local' ? await startDynamoDbLocal({ jvmOptions: [] }) : undefined;
  const clients = createLocalClients({ ...servers, dynamodbEndpoint: dynamodbLocal?.endpoint ?? servers.dynamodbEndpoint });
  const stop = async () => {
    clients.destroy();
    await Promise.all([servers.stop(), dynamodbLocal?.stop()]);
  };
  try {
    const resources = await provision(benchDefinition, clients, { visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS });
    await createPeerTable(clients);
    const counter = new RequestCounter();
    counter.attach(clients.sqs, 'sqs');
    counter.attach(clients.dynamodb, 'dynamodb');
    const clock = new InvocationClock();
    clock.attach(clients.sqs, 'sqs');
    clock.attach(clients.dynamodb, 'dynamodb');
    const queues = resources.lanes[BENCH_LANE]!;
    return {
      backend,
      clients,
      queues,
      dedupTable: resources.dedupTable,
      peerTable: PEER_TABLE,
      counter,
      clock,
      resources: { ...clients, dlqUrl: queues.dlqUrl, dedupTable: resources.dedupTable, peerTable: PEER_TABLE },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function createPeerTable(clients: LocalClients): Promise<void> {
  try {
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: PEER_TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: PEER_TABLE_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: PEER_TABLE_KEY, KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
