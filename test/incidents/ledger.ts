/**
 * The books of one incident scenario: what it published (task ids and SQS
 * message ids), what the handlers executed (the execution log), what the
 * runtime said happened (outcome events and its EMF metric output), and what
 * sits in the dead-letter queues (read back). `settle` asserts that they
 * balance:
 *
 *   published = succeeded + expired + duplicate + coalesced + overlapSkipped
 *             + dead-lettered (in a DLQ now) + dropped (by an operator)
 *
 * where a task deferred by a limit (docs/design.md#6-limits) is followed to
 * its copy (the outcome names it) and settles where the copy does, so its
 * deferrals are counted apart and never as a disposition; `succeeded`
 * includes the deferred-then-succeeded, also given alone. A message SQS
 * delivers again after it settled (its batch outlasted the visibility
 * timeout: a loaded machine, or SQS keeping its at-least-once word) settles
 * again as a duplicate of its own run, or the same way as before; a
 * deferred message delivered again forks its task, and the fork that finds
 * the other's run settles as its duplicate or coalesced repeat. Such
 * echoes are counted apart (`redelivered`), never as a second disposition,
 * and an echo that ran the handler again still shows in run twice.
 *
 * with every published message settled exactly once (lost = 0), no task id
 * and no dedup key run to completion twice (run twice = 0), the metric
 * counters equal to the ledger, and the claims sent the way the DynamoDB
 * backend must take them (batched on DynamoDB Local, as on AWS; single on
 * dynalite), so a scenario that silently ran the fallback fails. It also
 * renders the scenario's row of the table in docs/reliability.md.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { PublishedTask } from '../../src/publisher/index.ts';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import type { Outcome } from '../../src/definition/metrics.ts';
import { emptyCounts, type OutcomeCounts } from '../../src/local/outcome-recorder.ts';
import type { DynamoDbBackend } from '../../src/local/servers.ts';
import { claimModeOf, type ClaimMode, type ClaimWrite } from '../support/claim-writes.ts';
import type { ConsumerChild } from '../support/consumer-child.ts';
import type { DeadLetter } from '../support/dlq.ts';
import { readExecutions, type Execution } from '../support/execution-log.ts';
import type { Harness } from '../support/harness.ts';
import { waitFor, WaitTimeoutError, type WaitOptions } from '../support/wait.ts';
import { sumEmfCounts, type EmfCapture } from '../support/emf.ts';

/** One message the scenario put on a queue, followed through redrives. */
interface Entry {
  readonly lane: string;
  /** The envelope's id, for messages published as tasks. */
  readonly taskId?: string;
  /** The exact body, for raw messages (bad input) that carry no usable id. */
  readonly body?: string;
  /** The original SQS message id, then one per redrive and per deferred copy. */
  readonly messageIds: string[];
  redrives: number;
  dropped: boolean;
}

/** Where a message ended up. */
export type Disposition = 'succeeded' | 'expired' | 'duplicate' | 'coalesced' | 'overlapSkipped' | 'deadLettered' | 'dropped';

export interface LedgerRow {
  readonly scenario: string;
  readonly dynamodb: DynamoDbBackend;
  /** How the scenario's claims went out, read off the wire (claim-writes.ts). */
  readonly claims: ClaimMode;
  readonly published: number;
  /** Task ids whose handler ran to completion. */
  readonly executed: number;
  readonly succeeded: number;
  readonly expired: number;
  readonly duplicate: number;
  readonly coalesced: number;
  readonly overlapSkipped: number;
  /** In a DLQ at the end: dead-lettered by the consumer (with a reason) or by SQS's redrive (without). */
  readonly deadLettered: number;
  readonly deadLetteredWithoutReason: number;
  readonly dropped: number;
  readonly lost: number;
  readonly runTwice: number;
  /** Deliveries that failed and were redelivered (`retried` outcomes). */
  readonly retried: number;
  /** Settlements of a message that had already settled: SQS delivered it again (see the header). */
  readonly redelivered: number;
  /** Deliveries held back by a limit (`deferred` outcomes), each followed by its copy. */
  readonly deferred: number;
  /** Of `succeeded`, the tasks that were deferred at least once first. */
  readonly deferredThenSucceeded: number;
  /** Handler runs that started and never completed (crashes, timeouts, failures). */
  readonly unfinishedRuns: number;
  readonly wallSeconds: number;
}

