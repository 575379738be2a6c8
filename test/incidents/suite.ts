/**
 * What every incident test file shares: a running local stack of the
 * incident definition with its EMF output captured, a fresh execution log,
 * the volume scale, ledgers, and the configuration of a consumer child
 * process against the same servers.
 *
 * Each file runs its scenarios once per DynamoDB backend
 * (`for (const dynamodb of DYNAMODB_BACKENDS) describe(...)`, one suite each):
 * on DynamoDB Local a batch's claims take the PartiQL path AWS runs, on
 * dynalite the single-claim fallback; the ledger asserts which one ran.
 * The two longest (001-poison-task.ts, 004-tenant-flood.ts: minutes of
 * visibility timeouts and deferrals per backend) export their scenarios as a
 * function instead, called by one `<name>.<backend>.test.ts` per backend, so
 * the test runner runs the two backends in parallel processes.
 */
import type { PollerTuning } from '../../src/local/poller.ts';
import type { DynamoDbBackend } from '../../src/local/servers.ts';
import type { LocalClientOverrides } from '../../src/ops/target/local-clients.ts';
import type { ConsumerProcessConfig } from '../support/consumer-child.ts';
import { EmfCapture } from '../support/emf.ts';
import { useFreshExecutionLog } from '../support/execution-log.ts';
import { withRunningLanes, type Harness } from '../support/harness.ts';
import { INCIDENT_MODULE, incidentDefinition } from './incident-definition.ts';
import { Ledger } from './ledger.ts';

/** Multiplies the volumes of the scenarios; `npm run test:incidents:large` sets it. Default 1. */
export const SCALE_ENV = 'TASKLANES_INCIDENT_SCALE';

export class InvalidScaleError extends Error {
  override readonly name = 'InvalidScaleError';
}

function readScale(): number {
  const raw = process.env[SCALE_ENV];
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isInteger(scale) || scale < 1) throw new InvalidScaleError(`${SCALE_ENV} must be a positive integer, got "${raw}"`);
  return scale;
}

export const INCIDENT_SCALE = readScale();

/** `base` tasks at scale 1, more under the large variant. */
export const volume = (base: number): number => base * INCIDENT_SCALE;

export interface IncidentSuiteOptions {
  /** The DynamoDB the stack runs on, which decides the claim path (no default: a file runs on each backend). */
  readonly dynamodb: DynamoDbBackend;
  /** Start the consumers at once. Default true. */
  readonly consume?: boolean;
  readonly clients?: LocalClientOverrides;
  readonly tuning?: Partial<PollerTuning>;
}

export interface IncidentSuite {
  readonly lanes: () => Harness;
  readonly emf: EmfCapture;
  /** Opens the books of one scenario (call inside its test). */
  ledger(scenario: string): Promise<Ledger>;
  /** A consumer child process for `lane` against this file's servers. */
  childConfig(lane: string, clockOffsetMs?: number): ConsumerProcessConfig;
}

/** Call at the top level of a test file's describe (one per backend): registers the stack's before/after hooks. */
export function incidentSuite(options: IncidentSuiteOptions): IncidentSuite {
  useFreshExecutionLog();
  const emf = new EmfCapture();
  const lanes = withRunningLanes({
    definition: incidentDefinition,
    dynamodb: options.dynamodb,
    workerEntry: INCIDENT_MODULE,
    emitMetrics: emf.writer,
    consume: options.consume,
    clients: options.clients,
    tuning: options.tuning,
  });
  return {
    lanes,
    emf,
    ledger: (scenario) => Ledger.open(scenario, lanes(), emf),
    childConfig(lane, clockOffsetMs = 0) {
      const { stack } = lanes();
      const queues = stack.resources.lanes[lane]!;
      return {
        sqsEndpoint: stack.servers.sqsEndpoint,
        dynamodbEndpoint: stack.servers.dynamodbEndpoint,
        region: stack.servers.region,
        definitionModule: INCIDENT_MODULE.href,
        definitionExport: 'incidentDefinition',
        lane,
        queueUrl: queues.queueUrl,
        queueArn: queues.queueArn,
        dlqUrl: queues.dlqUrl,
        dedupTable: stack.resources.dedupTable,
        clockOffsetMs,
        tuning: { waitTimeSeconds: 1 },
      };
    },
  };
}
