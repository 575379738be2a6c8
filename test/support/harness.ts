/**
 * A running local stack for a test file: servers, provisioned queues and
 * table, every lane consumed by the real consumer, a publisher, and a record
 * of every outcome the runtime reported. Tests publish, then wait for
 * outcomes; nothing here sleeps for a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Outcome } from '../../src/definition/metrics.ts';
import type { Definition } from '../../src/definition/registry.ts';
import { shortVisibilitySeconds } from '../../src/definition/timeouts.ts';
import type { EmfWriter } from '../../src/runtime/metrics.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import { JsonLogger } from '../../src/runtime/logger.ts';
import { Publisher, type BatchEntry, type PublishedTask } from '../../src/publisher/index.ts';
import type { LocalClientOverrides } from '../../src/ops/target/local-clients.ts';
import { startLocalConsumers, type LocalConsumers } from '../../src/local/consumers.ts';
import type { PollerTuning } from '../../src/local/poller.ts';
import type { DynamoDbBackend } from '../../src/local/servers.ts';
import { startLocalStack, type LocalStack } from '../../src/local/stack.ts';
import { watchClaimWrites, type ClaimWrite } from './claim-writes.ts';
import { drainDeadLetters, type DeadLetter } from './dlq.ts';
import { waitFor, type WaitOptions } from './wait.ts';

export interface HarnessOptions {
  readonly definition: Definition;
  /** Default: the local servers' default (dynalite). */
  readonly dynamodb?: DynamoDbBackend;
  readonly workerEntry?: string | URL;
  /**
   * Short, so that failed records come back quickly, yet longer than the
   * lane's longest task timeout (in a worker lane with the thread start-up
   * bound and reply grace), as the stack's 6x rule guarantees on AWS.
   * Default: that + 3 s, per lane (shortVisibilitySeconds).
   * One number for every lane, or a function of the lane's name.
   */
  readonly visibilityTimeoutSeconds?: number | ((lane: string) => number);
  readonly now?: () => number;
  readonly tuning?: Partial<PollerTuning>;
  /** Start consumers at once. Default true. */
  readonly consume?: boolean;
  /** Where the consumers' EMF documents go. Default: dropped. */
  readonly emitMetrics?: EmfWriter;
  /** SDK client settings, e.g. few retries so a fault-injection test feels an outage at once. */
  readonly clients?: LocalClientOverrides;
}

export interface StartConsumersOptions {
  /** Default: every lane of the definition. */
  readonly lanes?: readonly string[];
  /** Default: the harness's `now`. A consumer taking over after a crash may run on a clock shifted past the dead one's leases. */
  readonly now?: () => number;
}

export interface Harness {
  readonly stack: LocalStack;
  readonly publisher: Publisher;
  readonly outcomes: readonly OutcomeEvent[];
  /** Every claim request the consumers of this process sent, in order (claim-writes.ts). */
  readonly claimWrites: readonly ClaimWrite[];
  /** Starts lane consumers (when `consume: false` was given, or for lanes not started yet). Each set is stopped after the file. */
  startConsumers(options?: StartConsumersOptions): LocalConsumers;
  outcomesOf(predicate: (event: OutcomeEvent) => boolean): OutcomeEvent[];
  /** Waits until `count` outcomes match, then returns them. */
  waitForOutcomes(predicate: (event: OutcomeEvent) => boolean, count?: number, options?: WaitOptions): Promise<OutcomeEvent[]>;
  /** Publishes a batch and fails the test if SQS or the publisher refused any entry. */
  publishAll(entries: readonly BatchEntry[]): Promise<PublishedTask[]>;
  /** Sends a raw body to a lane's queue, as an app without our client would. Returns the SQS message id. */
  sendRaw(lane: string, body: string): Promise<string>;
  /** Every message dead-lettered in the lane so far (read back from the DLQ and kept). */
  deadLetters(lane: string): Promise<readonly DeadLetter[]>;
}

export function withRunningLanes(options: HarnessOptions): () => Harness {
  let harness: Harness | undefined;
  const consumerSets: LocalConsumers[] = [];
  let stack: LocalStack | undefined;
  before(async () => {
    stack = await startLocalStack({
      definition: options.definition,
      stateFile: false,
      servers: { dynamodb: options.dynamodb },
      provision: {
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? ((lane) => shortVisibilitySeconds(options.definition, lane)),
      },
      poller: { waitTimeSeconds: 1, ...options.tuning },
      clients: options.clients,
      log: { warn: () => {}, error: () => {} },
    });
    const running = stack;
    const outcomes: OutcomeEvent[] = [];
    const claimWrites: ClaimWrite[] = [];
    watchClaimWrites(running.clients.dynamodb, (write) => claimWrites.push(write));
    const letters = new Map<string, DeadLetter[]>();
    const startConsumers = (start: StartConsumersOptions = {}) => {
      const consumers = startLocalConsumers(running, {
        lanes: start.lanes,
        workerEntry: options.workerEntry,
        onOutcome: (event) => outcomes.push(event),
        emitMetrics: options.emitMetrics,
        now: start.now ?? options.now,
        logger: silentLogger,
      });
      consumerSets.push(consumers);
      return consumers;
    };
    if (options.consume !== false) startConsumers();
    const publisher = new Publisher({ definition: options.definition, sqs: running.clients.sqs, queueUrls: running.queueUrls });
    harness = {
      stack: running,
      publisher,
      outcomes,
      claimWrites,
      startConsumers,
      outcomesOf: (predicate) => outcomes.filter(predicate),
      async waitForOutcomes(predicate, count = 1, waitOptions) {
        return waitFor(
          () => {
            const found = outcomes.filter(predicate);
            return found.length >= count ? found : undefined;
          },
          { description: `${count} matching outcome(s)`, ...waitOptions },
        );
      },
      async publishAll(entries) {
        const { successful, failed } = await publisher.publishBatch(entries);
        assert.deepEqual(failed, [], 'every entry published');
        return [...successful];
      },
      async sendRaw(lane, body) {
        const result = await running.clients.sqs.send(
          new SendMessageCommand({ QueueUrl: running.resources.lanes[lane]!.queueUrl, MessageBody: body }),
        );
        return result.MessageId!;
      },
      async deadLetters(lane) {
        const kept = letters.get(lane) ?? [];
        kept.push(
          ...(await drainDeadLetters(running.clients.sqs, running.resources.lanes[lane]!.dlqUrl, {
            dynamodb: running.clients.dynamodb,
            table: running.resources.dedupTable,
          })),
        );
        letters.set(lane, kept);
        return kept;
      },
    };
  });
  after(async () => {
    await Promise.all(consumerSets.map((consumers) => consumers.stop()));
    await stack?.stop();
  });
  return () => {
    if (!harness) throw new Error('harness used outside a test of its file');
    return harness;
  };
}

/** Outcome logs are asserted through `outcomes`; printing them would bury the test report. */
const silentLogger = new JsonLogger({ level: 'SILENT' });

export const isOutcome = (id: string, outcome: Outcome) => (event: OutcomeEvent) => event.id === id && event.outcome === outcome;
export const ofTask = (id: string) => (event: OutcomeEvent) => event.id === id;
