/** Reads dead-lettered messages back (and removes them), with the reason attributes the consumer attached. */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '../../src/definition/environment.ts';

export interface DeadLetter {
  readonly body: string;
  /** `tasklanes-reason`, or undefined when SQS's own redrive moved the message. */
  readonly reason?: string;
  readonly error?: string;
  readonly attempts?: number;
  readonly receiveCount: number;
}

/** Receives and deletes everything visible in the queue right now. */
export async function drainDeadLetters(sqs: SQSClient, dlqUrl: string): Promise<DeadLetter[]> {
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
    for (const message of Messages) {
      const attributes = message.MessageAttributes ?? {};
      letters.push({
        body: message.Body ?? '',
        reason: attributes[DLQ_ATTRIBUTES.reason]?.StringValue,
        error: attributes[DLQ_ATTRIBUTES.error]?.StringValue,
        attempts: attributes[DLQ_ATTRIBUTES.attempts] ? Number(attributes[DLQ_ATTRIBUTES.attempts].StringValue) : undefined,
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
