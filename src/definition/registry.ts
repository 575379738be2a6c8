/**
 * Builds a checked definition from lanes and task types: applies lane
 * defaults to each type and rejects inconsistent definitions at load time
 * (synth, cold start, `tasklanes dev`, `npm start`) rather than at the first message.
 */
import type { StandardSchemaV1 } from './standard-schema.ts';
import type { ConcurrencyLimit, LaneDefinition, RateLimit, ResolvedTaskType, TaskTypeDefinition, TypedTaskType } from './types.ts';
import { LIMIT_DEFAULTS, MAX_SQS_DELAY_SECONDS, resolveLimits } from './task-limits.ts';
import { FUNCTION_TIMEOUT_MARGIN_SECONDS, MAX_FUNCTION_TIMEOUT_SECONDS, QUEUE_RETENTION_SECONDS } from './limits.ts';
import { CLOUDFORMATION_QUOTAS, MAX_LANES_PER_DEPLOYMENT } from './capacity.ts';
import { NESTED_LANE_OUTPUTS, SHARED_OUTPUTS } from './stack-outputs.ts';
import { INVOKES_PER_POLLER, MAXIMUM_CONCURRENCY, PROVISIONED_POLLERS, provisionedConcurrency } from './scaling.ts';
import { heartbeatTask } from './schedule.ts';
import { isolationOverheadSeconds } from './timeouts.ts';

export class DefinitionError extends Error {
  override readonly name: string = 'DefinitionError';
}

/** More lanes than one deployment can hold (capacity.ts): `needed` against `allowed` of a CloudFormation quota. */
export class DeploymentTooLargeError extends DefinitionError {
  readonly quota: keyof typeof CLOUDFORMATION_QUOTAS;
  readonly needed: number;
  readonly allowed: number;
  override readonly name = 'DeploymentTooLargeError';
  constructor(quota: keyof typeof CLOUDFORMATION_QUOTAS, needed: number, allowed: number, message: string) {
    super(message);
    this.quota = quota;
    this.needed = needed;
    this.allowed = allowed;
  }
}

/** A lane option AWS would reject, or that contradicts another option of the lane. */
export class LaneOptionError extends DefinitionError {
  readonly lane: string;
  readonly option: keyof LaneDefinition;
  override readonly name = 'LaneOptionError';
  constructor(lane: string, option: keyof LaneDefinition, reason: string) {
    super(`lane "${lane}": ${reason}`);
    this.lane = lane;
    this.option = option;
  }
}

/** A concurrency or rate limit (docs/design.md#6-limits) that cannot be enforced as written. */
export class LimitOptionError extends DefinitionError {
  /** `lane "<name>"` or `task type "<name>"`. */
  readonly owner: string;
  readonly option: 'concurrency' | 'rateLimit';
  override readonly name = 'LimitOptionError';
  constructor(owner: string, option: 'concurrency' | 'rateLimit', reason: string) {
    super(`${owner}: ${option} ${reason}`);
    this.owner = owner;
    this.option = option;
  }
}

export interface Definition {
  readonly lanes: readonly LaneDefinition[];
  readonly tasks: readonly ResolvedTaskType[];
  lane(name: string): LaneDefinition;
  /** The task type, or undefined for a type this definition does not know. */
  findTask(type: string): ResolvedTaskType | undefined;
  tasksOf(lane: string): readonly ResolvedTaskType[];
  /** The longest timeout of the lane's task types, or the lane's default when it has none (drives the consumer's timeout). */
  maxTaskTimeoutSeconds(lane: string): number;
  /** The longest max age of the lane's task types, or the lane's default when it has none: how long a task may wait in the lane's queue. */
  maxTaskAgeSeconds(lane: string): number;
}

const LANE_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const TYPE_NAME = /^[a-z][a-z0-9_.-]{0,79}$/;
const SCHEDULE_EXPRESSION = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\))$/;

