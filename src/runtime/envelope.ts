/**
 * Parses and validates one SQS body against the v1 message contract and the
 * task type's payload schema. Every failure is a ValidationError whose message
 * is the reason an operator reads on the dead-lettered message.
 */
import { z } from 'zod';
import type { Definition } from '../definition/registry.ts';
import type { ResolvedTaskType, TaskEnvelope } from '../definition/types.ts';
import { ValidationError } from './errors.ts';

export const ENVELOPE_VERSION = 1;

/**
 * Keys and dimensions must be well-formed Unicode: an unpaired surrogate (a
 * body that was not valid UTF-8 or UTF-16 before it was escaped) may be
 * replaced by a store, merging two tenants' keys into one (incident 003).
 */
const wellFormed = (schema: z.ZodString) => schema.regex(/^\P{Cs}*$/u, 'must be well-formed Unicode (no unpaired surrogates)');

export const envelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  id: wellFormed(z.string().min(1).max(128)),
  type: wellFormed(z.string().min(1).max(80)),
  tenant: wellFormed(z.string().min(1).max(128).regex(/^[^#]+$/, 'must not contain "#"')),
  dedupKey: wellFormed(z.string().min(1).max(512)).optional(),
  createdAt: z.iso.datetime({ offset: true }),
  notAfter: z.iso.datetime({ offset: true }).optional(),
  payload: z.unknown(),
});

export interface ParsedTask {
  readonly envelope: TaskEnvelope;
  readonly task: ResolvedTaskType;
}

/** A schema failure in one line, for the error an operator or app developer reads. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

export function parseTask(body: string, definition: Definition): ParsedTask {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    throw new ValidationError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('body must be a JSON object');
  }
  const version = (raw as { v?: unknown }).v;
  if (version !== ENVELOPE_VERSION) {
    throw new ValidationError(`unknown envelope version ${JSON.stringify(version ?? null)} (this consumer reads v${ENVELOPE_VERSION})`);
  }
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`invalid envelope: ${describeIssues(parsed.error)}`);
  const task = definition.findTask(parsed.data.type);
  if (!task) throw new ValidationError(`unknown task type "${parsed.data.type}"`);
  const payload = task.schema.safeParse(parsed.data.payload);
  if (!payload.success) throw new ValidationError(`invalid payload for "${task.type}": ${describeIssues(payload.error)}`);
  return { envelope: { ...parsed.data, v: ENVELOPE_VERSION, payload: payload.data }, task };
}

/** The key the dedup record is stored under: always scoped by tenant (incident 003). */
export function dedupRecordKey(envelope: TaskEnvelope, task: ResolvedTaskType): string {
  const key = envelope.dedupKey ?? task.dedupKey?.(envelope.payload as never, envelope as never) ?? envelope.id;
  return `${envelope.tenant}#${task.type}#${key}`;
}

/**
 * The lease record of a singleton (scheduled) type, per tenant. It starts
 * with "#", which no dedup record key can (tenants are non-empty and have no "#").
 */
export function singletonKey(envelope: TaskEnvelope, task: ResolvedTaskType): string {
  return `#singleton#${envelope.tenant}#${task.type}`;
}
