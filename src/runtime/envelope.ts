/**
 * Parses and validates one SQS body against the v1 message contract and the
 * task type's payload schema. Every failure is a ValidationError whose message
 * is the reason an operator reads on the dead-lettered message.
 */
import type { Definition } from '../definition/registry.ts';
import { describeIssues, ENVELOPE_FIELD_LIMITS, ENVELOPE_VERSION, envelopeSchema, type TaskEnvelope } from '../definition/envelope.ts';
import { recordKey } from '../definition/record-key.ts';
import { validate } from '../definition/standard-schema.ts';
import type { ResolvedTaskType } from '../definition/types.ts';
import { ValidationError, type NamedFields } from './errors.ts';

export interface ParsedTask {
  readonly envelope: TaskEnvelope;
  readonly task: ResolvedTaskType;
}

export async function parseTask(body: string, definition: Definition): Promise<ParsedTask> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    throw new ValidationError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('body must be a JSON object');
  }
  const named = namedFields(raw as Record<string, unknown>);
  const version = (raw as { v?: unknown }).v;
  if (version !== ENVELOPE_VERSION) {
    throw new ValidationError(
      `unknown envelope version ${JSON.stringify(version ?? null)} (this consumer reads v${ENVELOPE_VERSION})`,
      named,
    );
  }
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`invalid envelope: ${describeIssues(parsed.error)}`, named);
  const task = definition.findTask(parsed.data.type);
  if (!task) throw new ValidationError(`unknown task type "${parsed.data.type}"`, named);
  const payload = await validate(task.schema, parsed.data.payload);
  if (payload.issues) throw new ValidationError(`invalid payload for "${task.type}": ${describeIssues(payload)}`, named);
  return { envelope: { ...parsed.data, v: ENVELOPE_VERSION, payload: payload.value }, task };
}

/** What the body names of itself, so a failure's log line and progress line say whose task it was. */
function namedFields(raw: Record<string, unknown>): NamedFields {
  const named: Record<string, string> = {};
  for (const field of ['id', 'type', 'tenant'] as const) {
    const value = raw[field];
    if (typeof value === 'string' && value !== '') named[field] = value.slice(0, ENVELOPE_FIELD_LIMITS[field]);
  }
  return named;
}

/** The key the dedup record is stored under: always scoped by tenant (incident 003, docs/incidents.md#003-tenants-same-keys). */
export function dedupRecordKey(envelope: TaskEnvelope, task: ResolvedTaskType): string {
  return recordKey(
    envelope.tenant,
    task.type,
    envelope.dedupKey ?? task.dedupKey?.(envelope.payload as never, envelope as never) ?? envelope.id,
  );
}

/**
 * The lease record of a singleton (scheduled) type, per tenant. It starts
 * with "#", which no dedup record key can (tenants are non-empty and have no "#").
 */
export function singletonKey(envelope: TaskEnvelope, task: ResolvedTaskType): string {
  return `#singleton#${envelope.tenant}#${task.type}`;
}
