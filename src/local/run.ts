/**
 * A definition running locally, as `npm start` runs the demo and `tasklanes
 * dev` runs an app: the embedded servers with the stack's queues and table,
 * every lane consumed by the real consumer, the scheduler firing heartbeats
 * and scheduled types, the dashboard with the control API the ops CLI uses,
 * and the state file through which that CLI finds it all.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Definition } from '../definition/registry.ts';
import { heartbeatType } from '../definition/schedule.ts';
import { shortVisibilitySeconds } from '../definition/timeouts.ts';
import { renderTable } from '../ops/format/table.ts';
import { createSchedulerClient } from '../ops/target/local-clients.ts';
import { UsageError } from '../ops/errors.ts';
import { Publisher } from '../publisher/index.ts';
import type { OutcomeEvent } from '../runtime/outcome.ts';
import { JsonLogger } from '../runtime/logger.ts';
import { LocalAlarmEvaluator } from './alarms.ts';
import { startLocalConsumers, type LocalConsumers } from './consumers.ts';
import { recordControlUrl, startDashboard, type Dashboard } from './dashboard/server.ts';
import { OutcomeRecorder } from './outcome-recorder.ts';
import { startLocalScheduler, type LocalScheduler } from './scheduler.ts';
import { CLAIM_PATHS, DYNAMODB_BACKENDS, type DynamoDbBackend } from './servers.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

export const LOCAL_RUN_DEFAULTS = {
  /** Seconds until a failed record is delivered again, locally: short, so retries show while you watch. */
  visibilityTimeoutSeconds: 8,
  /** Real time: one scheduled minute per minute. */
  scheduleSpeed: 1,
} as const;

/** A scheduled hour per real second: beyond that, ticks of every-minute heartbeats flood the console and the lanes. */
const MAX_SCHEDULE_SPEED = 3600;
/** SQS's own ceiling on a visibility timeout: 12 hours. */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

export interface LocalRunOptions {
  readonly definition: Definition;
  /** Module that serves tasks in worker threads for `worker` lanes: the app's Lambda entry, or any module calling `serveTaskWorker` with the same definition. */
  readonly workerEntry?: string | URL;
  /**
   * Queue visibility timeout, raised per lane to its longest task timeout plus
   * slack so a task never comes back while its first delivery still runs. The
   * stack's 6x the consumer timeout would make a local retry wait minutes.
   * @default 8
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Scheduled minutes per real minute for heartbeats and scheduled types.
   * @default 1
   */
  readonly scheduleSpeed?: number;
  /**
   * Which DynamoDB-compatible server holds the dedup table: dynalite in this
   * process, or DynamoDB Local (Java), whose batched claims are AWS's path.
   * @default 'dynalite'
   */
  readonly dynamodb?: DynamoDbBackend;
  /**
   * Print every outcome's structured log line.
   * @default false
   */
  readonly verbose?: boolean;
  /**
   * Where the ops CLI finds this run; `false`: no file.
   * @default '.tasklanes/local.json'
   */
  readonly stateFile?: string | false;
  /**
   * Where the banner and progress lines go.
   * @default console.log
   */
  readonly print?: (line: string) => void;
}

export interface LocalRun {
  readonly stack: LocalStack;
  readonly consumers: LocalConsumers;
  readonly scheduler: LocalScheduler;
  readonly dashboard: Dashboard;
  /** Every outcome of every lane, in order. */
  readonly recorder: OutcomeRecorder;
  /** Publishes to this run's lanes. */
  readonly publisher: Publisher;
  /** Sends a raw body to a lane's queue, as an app's plain `SendMessage` would; returns the SQS message id. */
  sendRaw(lane: string, body: string): Promise<string>;
  /** Stops scheduler, dashboard, consumers (waiting for batches in flight) and servers; prints the tick counts. Idempotent. */
  stop(): Promise<void>;
}

/** Every lane's heartbeat succeeds every interval: printing each would bury everything else. */
const isHeartbeatSuccess = (event: OutcomeEvent) => event.outcome === 'succeeded' && event.type === heartbeatType(event.lane);

