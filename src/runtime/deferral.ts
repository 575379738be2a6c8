/**
 * Deferring a task that found a limit full (docs/design.md#6-limits): a copy
 * of the same body goes to the lane's own queue with a delay, carrying how
 * often the task was deferred and the attempts it had spent; only then is
 * the original acknowledged. A receive spent waiting for a limit is thus
 * never counted toward `maxReceiveCount`, and a copy that cannot be sent
 * leaves the original to be redelivered: nothing is lost.
 *
 * The wait is the task's place on its key's schedule (deferral-schedule.ts),
 * so a flood's copies come back spread at the rate the limit serves them;
 * where there is no estimate yet, it doubles per deferral (from
 * LIMIT_DEFAULTS.firstDelaySeconds up to maxDelaySeconds), drawn between half
 * and all of it so the copies do not come back together. It never exceeds
 * SQS's 900 s.
 */
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { DEFERRAL_ATTRIBUTE } from '../definition/environment.ts';
import { LIMIT_DEFAULTS, MAX_SQS_DELAY_SECONDS } from '../definition/task-limits.ts';
import { publisherAttributes } from './dead-letter.ts';

/** What a delivery's deferral attribute says; a first delivery has none. */
export interface DeferralState {
  /** Times the task was deferred before this delivery. */
  readonly deferrals: number;
  /** Receives the task spent running (and failing) before this delivery's message was sent. */
  readonly attempts: number;
}

const NOT_DEFERRED: DeferralState = { deferrals: 0, attempts: 0 };
// zod/mini as a namespace, as the envelope's (src/definition/envelope.ts): classic zod would put all of zod in the consumer bundle.
const stateSchema = z.object({ deferrals: z.int().check(z.minimum(0)), attempts: z.int().check(z.minimum(0)) });

/** The record's deferral state; an attribute that does not parse (someone else's) counts as none. */
export function deferralState(record: SQSRecord): DeferralState {
  const raw = record.messageAttributes?.[DEFERRAL_ATTRIBUTE]?.stringValue;
  if (raw === undefined) return NOT_DEFERRED;
  try {
    const parsed = stateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : NOT_DEFERRED;
  } catch {
    return NOT_DEFERRED;
  }
}

/**
 * Seconds the copy waits: its place on the key's schedule (`waitMs`, deferral-schedule.ts), to the
 * nearest second SQS can delay by; without one, a backoff doubling per deferral, drawn by `random`
 * in [0, 1) between half and all of it. Never above SQS's 900 s.
 */
export function deferralDelaySeconds(deferrals: number, random: number, waitMs?: number): number {
  if (waitMs !== undefined) return Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.round(waitMs / 1000)));
  const { firstDelaySeconds, maxDelaySeconds } = LIMIT_DEFAULTS;
  const wait = Math.min(maxDelaySeconds, firstDelaySeconds * 2 ** deferrals);
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(wait / 2 + (wait / 2) * random));
}

export interface DeferRequest {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly record: SQSRecord;
  readonly delaySeconds: number;
  /** The state the copy carries. */
  readonly next: DeferralState;
}

/** The copy as SendMessage (and a SendMessageBatch entry) takes it, without its queue. */
export function copyMessage(request: DeferRequest) {
  const { record } = request;
  // The publisher's attributes travel along; ours are replaced.
  const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(publisherAttributes(record));
  attributes[DEFERRAL_ATTRIBUTE] = { DataType: 'String', StringValue: JSON.stringify(request.next) };
  const groupId = record.attributes.MessageGroupId;
  return {
    MessageBody: record.body,
    DelaySeconds: request.delaySeconds,
    ...(groupId ? { MessageGroupId: groupId } : {}),
    MessageAttributes: attributes,
  };
}

/** Sends the copy alone; returns its SQS message id. */
export async function sendDeferredCopy(request: DeferRequest): Promise<string | undefined> {
  const { MessageId } = await request.sqs.send(new SendMessageCommand({ QueueUrl: request.queueUrl, ...copyMessage(request) }));
  return MessageId;
}