interface Snapshot {
  readonly row: LedgerRow;
  readonly problems: string[];
  readonly unsettled: string[];
  readonly events: OutcomeEvent[];
  readonly emfLines: string[];
  readonly lettersWithReason: number;
  /** The outcomes of `redelivered` echoes, which the metrics count beside the ledger's dispositions. */
  readonly echoes: Partial<Record<Outcome, number>>;
}

/** The table's columns, in order, as docs/reliability.md prints them. */
export const LEDGER_COLUMNS = [
  'scenario',
  'dynamodb',
  'claims',
  'published',
  'executed',
  'succeeded',
  'expired',
  'duplicate',
  'coalesced',
  'overlapSkipped',
  'deadLettered',
  'dropped',
  'lost',
  'runTwice',
  'retried',
  'redelivered',
  'deferred',
  'wallSeconds',
] as const;

const SHOWN_PROBLEMS = 10;

/** The claim path each backend must show: PartiQL batches where the server has PartiQL (as on AWS), else single claims. */
export const EXPECTED_CLAIMS = { 'dynamodb-local': 'batch', dynalite: 'single' } as const satisfies Record<DynamoDbBackend, ClaimMode>;

/** What a consumer outside this process reported before it ended. */
export type RemoteReport = Pick<ConsumerChild, 'events' | 'emfLines' | 'claimWrites'>;

/** Some published messages never settled: lost, or still in flight when the wait gave up. */
export class UnsettledError extends Error {
  override readonly name = 'UnsettledError';
}
/** Settling waits on outcomes and DLQ read-backs; generous, because only a failing run waits this long. */
const SETTLE_TIMEOUT_MS = 90_000;

export class Ledger {
  readonly scenario: string;
  private readonly harness: Harness;
  private readonly emf: EmfCapture;
  private readonly outcomeMark: number;
  private readonly emfMark: number;
  private readonly claimWritesMark: number;
  private readonly letterMarks: ReadonlyMap<string, number>;
  private readonly entries: Entry[] = [];
  private readonly extraEvents: OutcomeEvent[] = [];
  private readonly extraEmf: string[] = [];
  private readonly extraClaimWrites: ClaimWrite[] = [];
  private readonly started = Date.now();

  private constructor(
    scenario: string,
    harness: Harness,
    emf: EmfCapture,
    outcomeMark: number,
    emfMark: number,
    claimWritesMark: number,
    letterMarks: ReadonlyMap<string, number>,
  ) {
    this.scenario = scenario;
    this.harness = harness;
    this.emf = emf;
    this.outcomeMark = outcomeMark;
    this.emfMark = emfMark;
    this.claimWritesMark = claimWritesMark;
    this.letterMarks = letterMarks;
  }

  /** Starts the books now: outcomes, metrics and dead letters from before are not this scenario's. */
  static async open(scenario: string, harness: Harness, emf: EmfCapture): Promise<Ledger> {
    const marks = new Map<string, number>();
    for (const lane of harness.stack.definition.lanes) marks.set(lane.name, (await harness.deadLetters(lane.name)).length);
    return new Ledger(scenario, harness, emf, harness.outcomes.length, emf.mark(), harness.claimWrites.length, marks);
  }

  published(tasks: readonly PublishedTask[]): void {
    for (const task of tasks) {
      this.entries.push({ lane: task.lane, taskId: task.id, messageIds: [task.messageId], redrives: 0, dropped: false });
    }
  }

  /** A body sent to a lane's queue as-is, as an app without our client could. */
  sentRaw(lane: string, body: string, messageId: string): void {
    this.entries.push({ lane, body, messageIds: [messageId], redrives: 0, dropped: false });
  }

  /** A dead-lettered message was sent back to its lane (a redrive) as `messageId`. */
  redriven(letter: DeadLetter, lane: string, messageId: string): void {
    const entry = this.entryOfLetter(letter, lane, new Map());
    assert.ok(entry, `redriven letter matches no published message: ${letter.body.slice(0, 120)}`);
    entry.messageIds.push(messageId);
    entry.redrives++;
  }

