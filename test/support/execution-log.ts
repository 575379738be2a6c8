/**
 * What test handlers actually executed, written by the handlers themselves
 * (from the consumer's thread, a worker thread or a child process alike) as
 * JSON lines in one file. Ledgers compare it with what was published and
 * with the runtime's outcome counts.
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Environment variable naming the log file; inherited by worker threads and child processes. */
export const EXECUTION_LOG_ENV = 'TASKLANES_TEST_EXECUTION_LOG';

export interface Execution {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly attempt: number;
  /** `started` when the handler begins, `completed` when it returns. */
  readonly phase: 'started' | 'completed';
  readonly at: number;
}

export class ExecutionLogNotConfiguredError extends Error {
  override readonly name = 'ExecutionLogNotConfiguredError';
}

/** Points this process (and the threads and children it starts from now on) at a fresh log file. */
export function useFreshExecutionLog(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tasklanes-executions-')), 'executions.jsonl');
  process.env[EXECUTION_LOG_ENV] = path;
  return path;
}

export function recordExecution(execution: Omit<Execution, 'at'>): void {
  const path = process.env[EXECUTION_LOG_ENV];
  if (!path) throw new ExecutionLogNotConfiguredError(`${EXECUTION_LOG_ENV} is not set: call useFreshExecutionLog() first`);
  // One short line per append: whole lines even with several threads writing.
  appendFileSync(path, `${JSON.stringify({ ...execution, at: Date.now() })}\n`);
}

export function readExecutions(path = process.env[EXECUTION_LOG_ENV]): Execution[] {
  if (!path) throw new ExecutionLogNotConfiguredError(`${EXECUTION_LOG_ENV} is not set`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Execution);
}

/** Completed executions per task id. */
export function completionsById(executions: readonly Execution[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of executions) if (e.phase === 'completed') counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  return counts;
}
