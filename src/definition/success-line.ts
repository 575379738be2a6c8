/**
 * The batch success line (docs/design.md#outcomes): once a batch's records
 * settle, its successes are logged together, one `tasks succeeded` line
 * `{ lane, succeeded: [entry, ...] }`, where every other outcome keeps a
 * line of its own. The entry's shape lives here alone: the consumer builds
 * entries with it, the task lookup on AWS (src/ops/target/aws.ts) reads
 * them back, and the Logs Insights queries (src/definition/log-queries.ts)
 * search a line's raw text for an entry as written here.
 */
import { recordKey } from './record-key.ts';

/** The line's `message`. */
export const SUCCEEDED_LINE_MESSAGE = 'tasks succeeded';

/**
 * CloudWatch Logs takes a log event of at most 256 KB (PutLogEvents' limit):
 * a longer line does not arrive whole. A batch of up to 10,000 records (a
 * lane's batchSize) could pass it, so a line holds entries up to this many
 * bytes and the rest go on further lines; the other 64 KB leave room for
 * the line's leading keys and the lane. The line of a batch of 10
 * UUID-keyed tasks is 1.2–1.6 KB.
 */
export const SUCCEEDED_LINE_ENTRY_BYTES = 192 * 1024;

/**
 * One success. Keys in this order, always: `id`, `type` and `tenant` lead,
 * so a reader can search a line's text for the three together
 * (`succeededEntryText.task`).
 */
export interface SucceededEntry {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly durationMs: number;
  /** Only above 1: absent means the first attempt. */
  readonly attempt?: number;
  /**
   * The dedup record key, only when it is not the default
   * `recordKey(tenant, type, id)`: the envelope or the type set a dedup key.
   */
  readonly dedupKey?: string;
  /** Only for a task that ran but whose done mark failed (docs/design.md#5-settle). */
  readonly reason?: string;
}

export interface SucceededLine {
  readonly lane: string;
  readonly succeeded: readonly SucceededEntry[];
}

/** What an entry is made of: the fields of a `succeeded` OutcomeEvent (src/runtime/outcome.ts) it keeps. */
export interface SucceededOutcome {
  readonly id?: string;
  readonly type: string;
  readonly tenant?: string;
  readonly dedupKey?: string;
  readonly attempt: number;
  readonly durationMs: number;
  readonly reason?: string;
}

/** The entry of a `succeeded` outcome; its latency is in EMF (TaskLatency), its message id is not needed to find it. */
export function succeededEntry(event: SucceededOutcome): SucceededEntry {
  // A success parsed its envelope and claimed its record: id, tenant and dedup key are all set.
  const id = event.id!;
  const tenant = event.tenant!;
  const key = event.dedupKey!;
  return {
    id,
    type: event.type,
    tenant,
    durationMs: event.durationMs,
    ...(event.attempt > 1 ? { attempt: event.attempt } : {}),
    ...(key === recordKey(tenant, event.type, id) ? {} : { dedupKey: key }),
    ...(event.reason === undefined ? {} : { reason: event.reason }),
  };
}

/** The record key an entry's task was claimed under: its own `dedupKey`, or the default one. */
export function entryRecordKey(entry: SucceededEntry): string {
  return entry.dedupKey ?? recordKey(entry.tenant, entry.type, entry.id);
}

const utf8 = new TextEncoder();

/** A batch's entries split into lines of at most SUCCEEDED_LINE_ENTRY_BYTES of entries each (one line for any usual batch). */
export function succeededLines(entries: readonly SucceededEntry[], maxBytes = SUCCEEDED_LINE_ENTRY_BYTES): SucceededEntry[][] {
  const lines: SucceededEntry[][] = [];
  let line: SucceededEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    // The entry as the line writes it, and its comma.
    const size = utf8.encode(JSON.stringify(entry)).length + 1;
    if (line.length > 0 && bytes + size > maxBytes) {
      lines.push(line);
      line = [];
      bytes = 0;
    }
    line.push(entry);
    bytes += size;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/**
 * How an entry's fields read in the line's raw JSON text, for a search of
 * that text (Logs Insights `like`): the consumer writes the line with
 * JSON.stringify, without spaces, in the entry's key order.
 */
export const succeededEntryText = {
  id: (id: string): string => `"id":${JSON.stringify(id)}`,
  tenant: (tenant: string): string => `"tenant":${JSON.stringify(tenant)}`,
  dedupKey: (key: string): string => `"dedupKey":${JSON.stringify(key)}`,
  /** The start of every entry of this task: its id, type and tenant, one run of text. */
  task: (tenant: string, type: string, id: string): string =>
    `${succeededEntryText.id(id)},"type":${JSON.stringify(type)},${succeededEntryText.tenant(tenant)}`,
} as const;

/** The success line in a raw log line's text, or undefined when the text is not one. */
export function readSucceededLine(text: string): SucceededLine | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const line = parsed as { message?: unknown; lane?: unknown; succeeded?: unknown };
  if (line?.message !== SUCCEEDED_LINE_MESSAGE || typeof line.lane !== 'string' || !Array.isArray(line.succeeded)) return undefined;
  return { lane: line.lane, succeeded: line.succeeded as SucceededEntry[] };
}