  /** An operator dropped these tasks (by task id) from their lane's queue. */
  dropped(taskIds: readonly string[]): void {
    const ids = new Set(taskIds);
    for (const entry of this.entries) if (entry.taskId && ids.has(entry.taskId)) entry.dropped = true;
  }

  /** Outcomes, EMF documents and claim writes reported by a consumer outside this process. */
  addRemote(remote: RemoteReport): void {
    this.extraEvents.push(...remote.events);
    this.extraEmf.push(...remote.emfLines);
    this.extraClaimWrites.push(...remote.claimWrites);
  }

  /** Waits until every published message is settled (an outcome, a DLQ letter read back, or dropped). */
  async waitUntilSettled(options: WaitOptions = {}): Promise<void> {
    let last: Snapshot | undefined;
    try {
      await waitFor(
        async () => {
          last = await this.snapshot();
          return last.unsettled.length === 0;
        },
        { timeoutMs: SETTLE_TIMEOUT_MS, description: `${this.scenario}: every message settled`, ...options },
      );
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      const unsettled = last?.unsettled ?? [];
      throw new UnsettledError(`${error.message}; ${unsettled.length} unsettled: ${unsettled.slice(0, SHOWN_PROBLEMS).join(', ')}`, {
        cause: error,
      });
    }
  }

  /** Waits for every message to settle, asserts the books balance, prints and returns the row. */
  async settle(t: TestContext): Promise<LedgerRow> {
    await this.waitUntilSettled();
    const { row, problems, events, emfLines, lettersWithReason, echoes } = await this.snapshot();
    t.diagnostic(`ledger ${formatRow(row)}`);
    assert.deepEqual(problems.slice(0, SHOWN_PROBLEMS), [], `${this.scenario}: ${problems.length} accounting problem(s)`);
    assert.equal(row.lost, 0, 'lost');
    assert.equal(row.runTwice, 0, 'run twice');
    assert.equal(row.claims, EXPECTED_CLAIMS[row.dynamodb], `claims on ${row.dynamodb}`);
    const settledTotal = row.succeeded + row.expired + row.duplicate + row.coalesced + row.overlapSkipped + row.deadLettered + row.dropped;
    assert.equal(settledTotal, row.published, 'published = succeeded + expired + duplicate + coalesced + overlapSkipped + DLQ + dropped');

    // The metric output, summed as CloudWatch would, against the outcome events and the ledger.
    const metrics = sumEmfCounts(emfLines);
    assert.deepEqual(metrics, countEvents(events), 'EMF counts equal the outcome events');
    for (const outcome of ['succeeded', 'expired', 'duplicate', 'coalesced', 'overlapSkipped'] as const) {
      assert.equal(metrics[outcome], row[outcome] + (echoes[outcome] ?? 0), `metric ${outcome} equals the ledger and its echoes`);
    }
    assert.equal(metrics.deadLettered, lettersWithReason, 'metric deadLettered equals the letters the consumer dead-lettered');
    assert.equal(metrics.retried, row.retried, 'metric retried equals the ledger');
    assert.equal(metrics.deferred, row.deferred, 'metric deferred equals the ledger');
    return row;
  }

