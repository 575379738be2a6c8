/**
 * Moves a lane's dead letters back to its queue with an SQS message move
 * task, reports progress from ListMessageMoveTasks, and cancels the task
 * when the signal aborts (Ctrl-C in the CLI). The destination is named
 * explicitly: messages the consumer dead-lettered itself (with a reason)
 * carry no DeadLetterQueueSourceArn for SQS to find their way back by.
 */
import {
  CancelMessageMoveTaskCommand,
  ListMessageMoveTasksCommand,
  ResourceNotFoundException,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedriveError } from '../errors.ts';
import type { OpsTarget } from '../target/target.ts';

export interface RedriveOptions {
  /** MaxNumberOfMessagesPerSecond of the move task. Default: SQS's own (system-optimized). */
  readonly rate?: number;
  /** Aborting cancels the move task; what moved so far stays moved. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RedriveProgress) => void;
  /** Default 1000 ms. */
  readonly pollIntervalMs?: number;
}

export const REDRIVE_DEFAULTS = { pollIntervalMs: 1_000 } as const;

/** SQS's bounds for MaxNumberOfMessagesPerSecond. */
export const REDRIVE_RATE_LIMITS = { min: 1, max: 500 } as const;

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

export interface RedriveProgress {
  readonly status: MoveTaskStatus;
  readonly moved: number;
  readonly toMove: number;
  readonly failureReason?: string;
}

const FINISHED: ReadonlySet<string> = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

export async function redriveDeadLetters(target: OpsTarget, lane: string, options: RedriveOptions = {}): Promise<RedriveProgress> {
  const { dlqArn, queueArn } = target.queues(lane);
  const pollIntervalMs = options.pollIntervalMs ?? REDRIVE_DEFAULTS.pollIntervalMs;
  if (
    options.rate !== undefined &&
    !(Number.isInteger(options.rate) && options.rate >= REDRIVE_RATE_LIMITS.min && options.rate <= REDRIVE_RATE_LIMITS.max)
  ) {
    throw new RedriveError(
      `rate must be a whole number of messages per second, ${REDRIVE_RATE_LIMITS.min}..${REDRIVE_RATE_LIMITS.max} (got ${options.rate})`,
    );
  }
  const { TaskHandle } = await target.sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: dlqArn, DestinationArn: queueArn, MaxNumberOfMessagesPerSecond: options.rate }),
  );
  if (!TaskHandle) throw new RedriveError(`StartMessageMoveTask for lane ${lane} returned no task handle`);

  let cancelled = false;
  for (;;) {
    if (options.signal?.aborted && !cancelled) {
      cancelled = true;
      await cancel(target, TaskHandle);
    }
    const progress = await currentTask(target, dlqArn, TaskHandle);
    options.onProgress?.(progress);
    if (FINISHED.has(progress.status)) return progress;
    await sleep(pollIntervalMs, undefined, { signal: cancelled ? undefined : options.signal }).catch(() => undefined);
  }
}

async function cancel(target: OpsTarget, taskHandle: string): Promise<void> {
  try {
    await target.sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: taskHandle }));
  } catch (error) {
    // The task is gone already: nothing to cancel, and its final state is read next.
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}

/**
 * The task started here is the newest for the source; a finished task is
 * listed without its handle, so it is matched by handle while running and
 * as the newest entry after.
 */
async function currentTask(target: OpsTarget, sourceArn: string, taskHandle: string): Promise<RedriveProgress> {
  const { Results = [] } = await target.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }));
  const entry: ListMessageMoveTasksResultEntry | undefined = Results.find((result) => result.TaskHandle === taskHandle) ?? Results[0];
  if (!entry) throw new RedriveError(`the message move task from ${sourceArn} is not listed`);
  return {
    status: entry.Status as MoveTaskStatus,
    moved: entry.ApproximateNumberOfMessagesMoved ?? 0,
    toMove: entry.ApproximateNumberOfMessagesToMove ?? 0,
    failureReason: entry.FailureReason,
  };
}
