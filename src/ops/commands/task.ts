/**
 * `tasklanes task <task-id>` and `tasklanes task --tenant T --type Y
 * --dedup-key K`: where a task is and what happened to it, in one answer
 * that also says what was searched, so "not found" is an answer too.
 * `--json` gives the same with every time as ISO-8601.
 */
import type { DedupRecord } from '../../runtime/dedup.ts';
import { UsageError } from '../errors.ts';
import { formatAge, formatMs, parseDuration } from '../format/duration.ts';
import { renderTable } from '../format/table.ts';
import { lookupTask, TASK_LOOKUP_DEFAULTS, type TaskLookup } from '../lanes/task-lookup.ts';
import type { TaskOutcome, TaskQuery } from '../target/target.ts';
import { EXIT, writeLine, type Command, type OptionValues } from './command.ts';

export const taskCommand: Command = {
  name: 'task',
  summary: 'where a task is and what happened to it: dedup record, DLQ, outcomes',
  arguments: ['<task-id>'],
  help: `Or: tasklanes task --tenant <tenant> --type <type> --dedup-key <key> [options]
  (the task's dedup record key; the default dedup key is the task id)

Options:
  --since <duration>   outcomes since then, e.g. 90m, 6h, 2d (default: on AWS the last 24h,
                       locally everything the run kept)
  --json               print the lookup as JSON, times as ISO-8601

It reads the task's outcomes (locally the running stack's; on AWS the lanes' log groups
through CloudWatch Logs Insights), its dedup record (GetItem on the dedup table), and the
DLQ of its lane (of every lane when no outcome names one), up to ${TASK_LOOKUP_DEFAULTS.dlqScanMax} messages each.
Looking at a DLQ message is a receive: it raises the message's receive count (nothing is
consumed). Exit code 1 when nothing is found.`,
  options: {
    tenant: { type: 'string' },
    type: { type: 'string' },
    'dedup-key': { type: 'string' },
    since: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, context) {
    const query = taskQuery(values, positionals);
    const since = typeof values.since === 'string' ? Date.now() - parseDuration(values.since) * 1000 : undefined;
    const target = await context.target();
    const lookup = await lookupTask(target, query, { since });
    writeLine(context.stdout, values.json ? JSON.stringify(lookupJson(lookup), null, 2) : renderLookup(lookup, Date.now()));
    return lookup.found ? EXIT.ok : EXIT.failed;
  },
};

function taskQuery(values: OptionValues, positionals: readonly string[]): TaskQuery {
  const key = { tenant: values.tenant, type: values.type, dedupKey: values['dedup-key'] };
  const given = Object.values(key).filter((value) => value !== undefined).length;
  if (positionals.length > 1) throw new UsageError(`task takes one task id (got ${positionals.join(' ')})`);
  if (positionals.length === 1) {
    if (given > 0) throw new UsageError('give a task id or --tenant, --type and --dedup-key, not both');
    return { id: positionals[0]! };
  }
  if (given < 3 || typeof key.tenant !== 'string' || typeof key.type !== 'string' || typeof key.dedupKey !== 'string') {
    throw new UsageError(
      given === 0
        ? 'task needs a task id, or --tenant, --type and --dedup-key'
        : '--tenant, --type and --dedup-key go together: give all three',
    );
  }
  return { tenant: key.tenant, type: key.type, dedupKey: key.dedupKey };
}

const iso = (ms: number) => new Date(ms).toISOString();
/** `2026-12-03T13:20:01.000Z (in 23h59m)`, `... (4m10s ago)`. */
const when = (ms: number, now: number) =>
  `${iso(ms)} (${ms >= now ? `in ${formatAge((ms - now) / 1000)}` : `${formatAge((now - ms) / 1000)} ago`})`;

const describeQuery = (query: TaskQuery) =>
  'id' in query ? `task ${query.id}` : `tenant ${query.tenant}, type ${query.type}, dedup key ${query.dedupKey}`;

