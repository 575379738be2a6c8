/**
 * What an operator needs to know about a queued message, read leniently
 * from its body: a body that is not a v1 envelope is still shown (and never
 * matches a filter on type or tenant), because such bodies are exactly
 * what ends up in a DLQ.
 */
import type { Message } from '@aws-sdk/client-sqs';

export interface MessageSummary {
  readonly messageId: string;
  readonly id?: string;
  readonly type?: string;
  readonly tenant?: string;
  readonly dedupKey?: string;
  /** Epoch ms of the envelope's `createdAt`, else of SQS's SentTimestamp. */
  readonly createdAt?: number;
  readonly receiveCount: number;
}

export function summarize(message: Message): MessageSummary {
  const envelope = parseEnvelope(message.Body ?? '');
  const created = typeof envelope.createdAt === 'string' ? Date.parse(envelope.createdAt) : NaN;
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    id: text(envelope.id),
    type: text(envelope.type),
    tenant: text(envelope.tenant),
    dedupKey: text(envelope.dedupKey),
    createdAt: Number.isFinite(created) ? created : Number.isFinite(sent) ? sent : undefined,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
  };
}

function parseEnvelope(body: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