  private async snapshot(): Promise<Snapshot> {
    const events = [...this.harness.outcomes.slice(this.outcomeMark), ...this.extraEvents];
    const emfLines = [...this.emf.since(this.emfMark), ...this.extraEmf];
    const problems: string[] = [];
    const unsettled: string[] = [];

    const entryByMessage = new Map<string, Entry>();
    for (const entry of this.entries) for (const id of entry.messageIds) entryByMessage.set(id, entry);
    // A deferral names its copy: the copy's outcomes are the task's. A copy's own deferral can be
    // reported before its parent's (each is reported when its batch ends), so link until nothing changes.
    for (let linked = true; linked; ) {
      linked = false;
      for (const event of events) {
        const entry = entryByMessage.get(event.messageId);
        if (event.outcome === 'deferred' && entry && event.deferredAs && !entryByMessage.has(event.deferredAs)) {
          entryByMessage.set(event.deferredAs, entry);
          linked = true;
        }
      }
    }
    const eventsOf = new Map<Entry, OutcomeEvent[]>();
    for (const event of events) {
      const entry = entryByMessage.get(event.messageId);
      if (!entry) {
        problems.push(`outcome ${event.outcome} for message ${event.messageId} this scenario did not send`);
        continue;
      }
      eventsOf.set(entry, [...(eventsOf.get(entry) ?? []), event]);
    }

    const lettersOf = new Map<Entry, DeadLetter[]>();
    for (const [lane, mark] of this.letterMarks) {
      for (const letter of (await this.harness.deadLetters(lane)).slice(mark)) {
        const entry = this.entryOfLetter(letter, lane, lettersOf);
        if (!entry) problems.push(`a letter in the ${lane} DLQ matches no published message: ${letter.body.slice(0, 80)}`);
        else lettersOf.set(entry, [...(lettersOf.get(entry) ?? []), letter]);
      }
    }

    const executions = readExecutions();
    const taskIds = new Set(this.entries.flatMap((entry) => (entry.taskId ? [entry.taskId] : [])));
    const { starts, completions } = tallyExecutions(executions.filter((e) => taskIds.has(e.id)));

    const counts: Record<Disposition, number> = {
      succeeded: 0,
      expired: 0,
      duplicate: 0,
      coalesced: 0,
      overlapSkipped: 0,
      deadLettered: 0,
      dropped: 0,
    };
    let deadLetteredWithoutReason = 0;
    let lettersWithReason = 0;
    let lost = 0;
    let deferredThenSucceeded = 0;
    const echoes: Partial<Record<Outcome, number>> = {};
    const dedupKeyOf = new Map<string, string>();
    for (const entry of this.entries) {
      const name = entry.taskId ?? `raw message ${entry.messageIds[0]}`;
      const own = eventsOf.get(entry) ?? [];
      const letters = lettersOf.get(entry) ?? [];
      for (const event of own) if (entry.taskId && event.dedupKey) dedupKeyOf.set(entry.taskId, event.dedupKey);
      const consumerLetters = own.filter((event) => event.outcome === 'deadLettered').length;
      const withReason = letters.filter((letter) => letter.reason !== undefined);
      lettersWithReason += withReason.length;
      if (withReason.length > consumerLetters) problems.push(`${name}: a letter with a reason but no deadLettered outcome`);
      const settledAs = new Map<string, Outcome>();
      const isEcho = (event: OutcomeEvent) => {
        const first = settledAs.get(event.messageId);
        if (first === undefined) {
          settledAs.set(event.messageId, event.outcome);
          return false;
        }
        const echo = event.outcome === first || event.outcome === 'duplicate' || event.outcome === 'coalesced';
        if (echo) echoes[event.outcome] = (echoes[event.outcome] ?? 0) + 1;
        return echo;
      };
      let settling = own.filter((event) => event.outcome !== 'retried' && event.outcome !== 'deferred' && !isEcho(event));
      // A deferred message SQS delivers again (its batch outlasted the visibility timeout) forks its
      // task: the redelivery and the copy both come back, and whichever finds the other's run settles
      // as its duplicate or coalesced repeat. Those repeats are echoes too; a second run still shows in
      // run twice, which counts completions, not outcomes.
      const forked = own.some(
        (event) => event.outcome === 'deferred' && own.some((other) => other !== event && other.messageId === event.messageId),
      );
      const repeats = settling.filter((event) => event.outcome === 'duplicate' || event.outcome === 'coalesced');
      if (forked && repeats.length > 0 && repeats.length < settling.length) {
        for (const repeat of repeats) echoes[repeat.outcome] = (echoes[repeat.outcome] ?? 0) + 1;
        settling = settling.filter((event) => !repeats.includes(event));
      }
      const echoLetters =
        own.filter((event) => event.outcome === 'deadLettered').length -
        settling.filter((event) => event.outcome === 'deadLettered').length;
      const terminal = settling.filter((event) => event.outcome !== 'deadLettered');
      const inDlq = letters.length - entry.redrives - echoLetters;
      const dispositions: Disposition[] = [
        ...terminal.map((event) => event.outcome as Disposition),
        ...Array<Disposition>(Math.max(0, inDlq)).fill('deadLettered'),
        ...(entry.dropped ? ['dropped' as const] : []),
      ];
      if (consumerLetters > withReason.length) {
        // Dead-lettered by the consumer, but its letter is not read back yet.
        unsettled.push(name);
        continue;
      }
      if (dispositions.length === 0) {
        unsettled.push(name);
        lost++;
        continue;
      }
      if (dispositions.length > 1) problems.push(`${name}: settled ${dispositions.length} times (${dispositions.join(', ')})`);
      const final = dispositions.at(-1)!;
      counts[final]++;
      if (final === 'succeeded' && own.some((event) => event.outcome === 'deferred')) deferredThenSucceeded++;
      if (final === 'deadLettered' && letters.at(-1)!.reason === undefined) deadLetteredWithoutReason++;

      if (entry.taskId) {
        const ran = completions.get(entry.taskId) ?? 0;
        if (final === 'succeeded' && ran !== 1) problems.push(`${name}: succeeded but completed ${ran} times`);
        // An attempt may have started and failed before the deadline passed; none may have finished.
        if (final === 'expired' && ran > 0) problems.push(`${name}: expired but its handler completed`);
        if (final === 'deadLettered' && ran > 0) problems.push(`${name}: in the DLQ but its handler completed`);
      }
    }

    let runTwice = 0;
    for (const [id, count] of completions) {
      if (count > 1) {
        runTwice++;
        problems.push(`${id}: completed ${count} times`);
      }
    }
    const completionsByKey = new Map<string, number>();
    for (const [id, count] of completions) {
      const key = dedupKeyOf.get(id);
      if (key) completionsByKey.set(key, (completionsByKey.get(key) ?? 0) + count);
    }
    for (const [key, count] of completionsByKey) if (count > 1) problems.push(`dedup key ${key}: completed ${count} times`);

    let unfinishedRuns = 0;
    for (const [id, count] of starts) unfinishedRuns += count - (completions.get(id) ?? 0);

    const row: LedgerRow = {
      scenario: this.scenario,
      dynamodb: this.harness.stack.servers.dynamodbBackend,
      claims: claimModeOf([...this.harness.claimWrites.slice(this.claimWritesMark), ...this.extraClaimWrites]),
      published: this.entries.length,
      executed: completions.size,
      ...counts,
      deadLetteredWithoutReason,
      lost,
      runTwice,
      retried: events.filter((event) => event.outcome === 'retried').length,
      redelivered: Object.values(echoes).reduce((total, count) => total + count, 0),
      deferred: events.filter((event) => event.outcome === 'deferred').length,
      deferredThenSucceeded,
      unfinishedRuns,
      wallSeconds: Math.round((Date.now() - this.started) / 100) / 10,
    };
    return { row, problems, unsettled, events, emfLines, lettersWithReason, echoes };
  }

