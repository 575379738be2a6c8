/**
 * Per-key concurrency and rate limits (docs/design.md#6-limits): how a lane's
 * and a type's options resolve into the limits a run is held to, where their
 * records live in the dedup table, and the documented defaults of deferring
 * a task that finds a limit full. Shared by the registry (which validates),
 * the runtime (which enforces) and the stack (which grants).
 */
import type { ConcurrencyLimit, LaneDefinition, LimitKey, ResolvedLimit, TaskTypeDefinition } from './types.ts';

/**
 * How a task over a limit comes back (docs/design.md#6-limits).
 *
 * | option | default | why |
 * |---|---|---|
 * | firstDelaySeconds | 1 | the first wait while no run time is known yet (then a task waits for its place on the key's schedule) |
 * | maxDelaySeconds | 60 | that wait doubles per deferral up to this; bounds how late a freed slot is noticed |
 * | waitInPlaceSeconds | 1 | a run refused a slot in a batch already held by a run of its key waits this long in the invocation for a slot this consumer gives back (SQS delays in whole seconds) |
 * | maxLimit | 1000 | a concurrency limit's holders live in one DynamoDB item (400 KB); the SQS event source's MaximumConcurrency bound |
 */
export const LIMIT_DEFAULTS = {
  firstDelaySeconds: 1,
  maxDelaySeconds: 60,
  waitInPlaceSeconds: 1,
  maxLimit: 1000,
} as const;

/** SQS's longest DelaySeconds: a deferral never waits longer in one step. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** A limit's record stays this long after its last use, then the table's TTL removes it. */
export const LIMIT_RECORD_IDLE_SECONDS = 24 * 60 * 60;

const tenantKey: LimitKey = (_payload, envelope) => envelope.tenant;

function concurrencyOf(scope: string, option: ConcurrencyLimit): ResolvedLimit {
  return 'perTenant' in option
    ? { kind: 'concurrency', scope, key: tenantKey, limit: option.perTenant }
    : { kind: 'concurrency', scope, key: option.key, limit: option.limit };
}

/** The limits a type's runs are held to: the lane's concurrency, the type's own, then its rate. */
export function resolveLimits(lane: LaneDefinition, task: TaskTypeDefinition): ResolvedLimit[] {
  const limits: ResolvedLimit[] = [];
  if (lane.concurrency) limits.push(concurrencyOf(`lane:${lane.name}`, lane.concurrency));
  if (task.concurrency) limits.push(concurrencyOf(`type:${task.type}`, task.concurrency as ConcurrencyLimit));
  if (task.rateLimit) {
    const { key, limit, perSeconds } = task.rateLimit;
    limits.push({ kind: 'rate', scope: `type:${task.type}`, key: (key as LimitKey | undefined) ?? tenantKey, limit, perSeconds });
  }
  return limits;
}

/**
 * The dedup-table record of one limit and key: `#limit#<kind>#<scope>#<key>`. It starts with `#`,
 * which no task key can (tenants have no `#`), and the scope (a lane or type name) has none either,
 * so a key containing `#` cannot reach another limit's record.
 */
export function limitRecordKey(limit: ResolvedLimit, key: string): string {
  return `#limit#${limit.kind}#${limit.scope}#${key}`;
}

/** Whether any type of the lane is held to a limit: its consumer then defers, and the stack grants what that needs. */
export function laneUsesLimits(tasks: readonly { readonly limits: readonly ResolvedLimit[] }[]): boolean {
  return tasks.some((task) => task.limits.length > 0);
}
