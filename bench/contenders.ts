/**
 * The three handlers a throughput run can drain a queue with: the raw floor
 * (receive and delete, nothing else: the limit of the rig), tasklanes'
 * consumer, and the Powertools peer. Each logs to the run's sink.
 */
import type { LaneHandler } from '../src/local/poller.ts';
import { createLaneConsumer } from '../src/runtime/consumer.ts';
import { BENCH_LANE, benchDefinition } from './definition.ts';
import type { LogSink } from './log-sink.ts';
import { createPeerHandler } from './peer/consumer.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

export const CONTENDERS = ['floor', 'tasklanes', 'peer'] as const;
export type Contender = (typeof CONTENDERS)[number];

/** What a contender talks to: the rig's counted clients, or canned ones for the CPU figure. */
export interface ContenderResources {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly dlqUrl: string;
  readonly dedupTable: string;
  readonly peerTable: string;
}

export interface ContenderHandler {
  readonly handler: LaneHandler;
  close(): Promise<void>;
}

export function contenderHandler(contender: Contender, resources: ContenderResources, sink: LogSink): ContenderHandler {
  switch (contender) {
    case 'floor':
      return { handler: async () => ({ batchItemFailures: [] }), close: async () => {} };
    case 'tasklanes': {
      const consumer = createLaneConsumer({
        definition: benchDefinition,
        lane: BENCH_LANE,
        dlqUrl: resources.dlqUrl,
        dedupTable: resources.dedupTable,
        sqs: resources.sqs,
        dynamodb: resources.dynamodb,
        logger: sink.jsonLogger('tasklanes'),
        emitMetrics: sink.emf,
      });
      return consumer;
    }
    case 'peer':
      return {
        handler: createPeerHandler({ dynamodb: resources.dynamodb, table: resources.peerTable, logger: sink.logger('peer') }),
        close: async () => {},
      };
  }
}
