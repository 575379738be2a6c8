/**
 * `taskTrail` as both targets answer it, from their own sources: the
 * outcomes first, then the dedup record under the key the query names or,
 * for a task id, the key its outcomes carry (the CLI has no definition to
 * build it from the payload).
 */
import { OUTCOME_LOG_FIELDS } from '../../definition/log-queries.ts';
import { recordKey } from '../../definition/record-key.ts';
import type { DedupRecord } from '../../runtime/dedup.ts';
import type { OutcomeMatch, OutcomeScope, TaskOutcome, TaskQuery, TaskTrail, TaskTrailOptions } from './target.ts';

export interface OutcomeSearch {
  /** Oldest first. */
  readonly outcomes: readonly TaskOutcome[];
  readonly searched: OutcomeScope;
}

export interface TrailSources {
  readonly dedupTable: string;
  outcomes(match: OutcomeMatch, since: number | undefined): Promise<OutcomeSearch>;
  record(key: string): Promise<DedupRecord | undefined>;
}

export async function traceTask(query: TaskQuery, options: TaskTrailOptions, sources: TrailSources): Promise<TaskTrail> {
  const queryKey = 'id' in query ? undefined : recordKey(query.tenant, query.type, query.dedupKey);
  const match: OutcomeMatch = { ...('id' in query ? { id: query.id } : { recordKey: queryKey }), messageIds: options.messageIds };
  const found = await sources.outcomes(match, options.since);
  // A batch reports its outcomes when its last record settles: by time, not in the order they were reported.
  const outcomes = [...found.outcomes].sort((a, b) => a.at - b.at);
  const { searched } = found;
  // One task settles one record; the latest outcome that reached the claim names it.
  const key = queryKey ?? outcomes.findLast((outcome) => outcome.dedupKey !== undefined)?.dedupKey;
  const record = key === undefined ? undefined : await sources.record(key);
  return {
    outcomes,
    searched,
    dedupTable: sources.dedupTable,
    ...(key === undefined ? {} : { recordKey: key }),
    ...(record ? { record } : {}),
  };
}

/** The fields an outcome's log line carries and its time, nothing else: every target answers the same shape. */
export function taskOutcomeOf(event: TaskOutcome): TaskOutcome {
  const fields = event as unknown as Record<string, unknown>;
  return Object.fromEntries(
    [...OUTCOME_LOG_FIELDS, 'at'].flatMap((field) => (fields[field] === undefined ? [] : [[field, fields[field]]])),
  ) as unknown as TaskOutcome;
}

/** Whether an outcome belongs to the task `match` describes. */
export function matchesOutcome(match: OutcomeMatch, outcome: TaskOutcome): boolean {
  return (
    (match.id !== undefined && outcome.id === match.id) ||
    (match.recordKey !== undefined && outcome.dedupKey === match.recordKey) ||
    (match.messageIds?.includes(outcome.messageId) ?? false)
  );
}
