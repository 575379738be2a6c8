/**
 * Sends a failed message to its lane's DLQ with the reason attached as
 * message attributes, so `dlq peek` shows why without searching logs. The
 * original body is kept byte for byte so a redrive replays exactly what the
 * app published.
 */
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { DLQ_ATTRIBUTES } from '../definition/environment.ts';

/** SQS rejects attribute values over the message limit; a reason is for humans, so keep it short. */
const MAX_REASON_CHARS = 1_000;

export type DeadLetterReason = 'invalid' | 'permanent' | 'retriesExhausted' | 'wrongLane';

export interface DeadLetterRequest {
  readonly record: SQSRecord;
  readonly lane: string;
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly attempts: number;
  readonly at: number;
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

export async function sendToDeadLetterQueue(sqs: SQSClient, dlqUrl: string, request: DeadLetterRequest): Promise<void> {
  // Attributes the publisher set travel along, except ours from an earlier dead-lettering.
  const carried: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(request.record.messageAttributes ?? {})) {
    if (name.startsWith('tasklanes-') || value.stringValue === undefined) continue;
    carried[name] = { DataType: value.dataType, StringValue: value.stringValue };
  }
  const groupId = request.record.attributes.MessageGroupId;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: request.record.body,
      ...(groupId ? { MessageGroupId: groupId } : {}),
      MessageAttributes: {
        ...carried,
        [DLQ_ATTRIBUTES.reason]: text(request.reason),
        [DLQ_ATTRIBUTES.error]: text(request.error.slice(0, MAX_REASON_CHARS) || '(no message)'),
        [DLQ_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: String(request.attempts) },
        [DLQ_ATTRIBUTES.lane]: text(request.lane),
        [DLQ_ATTRIBUTES.failedAt]: text(new Date(request.at).toISOString()),
      },
    }),
  );
}