/**
 * Declares a task type with its handler's payload type inferred from the
 * schema. The result keeps the literal type name and the schema, so
 * `PayloadsOf` can give publishers a typed payload per type name.
 */
export function defineTask<const T extends string, S extends StandardSchemaV1>(
  task: TaskTypeDefinition<S> & { readonly type: T },
): TypedTaskType<T, S> {
  // The handler's parameter narrows to the schema's output; the registry only ever calls it with parsed payloads.
  return task as unknown as TypedTaskType<T, S>;
}

const isCount = (value: number, range: { readonly min: number; readonly max: number }) =>
  Number.isInteger(value) && value >= range.min && value <= range.max;

/** The lane's concurrency and pollers, as its event source mapping takes them (scaling.ts). */
function checkScaling(lane: LaneDefinition): void {
  const { name, provisionedPollers: pollers, reservedConcurrency: reserved } = lane;
  if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= lane.maxConcurrency))
    throw new LaneOptionError(
      name,
      'reservedConcurrency',
      `reservedConcurrency ${reserved} must be an integer of at least the lane's maxConcurrency (${lane.maxConcurrency}): the mapping invokes up to maxConcurrency at once, and every invoke beyond the reservation is throttled and its records come back later with a receive spent${pollers ? " (a provisioned lane's maxConcurrency is 10 invokes per maximum poller)" : ''}`,
    );
  if (!pollers) {
    if (!isCount(lane.maxConcurrency, MAXIMUM_CONCURRENCY))
      throw new LaneOptionError(
        name,
        'maxConcurrency',
        `maxConcurrency must be an integer ${MAXIMUM_CONCURRENCY.min}..${MAXIMUM_CONCURRENCY.max} (the SQS event source's MaximumConcurrency)`,
      );
    return;
  }
  const { minimum, maximum } = PROVISIONED_POLLERS;
  if (!isCount(pollers.minimum, minimum))
    throw new LaneOptionError(
      name,
      'provisionedPollers',
      `provisionedPollers.minimum must be an integer ${minimum.min}..${minimum.max} (MinimumPollers of an SQS event source mapping)`,
    );
  if (!isCount(pollers.maximum, maximum))
    throw new LaneOptionError(
      name,
      'provisionedPollers',
      `provisionedPollers.maximum must be an integer ${maximum.min}..${maximum.max} (MaximumPollers of an SQS event source mapping)`,
    );
  if (pollers.minimum > pollers.maximum)
    throw new LaneOptionError(
      name,
      'provisionedPollers',
      `provisionedPollers.minimum (${pollers.minimum}) must not exceed provisionedPollers.maximum (${pollers.maximum})`,
    );
  const bound = provisionedConcurrency(pollers);
  if (lane.maxConcurrency !== bound)
    throw new LaneOptionError(
      name,
      'maxConcurrency',
      `maxConcurrency ${lane.maxConcurrency} cannot be set beside provisionedPollers: AWS rejects an SQS event source mapping with both MaximumConcurrency and ProvisionedPollerConfig, and bounds a provisioned lane by its maximum pollers (${INVOKES_PER_POLLER} invokes each, ${bound} here). Leave maxConcurrency out, or lower provisionedPollers.maximum to cap the lane`,
    );
}

const isLimit = (value: unknown) => typeof value === 'number' && isCount(value, { min: 1, max: LIMIT_DEFAULTS.maxLimit });

function checkConcurrency(owner: string, option: ConcurrencyLimit | undefined): void {
  if (!option) return;
  const hasPerTenant = 'perTenant' in option;
  const hasKey = 'key' in option || 'limit' in option;
  if (hasPerTenant === hasKey)
    throw new LimitOptionError(owner, 'concurrency', 'takes either { perTenant } or { key, limit }, not both and not neither');
  const limit = hasPerTenant ? option.perTenant : option.limit;
  if (!isLimit(limit))
    throw new LimitOptionError(
      owner,
      'concurrency',
      `${hasPerTenant ? 'perTenant' : 'limit'} must be an integer 1..${LIMIT_DEFAULTS.maxLimit} (its holders share one DynamoDB item), got ${limit}`,
    );
  if (!hasPerTenant && typeof option.key !== 'function')
    throw new LimitOptionError(owner, 'concurrency', 'key must be a function (payload, envelope) => string');
}

