/**
 * Processes one SQS record in the order docs/design.md#order-of-processing
 * fixes: validate, check the deadline, claim in the dedup store, run under
 * the timeout, then settle (done / release / dead-letter). Never throws:
 * every path ends in exactly one outcome, and `failed` tells the consumer
 * to report the record in `batchItemFailures` so SQS redelivers it.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Outcome } from '../definition/metrics.ts';
import type { Definition } from '../definition/registry.ts';
import type { TaskEnvelope } from '../definition/envelope.ts';
import type { ResolvedTaskType } from '../definition/types.ts';
import { leaseSeconds } from '../definition/timeouts.ts';
import type { DedupPort } from './dedup.ts';
import { DeadLetterRecordError, sendToDeadLetterQueue, type DeadLetterReason, type DeadLetterRecordStore } from './dead-letter.ts';
import { dedupRecordKey, parseTask, singletonKey } from './envelope.ts';
import { LeaseHeldError, PermanentError, TaskTimeoutError, ValidationError, type NamedFields } from './errors.ts';
import { deferralDelaySeconds, deferralState, sendDeferredCopy, type DeferRequest } from './deferral.ts';
import type { LimitGrant, LimitPort, OverLimit } from './limiter.ts';
import type { OutcomeEvent } from './outcome.ts';
import type { TaskRunner } from './runner.ts';

export interface PipelineDependencies {
  readonly definition: Definition;
  readonly lane: string;
  readonly dlqUrl: string;
  readonly sqs: SQSClient;
  readonly dedup: DedupPort;
  /** Keeps the reason of a dead letter whose attributes do not fit beside its body. */
  readonly deadLetterRecords: DeadLetterRecordStore;
  readonly runner: TaskRunner;
  readonly now: () => number;
  /** Where runs take their limits' slots and deferred copies go: needed by lanes whose types have limits (docs/design.md#6-limits). */
  readonly limits?: LimitDependencies;
}

export interface LimitDependencies {
  readonly port: LimitPort;
  /** The lane's own queue. */
  readonly queueUrl: string;
  /** Draws a deferral's wait (deferral.ts). Default `Math.random`. */
  readonly random?: () => number;
  /** Sends a deferred copy. Default `sendDeferredCopy`, one request each; the consumer batches them (deferral-batch.ts). */
  readonly send?: (request: DeferRequest) => Promise<string | undefined>;
}

/** A task type with limits reached a consumer built without `limits`: a wiring bug, never bad input. */
export class LimitsNotConfiguredError extends Error {
  override readonly name = 'LimitsNotConfiguredError';
}

export interface RecordResult {
  readonly event: OutcomeEvent;
  /** Report in batchItemFailures: SQS redelivers it (and its queue redrive ends it in the DLQ). */
  readonly failed: boolean;
}

