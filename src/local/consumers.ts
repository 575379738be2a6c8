/**
 * Runs lanes of a local stack with the real consumer: one `createLaneConsumer`
 * per lane, fed by the lane's poller, exactly as the Lambda event source
 * mapping feeds the deployed function. `npm start`, the tests, the incident
 * suite and the benchmarks all start lanes through here.
 */
import { createLaneConsumer, type LaneConsumer } from '../runtime/consumer.ts';
import type { JsonLogger } from '../runtime/logger.ts';
import type { EmfWriter } from '../runtime/metrics.ts';
import type { OutcomeListener } from '../runtime/outcome.ts';
import type { LanePoller, PollerTuning } from './poller.ts';
import type { LocalStack } from './stack.ts';

export interface LocalConsumersOptions {
  /** Default: every lane of the stack's definition. */
  readonly lanes?: readonly string[];
  /** Module serving tasks in worker threads for isolated lanes (it calls `serveTaskWorker` with the same definition). */
  readonly workerEntry?: string | URL;
  readonly onOutcome?: OutcomeListener;
  /** Default: EMF documents are dropped; locally the outcome listener is the metrics sink. */
  readonly emitMetrics?: EmfWriter;
  /** @default the consumer's: JSON lines on stdout */
  readonly logger?: JsonLogger;
  readonly now?: () => number;
  /** Per-lane poller overrides. */
  readonly tuning?: Partial<PollerTuning> | ((lane: string) => Partial<PollerTuning>);
}

export interface LocalConsumers {
  readonly consumers: ReadonlyMap<string, LaneConsumer>;
  readonly pollers: ReadonlyMap<string, LanePoller>;
  /** Stops the pollers (waiting for batches in flight), then the consumers' worker threads. */
  stop(): Promise<void>;
}

const dropMetrics: EmfWriter = () => {};

export function startLocalConsumers(stack: LocalStack, options: LocalConsumersOptions = {}): LocalConsumers {
  const lanes = options.lanes ?? stack.definition.lanes.map((lane) => lane.name);
  const consumers = new Map<string, LaneConsumer>();
  const pollers = new Map<string, LanePoller>();
  for (const lane of lanes) {
    const queues = stack.resources.lanes[lane]!;
    const consumer = createLaneConsumer({
      definition: stack.definition,
      lane,
      dlqUrl: queues.dlqUrl,
      queueUrl: queues.queueUrl,
      dedupTable: stack.resources.dedupTable,
      sqs: stack.clients.sqs,
      dynamodb: stack.clients.dynamodb,
      workerEntry: options.workerEntry,
      onOutcome: options.onOutcome,
      emitMetrics: options.emitMetrics ?? dropMetrics,
      logger: options.logger,
      now: options.now,
    });
    consumers.set(lane, consumer);
    const tuning = typeof options.tuning === 'function' ? options.tuning(lane) : options.tuning;
    pollers.set(lane, stack.startLane(lane, consumer.handler, tuning));
  }
  return {
    consumers,
    pollers,
    async stop() {
      await Promise.all([...pollers.values()].map((poller) => poller.stop()));
      await Promise.all([...consumers.values()].map((consumer) => consumer.close()));
    },
  };
}