export function renderLookup(lookup: TaskLookup, now: number): string {
  const { trail, query } = lookup;
  const lines: string[] = [];
  if (!lookup.found) {
    lines.push(`${describeQuery(query)}: not found (${lookup.target}). Searched:`);
    lines.push(`  outcomes: ${describeScope(lookup)}: none`);
    lines.push(`  dedup record ${describeRecord(lookup, now).join(' ')}`);
    lines.push(`  DLQ: ${describeDlqSearch(lookup)}`);
    return lines.join('\n');
  }
  lines.push(`${describeQuery(query)} (${lookup.target})`);
  const last = trail.outcomes.at(-1);
  const letter = lookup.deadLetters.at(-1);
  // A body that did not validate is logged as type `unknown`; its letter's body may still name it.
  const type = last && last.type !== 'unknown' ? last.type : (letter?.type ?? last?.type ?? '-');
  lines.push(`  type ${type}, tenant ${last?.tenant ?? letter?.tenant ?? '-'}, lane ${last?.lane ?? letter?.lane}`);
  const tasks = new Set(trail.outcomes.map((outcome) => outcome.id)).size;
  lines.push(`  now: ${verdict(lookup, now)}${tasks > 1 ? ` (the latest of ${tasks} tasks under this key)` : ''}`);
  const [recordHead, ...recordBody] = describeRecord(lookup, now);
  lines.push('', `Dedup record ${recordHead}`, ...recordBody.map((line) => `  ${line}`));
  lines.push('', `DLQ: ${describeDlq(lookup)}`);
  lines.push('', `Outcomes, oldest first (${describeScope(lookup)}):`);
  if (trail.outcomes.length === 0) lines.push('  none');
  else lines.push(indent(outcomeTable(trail.outcomes, 'id' in query ? [] : ['task id'])));
  return lines.join('\n');
}

function describeScope({ trail }: TaskLookup): string {
  const { searched } = trail;
  const where = searched.logGroups ? `${searched.source} over ${searched.logGroups.join(', ')}` : searched.source;
  const capped = searched.limit !== undefined && trail.outcomes.length >= searched.limit ? `; the first ${searched.limit} only` : '';
  return `${where}, ${iso(searched.from)} to ${iso(searched.to)}${capped}`;
}

/** A heading (`<key> in table <t>:`) and its lines. */
function describeRecord({ trail }: TaskLookup, now: number): string[] {
  const table = `table ${trail.dedupTable}`;
  if (trail.recordKey === undefined) {
    const last = trail.outcomes.at(-1);
    if (!last) return [`(${table}): none looked up: by task id the key comes from the task's outcomes, and there are none`];
    // Validation, then the deadline, come before the claim (docs/design.md#order-of-processing).
    const before = last.outcome === 'expired' ? 'it was past its deadline' : 'its body did not validate';
    return [`(${table}): none: the task never reached its claim, ${before}`];
  }
  const heading = `${trail.recordKey} in ${table}:`;
  const record = trail.record;
  if (!record) {
    const last = trail.outcomes.at(-1)?.outcome;
    return [
      heading,
      last === 'retried' || last === 'deadLettered'
        ? 'none: released after the failed attempt'
        : 'none: never claimed, released, or removed by its TTL',
    ];
  }
  return [heading, ...describeRecordState(record, now)];
}

function describeRecordState(record: DedupRecord, now: number): string[] {
  const by = `task ${record.taskId} (delivery ${record.owner})`;
  if (record.status === 'claimed') {
    const lease =
      record.leaseUntil >= now
        ? `lease until ${when(record.leaseUntil, now)}`
        : `lease ended ${when(record.leaseUntil, now)}: another delivery may take it over`;
    return [`claimed by ${by}, attempt ${record.attempt}`, lease];
  }
  const window =
    record.duplicateUntil >= now
      ? `a repeat is a duplicate until ${when(record.duplicateUntil, now)}`
      : `its dedup window ended ${when(record.duplicateUntil, now)}: a repeat runs again`;
  return [`done by ${by}${record.doneAt === undefined ? '' : ` at ${iso(record.doneAt)}`}`, window];
}

const SCAN_NOTE = "looking is a receive: it raised each message's receive count; nothing consumed";

function describeDlqSearch({ dlqSearched }: TaskLookup): string {
  const searched = dlqSearched.map(
    ({ lane, depth, scanned }) =>
      `${lane} (${scanned === depth ? scanned : `${scanned} of ${depth}`} ${scanned === 1 ? 'message' : 'messages'} looked at)`,
  );
  return `${dlqSearched.length === 1 ? 'the DLQ of lane' : 'the DLQs of lanes'} ${searched.join(', ')}; ${SCAN_NOTE}`;
}

