/**
 * A lane consumer in a process of its own, for tests that kill it: the real
 * consumer and poller against the test's local servers, configured by one
 * JSON argument (`ConsumerProcessConfig`). It writes its EMF documents to
 * stdout as Lambda does, and each outcome as a JSON line, so the test can
 * count what it reported before it died. SIGTERM stops it cleanly.
 *
 *   node --import tsx test/support/consumer-process.ts '<ConsumerProcessConfig as JSON>'
 *
 * Start it with `spawnConsumerProcess` (consumer-child.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Definition } from '../../functions/definition/registry.ts';
import { createLaneConsumer } from '../../functions/runtime/consumer.ts';
import { createLocalClients } from '../../local/clients.ts';
import { startLanePoller, type PollerTuning } from '../../local/poller.ts';
import type { LocalEndpoints } from '../../local/servers.ts';

export interface ConsumerProcessConfig extends LocalEndpoints {
  /** File URL of the module exporting the definition (also the worker entry of isolated lanes). */
  readonly definitionModule: string;
  readonly definitionExport: string;
  readonly lane: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dedupTable: string;
  /** Added to the wall clock: a consumer started after a crash may run past the dead one's leases. */
  readonly clockOffsetMs: number;
  readonly tuning?: Partial<PollerTuning>;
}

/** Key of an outcome line on stdout: `{"tasklanesOutcome": OutcomeEvent}`. */
export const OUTCOME_LINE_KEY = 'tasklanesOutcome';

export class ConsumerProcessConfigError extends Error {
  override readonly name = 'ConsumerProcessConfigError';
}

async function main(argument: string | undefined): Promise<void> {
  if (!argument) throw new ConsumerProcessConfigError('usage: consumer-process.ts <config JSON>');
  const config = JSON.parse(argument) as ConsumerProcessConfig;
  const loaded = (await import(config.definitionModule)) as Record<string, unknown>;
  const definition = loaded[config.definitionExport] as Definition | undefined;
  if (!definition?.lanes) throw new ConsumerProcessConfigError(`${config.definitionModule} exports no definition "${config.definitionExport}"`);

  const clients = createLocalClients(config);
  const consumer = createLaneConsumer({
    definition,
    lane: config.lane,
    dlqUrl: config.dlqUrl,
    dedupTable: config.dedupTable,
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    workerEntry: config.definitionModule,
    logger: new Logger({ serviceName: 'tasklanes-consumer-process', logLevel: 'SILENT' }),
    onOutcome: (event) => process.stdout.write(JSON.stringify({ [OUTCOME_LINE_KEY]: event }) + '\n'),
    now: () => Date.now() + config.clockOffsetMs,
  });
  const poller = startLanePoller({
    definition,
    lane: config.lane,
    queue: { queueUrl: config.queueUrl, queueArn: config.queueArn },
    sqs: clients.sqs,
    handler: consumer.handler,
    tuning: config.tuning,
  });
  process.once('SIGTERM', () => {
    void (async () => {
      await poller.stop();
      await consumer.close();
      clients.destroy();
      process.exit(0);
    })();
  });
}

await main(process.argv[2]);
