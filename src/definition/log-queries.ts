/**
 * CloudWatch Logs Insights queries over the lanes' consumer log groups, where
 * every outcome but a success is one JSON line (src/runtime/consumer.ts,
 * message `task <outcome>`) and a batch's successes share one
 * (src/definition/success-line.ts, message `tasks succeeded`). One place for
 * them: the stack saves them as query definitions
 * (src/cdk/query-definitions.ts) and `tasklanes task` runs the same ones
 * (src/ops/target/aws.ts), so the console and the CLI answer alike.
 *
 * Insights discovers an outcome line's fields, but a success line's entries
 * sit in an array (`succeeded.0.id`, ...), so a query finds a task's entry
 * by a substring of the line's raw text (`@message like "..."`: a quoted
 * string is a case-sensitive substring match) and returns that text; the
 * reader keeps only the entries it asked for.
 */
import { recordKeyParts } from './record-key.ts';
import { SUCCEEDED_LINE_MESSAGE, succeededEntryText } from './success-line.ts';

/**
 * Fields of an outcome line, as Logs Insights discovers them in its JSON (the
 * OutcomeEvent's names). A success line has none of them but `lane`: its
 * entries are in the raw line, `@message`, which every query returns too.
 */
export const OUTCOME_LOG_FIELDS = [
  'lane',
  'type',
  'tenant',
  'id',
  'dedupKey',
  'messageId',
  'outcome',
  'attempt',
  'durationMs',
  'reason',
  'timedOut',
] as const;

/** One Insights query (StartQuery, a saved query in the console) searches at most this many log groups. */
export const MAX_QUERY_LOG_GROUPS = 50;

/** Rows one outcome query returns at most; a task has a handful, a tenant's last day may have more. */
export const OUTCOME_QUERY_LIMIT = 1_000;

/** What the saved queries ask for until someone types a value over it in the console. */
export const QUERY_PLACEHOLDERS = { taskId: 'TASK-ID', tenant: 'TENANT' } as const;

/** A Logs Insights string literal: double-quoted, with `"` and `\` escaped. */
const literal = (value: string) => JSON.stringify(value);

/** Success lines whose raw text holds any of `texts` (as succeededEntryText writes an entry's fields). */
const successLinesWith = (...texts: string[]) =>
  `(message = ${literal(SUCCEEDED_LINE_MESSAGE)} and ${
    texts.length === 1 ? `@message like ${literal(texts[0]!)}` : `(${texts.map((text) => `@message like ${literal(text)}`).join(' or ')})`
  })`;

function outcomeLines(filter: string, order: 'asc' | 'desc'): string {
  return [
    `fields @timestamp, ${OUTCOME_LOG_FIELDS.join(', ')}, @message`,
    `filter ${filter}`,
    `sort @timestamp ${order}`,
    `limit ${OUTCOME_QUERY_LIMIT}`,
  ].join('\n| ');
}

export const outcomeQueries = {
  /**
   * Every outcome of one task, oldest first, its successes in the success
   * lines that hold its id. `messageIds` adds deliveries whose line has no
   * task id (a body that did not validate is logged by its SQS message id
   * only; a success always has its id).
   */
  byTask: (id: string, messageIds: readonly string[] = []): string =>
    outcomeLines(
      [
        `id = ${literal(id)}`,
        ...(messageIds.length === 0 ? [] : [`messageId in [${messageIds.map(literal).join(', ')}]`]),
        successLinesWith(succeededEntryText.id(id)),
      ].join(' or '),
      'asc',
    ),
  /**
   * Every outcome under one dedup record key (`tenant#type#dedupKey`), oldest
   * first: the task, its duplicates and coalesced repeats. A success's entry
   * carries the key only when it is not the default one (the envelope or
   * the type set a dedup key): then its `dedupKey` is the key. Under the
   * default key `tenant#type#<id>` the entry has no `dedupKey`, and its
   * third part is the task's id: such an entry begins with that id, type
   * and tenant. That text also begins an entry of the same task under a
   * key of its own, which the reader leaves out: it keeps an entry whose
   * record key (its `dedupKey`, or the default one) is the key asked for.
   */
  byRecordKey: (key: string): string => {
    const parts = recordKeyParts(key);
    const entries = [
      succeededEntryText.dedupKey(key),
      ...(parts ? [succeededEntryText.task(parts.tenant, parts.type, parts.dedupKey)] : []),
    ];
    return outcomeLines(`dedupKey = ${literal(key)} or ${successLinesWith(...entries)}`, 'asc');
  },
  /** A tenant's outcomes, newest first; a success line holding any of them shows whole. */
  byTenant: (tenant: string): string =>
    outcomeLines(`tenant = ${literal(tenant)} or ${successLinesWith(succeededEntryText.tenant(tenant))}`, 'desc'),
  /**
   * Dead letters counted by lane, type and reason (`invalid`, `permanent`,
   * `retriesExhausted`, `wrongLane`: the text before the first colon).
   * Matching on the message leaves out the EMF metric documents, which
   * carry an `outcome` dimension too.
   */
  deadLettersByReason: (): string =>
    [
      'fields lane, type, reason',
      'filter message = "task deadLettered"',
      'parse reason /^(?<reasonKind>[^:]+):/',
      'stats count(*) as deadLetters by lane, type, reasonKind',
      'sort deadLetters desc',
    ].join('\n| '),
} as const;