function describeDlq(lookup: TaskLookup): string {
  if (lookup.deadLetters.length === 0) return `not in ${describeDlqSearch(lookup)}`;
  const rows = lookup.deadLetters.map((letter) => [
    letter.lane,
    letter.messageId,
    letter.attempts ?? '-',
    letter.failedAt ?? '-',
    letter.receiveCount,
    letter.reason === undefined
      ? letter.sourceArn
        ? 'redriven by SQS (maxReceiveCount)'
        : '- (no reason found)'
      : letter.reasonFrom === 'dedupTable'
        ? `${letter.reason} (kept in the dedup table: no room beside the body)`
        : letter.reason,
    letter.error ?? '',
  ]);
  const lanes = [...new Set(lookup.deadLetters.map((letter) => letter.lane))];
  const where = lanes.length === 1 ? `the DLQ of lane ${lanes[0]}` : `the DLQs of lanes ${lanes.join(', ')}`;
  return `in ${where} (${SCAN_NOTE}):\n${indent(renderTable(['lane', 'dlq message id', 'attempts', 'failed at', 'receives', 'reason', 'error'], rows))}`;
}

/** What the task's state is now, in one line, from the newest evidence. */
function verdict(lookup: TaskLookup, now: number): string {
  const { trail } = lookup;
  const letter = lookup.deadLetters.at(-1);
  if (letter) return `in the DLQ of lane ${letter.lane}${letter.reason === undefined ? '' : ` (${letter.reason})`}`;
  const last = trail.outcomes.at(-1);
  const record = trail.record;
  if (record?.status === 'claimed' && record.leaseUntil >= now && last?.outcome !== 'succeeded')
    return `running: claimed by attempt ${record.attempt}, lease until ${iso(record.leaseUntil)}`;
  if (!last)
    return record?.status === 'done'
      ? `done (by task ${record.taskId}); no outcome in the range searched`
      : 'no outcome in the range searched';
  switch (last.outcome) {
    case 'succeeded':
      return `succeeded on attempt ${last.attempt}`;
    case 'retried':
      return `attempt ${last.attempt} failed; SQS delivers it again (it is back in lane ${last.lane} or on its way)`;
    case 'deadLettered':
      return `dead-lettered, and no longer in the DLQ of lane ${last.lane} (redriven, dropped or purged since)`;
    case 'expired':
      return 'dropped unrun: past its deadline';
    case 'duplicate':
      return `acknowledged unrun: a duplicate${record?.status === 'done' && record.taskId !== last.id ? ` of task ${record.taskId}` : ''}`;
    case 'coalesced':
      return `acknowledged unrun: coalesced with the delivery running it${record?.status === 'done' && record.taskId !== last.id ? ` (task ${record.taskId}, done since)` : ''}`;
    case 'overlapSkipped':
      return 'skipped: the previous run of its schedule still held the lease';
    case 'deferred':
      return 'deferred: over a limit, it comes back later as a new delivery of the same body';
  }
}

function outcomeTable(outcomes: readonly TaskOutcome[], extra: readonly string[]): string {
  return renderTable(
    ['at', 'lane', ...extra, 'attempt', 'outcome', 'duration', 'delivery', 'reason'],
    outcomes.map((outcome) => [
      iso(outcome.at),
      outcome.lane,
      ...(extra.length > 0 ? [outcome.id ?? '-'] : []),
      outcome.attempt,
      outcome.outcome + (outcome.timedOut ? ' (timed out)' : ''),
      formatMs(outcome.durationMs),
      outcome.messageId,
      outcome.reason ?? '',
    ]),
  );
}

const indent = (text: string) => text.replace(/^/gm, '  ');

/** The lookup with every time as ISO-8601 (the dead letters' as `dlq peek --json` gives them). */
export function lookupJson(lookup: TaskLookup): unknown {
  const { trail } = lookup;
  const record = trail.record;
  return {
    query: lookup.query,
    target: lookup.target,
    found: lookup.found,
    dedupRecord: {
      table: trail.dedupTable,
      key: trail.recordKey ?? null,
      record: record
        ? record.status === 'claimed'
          ? { ...record, leaseUntil: iso(record.leaseUntil) }
          : {
              ...record,
              ...(record.doneAt === undefined ? {} : { doneAt: iso(record.doneAt) }),
              duplicateUntil: iso(record.duplicateUntil),
            }
        : null,
    },
    deadLetters: lookup.deadLetters,
    dlqSearched: lookup.dlqSearched,
    outcomes: trail.outcomes.map((outcome) => ({ ...outcome, at: iso(outcome.at) })),
    outcomesSearched: { ...trail.searched, from: iso(trail.searched.from), to: iso(trail.searched.to) },
  };
}
