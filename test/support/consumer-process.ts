/**
 * A lane consumer in a process of its own, for tests that kill it: the real
 * consumer and poller against the test's local servers, configured by one
 * JSON argument (`ConsumerProcessConfig`). It writes its EMF documents to
 * stdout as Lambda does, and each outcome and each claim request
 * (claim-writes.ts) as a JSON line, so the test can count what it reported
 * before it died. SIGTERM stops it cleanly.
 *
 *   node --conditions=tasklanes-source test/support/consumer-process.ts '<ConsumerProcessConfig as JSON>'
 *
 * Start it with `spawnConsumerProcess` (consumer-child.ts, which also holds its config type).
 */
import type { Definition } from '../../src/definition/registry.ts';
import { createLaneConsumer } from '../../src/runtime/consumer.ts';
import { JsonLogger } from '../../src/runtime/logger.ts';
import { createLocalClients } from '../../src/ops/target/local-clients.ts';
import { startLanePoller } from '../../src/local/poller.ts';
import { watchClaimWrites } from './claim-writes.ts';
import { CLAIM_WRITE_LINE_KEY, OUTCOME_LINE_KEY, type ConsumerProcessConfig } from './consumer-child.ts';

export class ConsumerProcessConfigError extends Error {
  override readonly name = 'ConsumerProcessConfigError';
}

async function main(argument: string | undefined): Promise<void> {
  if (!argument) throw new ConsumerProcessConfigError('usage: consumer-process.ts <config JSON>');
  const config = JSON.parse(argument) as ConsumerProcessConfig;
  const loaded = (await import(config.definitionModule)) as Record<string, unknown>;
  const definition = loaded[config.definitionExport] as Definition | undefined;
  if (!definition?.lanes)
    throw new ConsumerProcessConfigError(`${config.definitionModule} exports no definition "${config.definitionExport}"`);

  const clients = createLocalClients(config);
  watchClaimWrites(clients.dynamodb, (write) => process.stdout.write(`${JSON.stringify({ [CLAIM_WRITE_LINE_KEY]: write })}\n`));
  const consumer = createLaneConsumer({
    definition,
    lane: config.lane,
    dlqUrl: config.dlqUrl,
    dedupTable: config.dedupTable,
    sqs: clients.sqs,
    dynamodb: clients.dynamodb,
    workerEntry: config.definitionModule,
    logger: new JsonLogger({ level: 'SILENT' }),
    onOutcome: (event) => process.stdout.write(`${JSON.stringify({ [OUTCOME_LINE_KEY]: event })}\n`),
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
