/**
 * Where a task is and what happened to it (`tasklanes task`): its outcomes
 * and dedup record from the target (taskTrail), and whether it sits in a
 * DLQ, read the way `dlq peek` reads (peekDeadLetters) from the lanes its
 * outcomes name, or from every lane when none does. Looking at a DLQ
 * message means receiving it, which raises its receive count (harmless in a
 * DLQ, see dlq-peek.ts); the lookup says how many it looked at.
 */
import type { OpsTarget, TaskQuery, TaskTrail } from '../target/target.ts';
import { peekDeadLetters, type DeadLetterView } from './dlq-peek.ts';

export const TASK_LOOKUP_DEFAULTS = {
  /** Messages looked at per DLQ: a task further back in a deeper DLQ is not found there, and the answer says so. */
  dlqScanMax: 1_000,
  /** Long enough for a thousand receives; visibility is restored as soon as the scan ends. */
  dlqHoldSeconds: 120,
} as const;

export interface TaskLookupOptions {
  /** Outcomes since this epoch ms (see TaskTrailOptions.since). */
  readonly since?: number;
  /** Default TASK_LOOKUP_DEFAULTS.dlqScanMax. */
  readonly dlqScanMax?: number;
}

/** A dead letter of the task, without its body (which can be 1 MiB). */
export interface TaskDeadLetter extends Omit<DeadLetterView, 'body'> {
  readonly lane: string;
  readonly bodyBytes: number;
}

/** One DLQ the lookup looked in. */
export interface DlqSearch {
  readonly lane: string;
  /** Visible messages before the scan. */
  readonly depth: number;
  /** Messages received and looked at. */
  readonly scanned: number;
}

export interface TaskLookup {
  readonly query: TaskQuery;
  /** The target's description. */
  readonly target: string;
  /** Anything at all: an outcome, a dedup record or a dead letter. */
  readonly found: boolean;
  readonly trail: TaskTrail;
  readonly deadLetters: readonly TaskDeadLetter[];
  readonly dlqSearched: readonly DlqSearch[];
}

export async function lookupTask(target: OpsTarget, query: TaskQuery, options: TaskLookupOptions = {}): Promise<TaskLookup> {
  let trail = await target.taskTrail(query, { since: options.since });
  const named = new Set(trail.outcomes.map((outcome) => outcome.lane).filter((lane) => target.lanes.includes(lane)));
  const lanes = named.size > 0 ? target.lanes.filter((lane) => named.has(lane)) : target.lanes;
  const taskIds = new Set(trail.outcomes.flatMap((outcome) => (outcome.id === undefined ? [] : [outcome.id])));
  const dlqSearched: DlqSearch[] = [];
  const deadLetters: TaskDeadLetter[] = [];
  for (const lane of lanes) {
    const { visible } = await target.counts(target.queues(lane).dlqUrl);
    const letters = await peekDeadLetters(target, lane, {
      max: options.dlqScanMax ?? TASK_LOOKUP_DEFAULTS.dlqScanMax,
      holdSeconds: TASK_LOOKUP_DEFAULTS.dlqHoldSeconds,
    });
    dlqSearched.push({ lane, depth: visible, scanned: letters.length });
    for (const { body, ...letter } of letters) {
      if (isTheTask(letter, query, taskIds)) deadLetters.push({ lane, ...letter, bodyBytes: Buffer.byteLength(body) });
    }
  }
  // A body that did not validate may be logged under its delivery's message id only: ask again by the letters'
  // (the failed delivery's, which the consumer keeps on the letter; SQS's own redrive keeps the id itself).
  if (trail.outcomes.length === 0 && deadLetters.length > 0) {
    trail = await target.taskTrail(query, {
      since: options.since,
      messageIds: deadLetters.map((letter) => letter.originalMessageId ?? letter.messageId),
    });
  }
  const found = trail.outcomes.length > 0 || trail.record !== undefined || deadLetters.length > 0;
  return { query, target: target.description, found, trail, deadLetters, dlqSearched };
}

/**
 * By id: the body's id. By key: the body's tenant and type, and its dedup
 * key, or, for a body without one, an id the key's outcomes name (the
 * type's own rule made the key) or equal to the key (the default rule).
 */
function isTheTask(letter: Omit<DeadLetterView, 'body'>, query: TaskQuery, taskIds: ReadonlySet<string>): boolean {
  if ('id' in query) return letter.id === query.id;
  if (letter.tenant !== query.tenant || letter.type !== query.type) return false;
  if (letter.dedupKey !== undefined) return letter.dedupKey === query.dedupKey;
  return letter.id !== undefined && (letter.id === query.dedupKey || taskIds.has(letter.id));
}