function describe(event: OutcomeEvent): string {
  const extra = [event.timedOut ? 'timed out' : '', event.reason ?? ''].filter(Boolean).join('; ');
  return `${event.outcome}${extra ? ` (${extra})` : ''}`;
}

/**
 * One progress line: lane, type and tenant (for a body that did not
 * validate, the ones it named), and the task id, or the SQS message id of a
 * body that names none, as the demo's summary names its rows.
 */
export function progressLine(event: OutcomeEvent): string {
  const type = event.type === 'unknown' ? (event.namedType ?? 'unknown') : event.type;
  const task = event.id ?? `message ${event.messageId}`;
  return `  [${event.lane.padEnd(13)}] ${type.padEnd(24)} ${(event.tenant ?? '-').padEnd(8)} ${task}  attempt ${event.attempt}: ${describe(event)}`;
}

export const indent = (text: string) => text.replace(/^/gm, '  ');

export async function startLocalRun(options: LocalRunOptions): Promise<LocalRun> {
  const { definition } = options;
  const print = options.print ?? ((line: string) => console.log(line));
  const visibility = options.visibilityTimeoutSeconds ?? LOCAL_RUN_DEFAULTS.visibilityTimeoutSeconds;
  const speed = options.scheduleSpeed ?? LOCAL_RUN_DEFAULTS.scheduleSpeed;
  const recorder = new OutcomeRecorder();
  const stack = await startLocalStack({
    definition,
    stateFile: options.stateFile,
    servers: { dynamodb: options.dynamodb },
    provision: { visibilityTimeoutSeconds: (lane) => Math.max(visibility, shortVisibilitySeconds(definition, lane)) },
  });
  const consumers = startLocalConsumers(stack, {
    workerEntry: options.workerEntry,
    onOutcome: recorder.listener,
    logger: new JsonLogger({ level: options.verbose ? 'INFO' : 'SILENT' }),
  });
  // Heartbeats and scheduled types fire as EventBridge Scheduler would fire them.
  const scheduler = startLocalScheduler(stack, { speed });
  // The page, and the control API through which `tasklanes` CLI commands pause this process's pollers.
  const dashboard = await startDashboard({ stack, recorder, alarms: new LocalAlarmEvaluator({ stack, recorder, clock: scheduler.clock }) });
  if (stack.stateFile) await recordControlUrl(stack.stateFile, dashboard);

  print('tasklanes is running locally.');
  print(`  SQS endpoint:      ${stack.servers.sqsEndpoint}`);
  print(`  Scheduler:         ${stack.servers.schedulerEndpoint} (one-time schedules, group ${stack.servers.scheduleGroup})`);
  const backend = stack.servers.dynamodbBackend;
  const other = DYNAMODB_BACKENDS.find((name) => name !== backend)!;
  print(`  DynamoDB endpoint: ${stack.servers.dynamodbEndpoint} (${backend}; --dynamodb ${other} for the other)`);
  print(`  dedup claims:      ${CLAIM_PATHS[backend]}`);
  print(`  lanes:             ${definition.lanes.map((l) => l.name).join(', ')}`);
  if (stack.stateFile) print(`  state file:        ${stack.stateFile} (the ops CLI finds the local stack here)`);
  print(`  dashboard:         ${dashboard.url}`);
  const scheduled = Object.keys(scheduler.counters);
  print(
    `  schedules:         ${scheduled.length} (${scheduled.join(', ')}), speed x${speed}; heartbeat successes are counted, not printed`,
  );

  recorder.subscribe((event) => {
    if (isHeartbeatSuccess(event)) return;
    print(progressLine(event));
  });

  const printTicks = () => {
    const succeeded = (type: string) => recorder.history((event) => event.type === type && event.outcome === 'succeeded').length;
    const rows = Object.entries(scheduler.counters).map(([type, { fired, failed }]) => [type, fired, failed, succeeded(type)]);
    print('Scheduled ticks:');
    print(indent(renderTable(['type', 'fired', 'failed to send', 'succeeded'], rows)));
  };

  const schedulerClient = createSchedulerClient(stack.servers.schedulerEndpoint, stack.servers.region);
  let stopping: Promise<void> | undefined;
  return {
    stack,
    consumers,
    scheduler,
    dashboard,
    recorder,
    // runAt beyond 15 minutes goes to the servers' scheduler endpoint, as it would go to EventBridge Scheduler.
    publisher: new Publisher({
      definition,
      sqs: stack.clients.sqs,
      queueUrls: stack.queueUrls,
      scheduler: schedulerClient,
      scheduleGroup: stack.servers.scheduleGroup,
      schedulerRoleArn: stack.servers.schedulerRoleArn,
    }),
    sendRaw: async (lane, body) =>
      (await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrls[lane], MessageBody: body }))).MessageId!,
    stop: () =>
      (stopping ??= (async () => {
        print('\nStopping: waiting for batches in flight...');
        await scheduler.stop();
        printTicks();
        await dashboard.stop();
        await consumers.stop();
        schedulerClient.destroy();
        await stack.stop();
        print('Stopped.');
      })()),
  };
}