function checkRate(owner: string, option: RateLimit | undefined): void {
  if (!option) return;
  if (!isLimit(option.limit))
    throw new LimitOptionError(owner, 'rateLimit', `limit must be an integer 1..${LIMIT_DEFAULTS.maxLimit}, got ${option.limit}`);
  // A window longer than SQS's longest delay could not be waited out in one deferral.
  if (!(typeof option.perSeconds === 'number' && option.perSeconds > 0 && option.perSeconds <= MAX_SQS_DELAY_SECONDS))
    throw new LimitOptionError(
      owner,
      'rateLimit',
      `perSeconds must be above 0 and at most ${MAX_SQS_DELAY_SECONDS}, got ${option.perSeconds}`,
    );
  if (option.key !== undefined && typeof option.key !== 'function')
    throw new LimitOptionError(owner, 'rateLimit', 'key must be a function (payload, envelope) => string');
}

export interface DefinitionInput {
  readonly lanes: readonly LaneDefinition[];
  readonly tasks: readonly TaskTypeDefinition[];
  /**
   * Add a heartbeat task type per lane (schedule.ts) that proves the lane
   * alive end to end (incident 000, docs/incidents.md#000-stale-replay).
   * @default true
   */
  readonly heartbeats?: boolean;
}

export function createDefinition(input: DefinitionInput): Definition {
  if (input.lanes.length > MAX_LANES_PER_DEPLOYMENT)
    throw new DeploymentTooLargeError(
      'outputs',
      SHARED_OUTPUTS.length + NESTED_LANE_OUTPUTS.length * input.lanes.length,
      CLOUDFORMATION_QUOTAS.outputs,
      `${input.lanes.length} lanes do not fit one deployment: at most ${MAX_LANES_PER_DEPLOYMENT} do, because CloudFormation allows ${CLOUDFORMATION_QUOTAS.outputs} outputs per stack and the top-level stack declares ${NESTED_LANE_OUTPUTS.length} per lane (${NESTED_LANE_OUTPUTS.join(', ')}) beside ${SHARED_OUTPUTS.length} shared, even with every lane in a nested stack of its own. Split the lanes across deployments, a definition each.`,
    );
  const lanes = new Map<string, LaneDefinition>();
  for (const lane of input.lanes) {
    if (!LANE_NAME.test(lane.name)) throw new DefinitionError(`lane name "${lane.name}" must match ${LANE_NAME}`);
    if (lanes.has(lane.name)) throw new DefinitionError(`lane "${lane.name}" is defined twice`);
    if (lane.batchSize < 1 || lane.batchSize > 10_000) throw new DefinitionError(`lane "${lane.name}": batchSize must be 1..10000`);
    if (lane.batchSize > 10 && lane.maxBatchingWindowSeconds < 1)
      throw new DefinitionError(`lane "${lane.name}": a batchSize above 10 needs maxBatchingWindowSeconds >= 1 (SQS event source rule)`);
    checkScaling(lane);
    checkConcurrency(`lane "${lane.name}"`, lane.concurrency);
    if (lane.maxReceiveCount < 1) throw new DefinitionError(`lane "${lane.name}": maxReceiveCount must be >= 1`);
    lanes.set(lane.name, lane);
  }

  const tasks = new Map<string, ResolvedTaskType>();
  const heartbeats = input.heartbeats === false ? [] : [...lanes.values()].map(heartbeatTask);
  for (const task of [...input.tasks, ...heartbeats]) {
    if (!TYPE_NAME.test(task.type)) throw new DefinitionError(`task type "${task.type}" must match ${TYPE_NAME}`);
    if (tasks.has(task.type)) throw new DefinitionError(`task type "${task.type}" is defined twice`);
    const lane = lanes.get(task.lane);
    if (!lane)
      throw new DefinitionError(`task type "${task.type}" names unknown lane "${task.lane}" (known: ${[...lanes.keys()].join(', ')})`);
    const resolved: ResolvedTaskType = {
      ...task,
      timeoutSeconds: task.timeoutSeconds ?? lane.taskTimeoutSeconds,
      maxAttempts: task.maxAttempts ?? lane.maxReceiveCount,
      maxAgeSeconds: task.maxAgeSeconds ?? lane.maxAgeSeconds,
      singleton: task.singleton ?? task.schedule !== undefined,
      limits: resolveLimits(lane, task),
    };
    checkConcurrency(`task type "${task.type}"`, task.concurrency as ConcurrencyLimit | undefined);
    checkRate(`task type "${task.type}"`, task.rateLimit as RateLimit | undefined);
    // The lane's function timeout adds these to its longest task (timeouts.ts).
    const beyondTimeout = isolationOverheadSeconds(lane.isolation) + FUNCTION_TIMEOUT_MARGIN_SECONDS;
    if (resolved.timeoutSeconds <= 0 || resolved.timeoutSeconds + beyondTimeout > MAX_FUNCTION_TIMEOUT_SECONDS)
      throw new DefinitionError(
        `task type "${task.type}": timeoutSeconds must be > 0 and leave ${beyondTimeout}s below Lambda's ${MAX_FUNCTION_TIMEOUT_SECONDS}s limit`,
      );
    if (resolved.maxAgeSeconds <= 0 || resolved.maxAgeSeconds > QUEUE_RETENTION_SECONDS)
      throw new DefinitionError(
        `task type "${task.type}": maxAgeSeconds must be 1..${QUEUE_RETENTION_SECONDS} (the queues' 14-day retention; SQS would drop an older task unseen)`,
      );
    if (resolved.maxAttempts < 1 || resolved.maxAttempts > lane.maxReceiveCount)
      throw new DefinitionError(`task type "${task.type}": maxAttempts must be 1..${lane.maxReceiveCount} (the lane's maxReceiveCount)`);
    if (resolved.singleton && !resolved.schedule) throw new DefinitionError(`task type "${task.type}": singleton needs a schedule`);
    if (resolved.schedule && !SCHEDULE_EXPRESSION.test(resolved.schedule.expression))
      throw new DefinitionError(`task type "${task.type}": schedule "${resolved.schedule.expression}" must be rate(...) or cron(...)`);
    tasks.set(task.type, resolved);
  }

  const byLane = new Map<string, ResolvedTaskType[]>();
  for (const name of lanes.keys()) byLane.set(name, []);
  for (const task of tasks.values()) byLane.get(task.lane)!.push(task);

  return {
    lanes: [...lanes.values()],
    tasks: [...tasks.values()],
    lane(name) {
      const lane = lanes.get(name);
      if (!lane) throw new DefinitionError(`unknown lane "${name}" (known: ${[...lanes.keys()].join(', ')})`);
      return lane;
    },
    findTask: (type) => tasks.get(type),
    tasksOf: (lane) => byLane.get(lane) ?? [],
    maxTaskTimeoutSeconds(name) {
      const lane = this.lane(name);
      // The lane's own default only matters for a lane with no types: every type has its timeout resolved.
      const types = byLane.get(name) ?? [];
      return types.length ? Math.max(...types.map((t) => t.timeoutSeconds)) : lane.taskTimeoutSeconds;
    },
    maxTaskAgeSeconds(name) {
      const lane = this.lane(name);
      const types = byLane.get(name) ?? [];
      return types.length ? Math.max(...types.map((t) => t.maxAgeSeconds)) : lane.maxAgeSeconds;
    },
  };
}
