/**
 * Reads dead-lettered messages back (and removes them), with the reason the
 * consumer attached: on the letter's attributes, or, for a letter whose
 * attributes did not fit beside its body, in the dedup table (given `records`).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '../../src/definition/environment.ts';
import { readDeadLetterRecords } from '../../src/ops/target/dead-letter-records.ts';

export interface DeadLetter {
  readonly body: string;
  /** `tasklanes-reason`, or undefined when SQS's own redrive moved the message. */
  readonly reason?: string;
  readonly error?: string;
  readonly attempts?: number;
  readonly receiveCount: number;
}

/** Where the consumer keeps the reasons that did not fit on their letters. */
export interface ReasonRecords {
  readonly dynamodb: DynamoDBClient;
  readonly table: string;
}

/** Receives and deletes everything visible in the queue right now. */
export async function drainDeadLetters(sqs: SQSClient, dlqUrl: string, records?: ReasonRecords): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    if (Messages.length === 0) return letters;
    // Only a letter missing a reason attribute can have a record (the consumer writes one when they do not fit):
    // the others need no DynamoDB, which a fault test may have taken away.
    const incomplete = Messages.filter((m) =>
      [DLQ_ATTRIBUTES.reason, DLQ_ATTRIBUTES.error, DLQ_ATTRIBUTES.attempts].some((name) => !m.MessageAttributes?.[name]),
    );
    const kept =
      records && incomplete.length > 0
        ? await readDeadLetterRecords(
            records.dynamodb,
            records.table,
            incomplete.map((m) => m.MessageId!),
          )
        : new Map();
    for (const message of Messages) {
      const onLetter = Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
      );
      const attributes: Record<string, string | undefined> = { ...kept.get(message.MessageId!), ...onLetter };
      letters.push({
        body: message.Body ?? '',
        reason: attributes[DLQ_ATTRIBUTES.reason],
        error: attributes[DLQ_ATTRIBUTES.error],
        attempts: attributes[DLQ_ATTRIBUTES.attempts] ? Number(attributes[DLQ_ATTRIBUTES.attempts]) : undefined,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
      });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}