/** Resolves once SIGINT or SIGTERM arrives. */
export function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
}

/** The command-line options of a local run, shared by `npm start` and `tasklanes dev`. */
export const LOCAL_RUN_USAGE = `  --visibility-timeout <s>   queue visibility timeout, seconds (default ${LOCAL_RUN_DEFAULTS.visibilityTimeoutSeconds}; the stack's
                             6x-the-consumer-timeout would make a retry wait minutes);
                             raised per lane to its longest task timeout plus slack, so a
                             task never comes back while its first delivery still runs
  --schedule-speed <n>       fast-forward scheduled tasks and heartbeats: n scheduled minutes
                             per real minute (default ${LOCAL_RUN_DEFAULTS.scheduleSpeed}; 60 = a scheduled minute per second)
  --dynamodb <backend>       dynalite (default: in this process, claims one record at a time) or
                             dynamodb-local (Java 17+: batched claims, AWS's path)
  --verbose                  print every outcome's structured log line
  -h, --help                 show this help`;

export const LOCAL_RUN_ARGS = {
  'visibility-timeout': { type: 'string' },
  'schedule-speed': { type: 'string' },
  dynamodb: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type RunArgValues = { 'visibility-timeout'?: string; 'schedule-speed'?: string; dynamodb?: string; verbose?: boolean };

/** Checks the shared options; throws UsageError naming the option and its range. */
export function localRunSettings(
  values: RunArgValues,
): Pick<LocalRunOptions, 'visibilityTimeoutSeconds' | 'scheduleSpeed' | 'dynamodb' | 'verbose'> {
  const visibility = Number(values['visibility-timeout'] ?? LOCAL_RUN_DEFAULTS.visibilityTimeoutSeconds);
  if (!Number.isInteger(visibility) || visibility < 1 || visibility > MAX_VISIBILITY_TIMEOUT_SECONDS) {
    throw new UsageError(
      `--visibility-timeout must be a whole number of seconds, 1..${MAX_VISIBILITY_TIMEOUT_SECONDS} (got ${values['visibility-timeout']})`,
    );
  }
  const scheduleSpeed = Number(values['schedule-speed'] ?? LOCAL_RUN_DEFAULTS.scheduleSpeed);
  if (!Number.isFinite(scheduleSpeed) || scheduleSpeed < 1 || scheduleSpeed > MAX_SCHEDULE_SPEED) {
    throw new UsageError(`--schedule-speed must be a number, 1..${MAX_SCHEDULE_SPEED} (got ${values['schedule-speed']})`);
  }
  const dynamodb = values.dynamodb ?? DYNAMODB_BACKENDS[0];
  if (!(DYNAMODB_BACKENDS as readonly string[]).includes(dynamodb)) {
    throw new UsageError(`--dynamodb must be one of ${DYNAMODB_BACKENDS.join(', ')} (got ${dynamodb})`);
  }
  return { visibilityTimeoutSeconds: visibility, scheduleSpeed, dynamodb: dynamodb as DynamoDbBackend, verbose: values.verbose ?? false };
}
