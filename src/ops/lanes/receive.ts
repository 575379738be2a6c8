/**
 * Receiving messages to look at them, for peek and drop: every attribute,
 * held invisible for a while so one pass sees each message once.
 */
import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { MAX_BATCH_ENTRIES } from '../../definition/limits.ts';

export interface InspectReceive {
  readonly queueUrl: string;
  readonly max: number;
  /** Visibility timeout of what is received. */
  readonly holdSeconds: number;
  /** 1 s long poll: AWS then asks every server, so an empty answer means an empty queue (short polls sample). */
  readonly waitSeconds: number;
}

export async function receiveToInspect(sqs: SQSClient, options: InspectReceive): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: Math.min(options.max, MAX_BATCH_ENTRIES),
      VisibilityTimeout: options.holdSeconds,
      WaitTimeSeconds: options.waitSeconds,
      // local-aws-sqs reads only the deprecated AttributeNames; AWS reads either (docs/local.md).
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

/** Splits into SQS batch-sized chunks. */
export function chunks<T>(items: readonly T[], size: number = MAX_BATCH_ENTRIES): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
