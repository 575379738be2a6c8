/**
 * Sends a failed message to its lane's DLQ with the reason attached as
 * message attributes, so `dlq peek` shows why without searching logs. The
 * original body is kept byte for byte so a redrive replays exactly what the
 * app published.
 */
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { DLQ_ATTRIBUTES } from '../definition/environment.ts';
import { MAX_MESSAGE_BYTES } from '../definition/limits.ts';

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
  const carried: Array<[string, MessageAttributeValue]> = [];
  for (const [name, value] of Object.entries(request.record.messageAttributes ?? {})) {
    if (name.startsWith('tasklanes-') || value.stringValue === undefined) continue;
    carried.push([name, { DataType: value.dataType, StringValue: value.stringValue }]);
  }
  const groupId = request.record.attributes.MessageGroupId;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: request.record.body,
      ...(groupId ? { MessageGroupId: groupId } : {}),
      MessageAttributes: fitAttributes(MAX_MESSAGE_BYTES - Buffer.byteLength(request.record.body), [
        [DLQ_ATTRIBUTES.reason, text(request.reason)],
        [DLQ_ATTRIBUTES.attempts, { DataType: 'Number', StringValue: String(request.attempts) }],
        [DLQ_ATTRIBUTES.lane, text(request.lane)],
        [DLQ_ATTRIBUTES.failedAt, text(new Date(request.at).toISOString())],
        ...carried,
      ], [DLQ_ATTRIBUTES.error, request.error.slice(0, MAX_REASON_CHARS) || '(no message)']),
    }),
  );
}

/** SQS counts each attribute's name, type and value toward the message size limit. */
const attributeBytes = (name: string, value: MessageAttributeValue) =>
  Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');

/**
 * The body is kept byte for byte, so a body near the size limit leaves little
 * room: attributes are added in order while they fit, then as much of the
 * error text as fits. Otherwise SQS would refuse the letter and the record
 * would be retried until the redrive policy dead-letters it without a reason.
 */
function fitAttributes(
  budget: number,
  ordered: ReadonlyArray<[string, MessageAttributeValue]>,
  [errorName, error]: [string, string],
): Record<string, MessageAttributeValue> {
  const fitted: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of ordered) {
    const bytes = attributeBytes(name, value);
    if (bytes > budget) continue;
    fitted[name] = value;
    budget -= bytes;
  }
  let end = error.length;
  while (end > 0 && attributeBytes(errorName, text(error.slice(0, end))) > budget) end--;
  // Never end between the two halves of a surrogate pair: SQS rejects an unpaired one.
  if (end > 0 && end < error.length && /[\uD800-\uDBFF]/.test(error[end - 1]!)) end--;
  if (end > 0) fitted[errorName] = text(error.slice(0, end));
  return fitted;
}