/** When the task stops being worth running: `notAfter`, else `createdAt + maxAge` of its type. */
export function taskDeadline(envelope: TaskEnvelope, task: ResolvedTaskType): number {
  return envelope.notAfter ? Date.parse(envelope.notAfter) : Date.parse(envelope.createdAt) + task.maxAgeSeconds * 1000;
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

const limitText = (over: OverLimit) =>
  `${over.limit.kind} limit ${over.limit.limit}${over.limit.kind === 'rate' ? ` per ${over.limit.perSeconds}s` : ''} of ${over.limit.scope} for key "${over.key}" is full`;

export async function processRecord(record: SQSRecord, deps: PipelineDependencies): Promise<RecordResult> {
  const started = deps.now();
  const receives = Math.max(1, Number(record.attributes?.ApproximateReceiveCount ?? 1) || 1);
  // A deferred copy carries the attempts its task spent before it was sent (docs/design.md#6-limits).
  const deferral = deferralState(record);
  const attempt = deferral.attempts + receives;
  let envelope: TaskEnvelope | undefined;
  let task: ResolvedTaskType | undefined;
  let dedupKey: string | undefined;
  /** What a body that failed validation named of itself. */
  let named: NamedFields = {};

  const settle = (
    outcome: Outcome,
    extra: { reason?: string; timedOut?: boolean; failed?: boolean; deferredAs?: string; delaySeconds?: number } = {},
  ): RecordResult => {
    const at = deps.now();
    return {
      failed: extra.failed ?? false,
      event: {
        lane: deps.lane,
        type: task?.type ?? 'unknown',
        ...(task === undefined && named.type !== undefined ? { namedType: named.type } : {}),
        outcome,
        timedOut: extra.timedOut ?? false,
        tenant: envelope?.tenant ?? named.tenant,
        id: envelope?.id ?? named.id,
        dedupKey,
        messageId: record.messageId,
        attempt,
        durationMs: at - started,
        latencyMs: envelope ? at - Date.parse(envelope.createdAt) : undefined,
        reason: extra.reason,
        ...(extra.deferredAs === undefined ? {} : { deferredAs: extra.deferredAs }),
        ...(extra.delaySeconds === undefined ? {} : { delaySeconds: extra.delaySeconds }),
        at,
      },
    };
  };

  /**
   * Dead-letters with the reason; if the DLQ cannot be reached, falls back to a redelivery. A letter
   * that reached the DLQ is never sent again: when only its reason record failed, the log line keeps the reason.
   */
  const deadLetter = async (reason: DeadLetterReason, error: string, timedOut = false): Promise<RecordResult> => {
    const destination = { sqs: deps.sqs, dlqUrl: deps.dlqUrl, records: deps.deadLetterRecords };
    try {
      await sendToDeadLetterQueue(destination, { record, lane: deps.lane, reason, error, attempts: attempt, at: deps.now() });
      return settle('deadLettered', { reason: `${reason}: ${error}`, timedOut });
    } catch (sendError) {
      if (sendError instanceof DeadLetterRecordError)
        return settle('deadLettered', { reason: `${reason}: ${error}; ${sendError.message}`, timedOut });
      return settle('retried', { reason: `${reason}: ${error}; DLQ send failed: ${errorText(sendError)}`, timedOut, failed: true });
    }
  };

  /**
   * A retryable failure: redelivered, or on the type's last attempt dead-lettered with the reason,
   * so the DLQ says why (SQS's redrive policy would move it there without one).
   */
  const retryOrDeadLetter = (type: ResolvedTaskType, reason: string, timedOut = false): Promise<RecordResult> | RecordResult =>
    attempt >= type.maxAttempts
      ? deadLetter('retriesExhausted', `after ${attempt} attempts: ${reason}`, timedOut)
      : settle('retried', { reason, timedOut, failed: true });

  // 1. Validate (docs/design.md#1-validate). A body that fails here can never succeed: dead-letter at once.
  try {
    ({ envelope, task } = await parseTask(record.body, deps.definition));
  } catch (error) {
    if (error instanceof ValidationError) {
      named = error.named;
      return deadLetter('invalid', error.message);
    }
    throw error;
  }
  if (task.lane !== deps.lane) {
    return deadLetter('wrongLane', `task type "${task.type}" belongs to lane "${task.lane}", not "${deps.lane}"`);
  }

  // 2. Deadline (docs/design.md#2-deadline): stale work is counted and dropped, never run
  // (incident 000, docs/incidents.md#000-stale-replay).
  const deadline = taskDeadline(envelope, task);
  if (started > deadline) {
    return settle('expired', { reason: `past its deadline ${new Date(deadline).toISOString()}` });
  }

  dedupKey = dedupRecordKey(envelope, task);
  const owner = record.messageId;
  const leaseMs = leaseSeconds(task.timeoutSeconds) * 1000;

  // 6. Limits (docs/design.md#6-limits), before the claim: a task over a limit holds no claim while it waits.
  let grant: LimitGrant | undefined;
  if (task.limits.length > 0) {
    const limits = deps.limits;
    if (!limits)
      throw new LimitsNotConfiguredError(`task type "${task.type}" has limits: the consumer of lane "${deps.lane}" needs limits`);
    let decision: LimitGrant | OverLimit;
    try {
      decision = await limits.port.acquire({ task, envelope, owner, leaseMs });
    } catch (error) {
      // The table is unreachable: nothing ran, try again later.
      return retryOrDeadLetter(task, `limits: ${errorText(error)}`);
    }
    if (decision.kind === 'over') {
      // A rate's next token is never there early: its wait rounds up, a concurrency estimate to the nearest second.
      const waitMs =
        decision.waitMs !== undefined && decision.limit.kind === 'rate' ? Math.ceil(decision.waitMs / 1000) * 1000 : decision.waitMs;
      const delaySeconds = deferralDelaySeconds(deferral.deferrals, (limits.random ?? Math.random)(), waitMs);
      const reason = limitText(decision);
      const back = deps.now() + delaySeconds * 1000;
      if (back > deadline) {
        return settle('expired', { reason: `${reason}; it would come back after its deadline ${new Date(deadline).toISOString()}` });
      }
      try {
        // An earlier receive of this message may have claimed and died; its claim must not block the copy.
        if (receives > 1) await deps.dedup.release(dedupKey, owner);
        const deferredAs = await (limits.send ?? sendDeferredCopy)({
          sqs: deps.sqs,
          queueUrl: limits.queueUrl,
          record,
          delaySeconds,
          next: { deferrals: deferral.deferrals + 1, attempts: attempt - 1 },
        });
        return settle('deferred', { reason, deferredAs, delaySeconds });
      } catch (error) {
        return retryOrDeadLetter(task, `${reason}; deferring failed: ${errorText(error)}`);
      }
    }
    grant = decision;
  }
  const releaseLimits = (runMs?: number) =>
    grant?.release(runMs).catch(() => {
      // The slots' leases end on their own.
    });
  // The task's own claim and its singleton lease are taken alike, by this delivery.
  const claimAs = (key: string) => deps.dedup.claim(key, { owner, attempt, taskId: envelope.id, leaseMs });
  try {
    // 3. Dedup claim (docs/design.md#3-dedup-claim).
    try {
      const claim = await claimAs(dedupKey);
      if (claim.kind === 'duplicate') return settle('duplicate', { reason: 'already done within the dedup window' });
      if (claim.kind === 'coalesced') return settle('coalesced', { reason: `in progress by delivery ${claim.owner}` });
      if (claim.kind === 'leaseHeld') {
        throw new LeaseHeldError(`a copy of this same receive holds the lease until ${new Date(claim.leaseUntil).toISOString()}`);
      }
    } catch (error) {
      // The dedup store is unreachable or the lease is held: nothing ran, try again later.
      return retryOrDeadLetter(task, `claim: ${errorText(error)}`);
    }

    // Scheduled singletons (docs/design.md#scheduled-singletons): a tick that finds the previous run still
    // going is skipped, not queued (incident 002, docs/incidents.md#002-overlapping-schedules).
    const lease = task.singleton ? singletonKey(envelope, task) : undefined;
    if (lease) {
      try {
        const held = await claimAs(lease);
        if (held.kind !== 'claimed') {
          // Done, so a scheduler retry of this same tick is a duplicate rather than a second skip.
          await deps.dedup.markDone(dedupKey, owner, envelope.id, deps.definition.lane(deps.lane).dedupWindowSeconds);
          return settle('overlapSkipped', { reason: `previous run still holds the singleton lease (${held.kind})` });
        }
      } catch (error) {
        await deps.dedup.release(dedupKey, owner).catch(() => {});
        return retryOrDeadLetter(task, `singleton lease: ${errorText(error)}`);
      }
    }

    // 4. Run under the task's timeout (docs/design.md#4-run).
    let failure: unknown;
    const runStarted = deps.now();
    try {
      await deps.runner.run({ task, envelope, lane: deps.lane, attempt });
    } catch (error) {
      failure = error;
    }
    // The limits' slots go back as soon as the run ends, not after its settling; its run time schedules deferrals.
    await releaseLimits(deps.now() - runStarted);
    if (lease) {
      await deps.dedup.release(lease, owner).catch(() => {
        // Expires on its own at the end of the lease.
      });
    }

    // 5. Settle (docs/design.md#5-settle).
    if (failure === undefined) {
      try {
        await deps.dedup.markDone(dedupKey, owner, envelope.id, deps.definition.lane(deps.lane).dedupWindowSeconds);
        return settle('succeeded');
      } catch (error) {
        // The work ran. A redelivery would run it again once the lease expires, so acknowledge;
        // the claim's lease still coalesces repeats until then.
        return settle('succeeded', { reason: `ran, but marking done failed: ${errorText(error)}` });
      }
    }

    const timedOut = failure instanceof TaskTimeoutError;
    const reason = errorText(failure);
    await deps.dedup.release(dedupKey, owner).catch(() => {
      // The lease expires on its own; a redelivery takes over then.
    });
    if (failure instanceof PermanentError) return deadLetter('permanent', reason, timedOut);
    return retryOrDeadLetter(task, reason, timedOut);
  } finally {
    // Every way out after the limits were taken gives their slots back (a second release does nothing).
    await releaseLimits();
  }
}