  /** The entry a letter belongs to: by task id and lane, else by exact body; the first one not yet matched as often. */
  private entryOfLetter(letter: DeadLetter, lane: string, matched: ReadonlyMap<Entry, readonly DeadLetter[]>): Entry | undefined {
    const id = taskIdOf(letter.body);
    const candidates = this.entries.filter(
      (entry) => entry.lane === lane && (entry.body !== undefined ? entry.body === letter.body : entry.taskId === id),
    );
    return candidates.find((entry) => (matched.get(entry)?.length ?? 0) <= entry.redrives) ?? candidates[0];
  }
}

function taskIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return typeof parsed?.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

function tallyExecutions(executions: readonly Execution[]): { starts: Map<string, number>; completions: Map<string, number> } {
  const starts = new Map<string, number>();
  const completions = new Map<string, number>();
  for (const e of executions) {
    const tally = e.phase === 'started' ? starts : completions;
    tally.set(e.id, (tally.get(e.id) ?? 0) + 1);
  }
  return { starts, completions };
}

function countEvents(events: readonly OutcomeEvent[]): OutcomeCounts {
  const counts = emptyCounts();
  for (const event of events) {
    counts[event.outcome]++;
    if (event.timedOut) counts.timedOut++;
  }
  return counts;
}

/** The row as docs/reliability.md shows it; DLQ letters without a reason are marked. */
export function formatRow(row: LedgerRow): string {
  const cells = LEDGER_COLUMNS.map((column) => {
    if (column === 'deadLettered' && row.deadLetteredWithoutReason > 0) {
      return `${row.deadLettered} (${row.deadLetteredWithoutReason} by SQS redrive)`;
    }
    return String(row[column]);
  });
  return `| ${cells.join(' | ')} |`;
}
