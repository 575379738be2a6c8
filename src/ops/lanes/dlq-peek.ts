/**
 * Shows what is in a lane's DLQ and why, without consuming it: messages are
 * received with a short hold and made visible again at once. Each peek
 * still raises every shown letter's receive count (local-aws-sqs counts the
 * visibility change as one more), which is harmless in a DLQ: it has no
 * redrive policy, and a redrive starts the count again. The reason comes from the
 * letter's attributes, or, for a letter whose attributes did not fit beside
 * its body, from the record the consumer kept in the dedup table.
 */
import { ChangeMessageVisibilityBatchCommand, type Message } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '../../definition/environment.ts';
import type { DeadLetterRecord } from '../target/dead-letter-records.ts';
import type { OpsTarget } from '../target/target.ts';
import { summarize, type MessageSummary } from './message-summary.ts';
import { chunks, receiveToInspect } from './receive.ts';

export interface PeekOptions {
  /** How many messages to show. Default 10. */
  readonly max?: number;
  /** Hold while peeking, seconds; visibility is restored right after. Default 30. */
  readonly holdSeconds?: number;
}

export const PEEK_DEFAULTS = { max: 10, holdSeconds: 30, waitSeconds: 1 } as const;

/** Times are ISO-8601 strings, like `failedAt`. */
export interface DeadLetterView extends Omit<MessageSummary, 'createdAt'> {
  /** The envelope's `createdAt`, else when SQS received the message. */
  readonly createdAt?: string;
  /** `tasklanes-reason`; undefined when SQS's own redrive moved it (the consumer never got to say why). */
  readonly reason?: string;
  readonly error?: string;
  /** Attempts the consumer counted before dead-lettering. */
  readonly attempts?: number;
  readonly failedAt?: string;
  /** The SQS message id of the delivery the consumer dead-lettered (`messageId` is the DLQ copy's own). */
  readonly originalMessageId?: string;
  /** Where the reason was read: the letter's attributes, or the dedup table's record when they did not fit beside the body. */
  readonly reasonFrom?: 'attributes' | 'dedupTable';
  /** The queue SQS redrove it from, when SQS did. */
  readonly sourceArn?: string;
  readonly body: string;
}

export async function peekDeadLetters(target: OpsTarget, lane: string, options: PeekOptions = {}): Promise<DeadLetterView[]> {
  // `??`, not a spread: an option given as undefined (an absent CLI flag) means the default.
  const max = options.max ?? PEEK_DEFAULTS.max;
  const holdSeconds = options.holdSeconds ?? PEEK_DEFAULTS.holdSeconds;
  const { waitSeconds } = PEEK_DEFAULTS;
  const { dlqUrl } = target.queues(lane);
  const held: Message[] = [];
  try {
    while (held.length < max) {
      const batch = await receiveToInspect(target.sqs, { queueUrl: dlqUrl, max: max - held.length, holdSeconds, waitSeconds });
      if (batch.length === 0) break;
      held.push(...batch);
    }
  } finally {
    for (const chunk of chunks(held)) {
      await target.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: dlqUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  // The consumer puts each reason attribute on the letter whole or not at all: one missing means look for the record.
  const incomplete = held.filter((message) => REASON_ATTRIBUTES.some((name) => message.MessageAttributes?.[name] === undefined));
  const records = await target.deadLetterRecords(incomplete.map((message) => message.MessageId!));
  return held.map((message) => view(message, records.get(message.MessageId!)));
}

const REASON_ATTRIBUTES = Object.values(DLQ_ATTRIBUTES);

function view(message: Message, record: DeadLetterRecord | undefined): DeadLetterView {
  const attribute = (name: keyof DeadLetterRecord) => record?.[name] ?? message.MessageAttributes?.[name]?.StringValue;
  const attempts = attribute(DLQ_ATTRIBUTES.attempts);
  const reason = attribute(DLQ_ATTRIBUTES.reason);
  const summary = summarize(message);
  return {
    ...summary,
    createdAt: summary.createdAt === undefined ? undefined : new Date(summary.createdAt).toISOString(),
    reason,
    error: attribute(DLQ_ATTRIBUTES.error),
    attempts: attempts === undefined ? undefined : Number(attempts),
    failedAt: attribute(DLQ_ATTRIBUTES.failedAt),
    originalMessageId: attribute(DLQ_ATTRIBUTES.messageId),
    ...(reason === undefined ? {} : { reasonFrom: record ? 'dedupTable' : 'attributes' }),
    sourceArn: message.Attributes?.DeadLetterQueueSourceArn,
    body: message.Body ?? '',
  };
}
