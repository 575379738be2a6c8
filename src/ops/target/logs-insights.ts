/**
 * One CloudWatch Logs Insights query run to its end: StartQuery over a
 * stated time range, then GetQueryResults until the query is Complete,
 * within a deadline (StopQuery once it passes, so it stops costing). Rows
 * come back as field -> value, every value a string, as Insights returns them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueryResultsCommand, StartQueryCommand, StopQueryCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { OpsError } from '../errors.ts';

/** The query was refused, failed, was cancelled, or did not complete in time. */
export class LogsQueryError extends OpsError {
  override readonly name = 'LogsQueryError';
}

export interface InsightsQuery {
  /** At most MAX_QUERY_LOG_GROUPS (src/definition/log-queries.ts). */
  readonly logGroupNames: readonly string[];
  readonly queryString: string;
  /** Epoch ms; Insights counts whole seconds. */
  readonly from: number;
  readonly to: number;
  readonly limit: number;
}

export interface InsightsPolling {
  /** Between GetQueryResults calls. */
  readonly pollMs: number;
  /** From StartQuery until the query is stopped and reported as not complete. */
  readonly maxWaitMs: number;
}

export type InsightsRow = Readonly<Record<string, string>>;

/** States in which a query is still on its way to Complete. */
const UNDER_WAY = new Set(['Scheduled', 'Running']);

export async function runInsightsQuery(logs: CloudWatchLogsClient, query: InsightsQuery, polling: InsightsPolling): Promise<InsightsRow[]> {
  const groups = query.logGroupNames.join(', ');
  let queryId: string | undefined;
  try {
    ({ queryId } = await logs.send(
      new StartQueryCommand({
        logGroupNames: [...query.logGroupNames],
        queryString: query.queryString,
        startTime: Math.floor(query.from / 1000),
        endTime: Math.ceil(query.to / 1000),
        limit: query.limit,
      }),
    ));
  } catch (error) {
    throw new LogsQueryError(`Logs Insights refused the query over ${groups}: ${(error as Error).name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!queryId) throw new LogsQueryError(`Logs Insights answered StartQuery over ${groups} without a query id`);
  const deadline = Date.now() + polling.maxWaitMs;
  for (;;) {
    const { status, results = [] } = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (status === 'Complete') {
      return results.map((row) =>
        Object.fromEntries(row.flatMap(({ field, value }) => (field === undefined ? [] : [[field, value ?? '']]))),
      );
    }
    if (!UNDER_WAY.has(status ?? ''))
      throw new LogsQueryError(`Logs Insights query ${queryId} over ${groups} ended ${status ?? 'without a status'}`);
    if (Date.now() > deadline) {
      await logs.send(new StopQueryCommand({ queryId })).catch(() => {
        // It may have completed meanwhile; either way it is no longer waited for.
      });
      throw new LogsQueryError(
        `Logs Insights query ${queryId} over ${groups} did not complete within ${polling.maxWaitMs / 1000} s; stopped it (try a shorter --since)`,
      );
    }
    await sleep(polling.pollMs);
  }
}
