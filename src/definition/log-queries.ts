/**
 * CloudWatch Logs Insights queries over the lanes' consumer log groups, where
 * every task's outcome is one JSON line (src/runtime/consumer.ts, message
 * `task <outcome>`). One place for them: the stack saves them as query
 * definitions (src/cdk/query-definitions.ts) and `tasklanes task` runs the
 * same ones (src/ops/target/aws.ts), so the console and the CLI answer alike.
 */

/**
 * Fields of an outcome line, as Logs Insights discovers them in its JSON (the
 * OutcomeEvent's names). A success's compact line has all but `attempt`
 * (when 1), `reason` and `timedOut` (src/runtime/consumer.ts, logOutcome).
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

function outcomeLines(filter: string, order: 'asc' | 'desc'): string {
  return [
    `fields @timestamp, ${OUTCOME_LOG_FIELDS.join(', ')}`,
    `filter ${filter}`,
    `sort @timestamp ${order}`,
    `limit ${OUTCOME_QUERY_LIMIT}`,
  ].join('\n| ');
}

export const outcomeQueries = {
  /**
   * Every outcome of one task, oldest first. `messageIds` adds deliveries
   * whose line has no task id (a body that did not validate is logged by
   * its SQS message id only).
   */
  byTask: (id: string, messageIds: readonly string[] = []): string =>
    outcomeLines(
      messageIds.length === 0 ? `id = ${literal(id)}` : `id = ${literal(id)} or messageId in [${messageIds.map(literal).join(', ')}]`,
      'asc',
    ),
  /** Every outcome under one dedup record key (`tenant#type#dedupKey`), oldest first: the task, its duplicates and coalesced repeats. */
  byRecordKey: (key: string): string => outcomeLines(`dedupKey = ${literal(key)}`, 'asc'),
  /** A tenant's outcomes, newest first. */
  byTenant: (tenant: string): string => outcomeLines(`tenant = ${literal(tenant)}`, 'desc'),
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
