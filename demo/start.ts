/**
 * `npm start`: the whole system on this machine. Starts the embedded SQS-
 * and DynamoDB-compatible servers, creates every lane's queue, DLQ and the
 * dedup table, consumes every lane with the same handler code Lambda runs,
 * publishes a short demo that exercises each outcome, prints what happened
 * to each task, and keeps serving until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Publisher } from '../src/publisher/index.ts';
import { heartbeatType } from '../src/definition/schedule.ts';
import { shortVisibilitySeconds } from '../src/definition/timeouts.ts';
import type { OutcomeEvent } from '../src/runtime/outcome.ts';
import { LocalAlarmEvaluator } from '../src/local/alarms.ts';
import { startLocalConsumers } from '../src/local/consumers.ts';
import { recordControlUrl, startDashboard } from '../src/local/dashboard/server.ts';
import { DEMO_WORKER_ENTRY, demoDefinition } from './local-definition.ts';
import { isFinal, matches, publishDemo, type DemoTask } from './scenario.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';
import { renderTable } from '../src/ops/format/table.ts';
import { OutcomeRecorder } from '../src/local/outcome-recorder.ts';
import { startLocalScheduler, type LocalScheduler } from '../src/local/scheduler.ts';
import { startLocalStack } from '../src/local/stack.ts';

const USAGE = `Usage: npm start [-- options]

Runs every lane locally against embedded SQS- and DynamoDB-compatible servers.

Options:
  --no-demo                  do not publish the demo tasks
  --exit-after-demo          stop after the demo's summary (for scripts and tests)
  --visibility-timeout <s>   queue visibility timeout, seconds (default ${8}; the stack's
                             6x-the-consumer-timeout would make a retry wait minutes);
                             raised per lane to its longest task timeout plus slack, so a
                             task never comes back while its first delivery still runs
  --schedule-speed <n>       fast-forward scheduled tasks and heartbeats: n scheduled minutes
                             per real minute (default 1; 60 = a scheduled minute per second)
  --verbose                  print every outcome's structured log line
  -h, --help                 show this help
`;

/** Seconds until a failed record is delivered again, locally: short, so the demo shows retries. */
const DEFAULT_LOCAL_VISIBILITY_SECONDS = 8;
/** A scheduled hour per real second: beyond that, ticks of every-minute heartbeats flood the console and the lanes. */
const MAX_SCHEDULE_SPEED = 3600;
/** Upper bound on the demo; its slowest task (a timeout, then retries) needs well under a minute. */
const DEMO_DEADLINE_MS = 180_000;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      'no-demo': { type: 'boolean', default: false },
      'exit-after-demo': { type: 'boolean', default: false },
      'visibility-timeout': { type: 'string' },
      'schedule-speed': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const visibility = Number(values['visibility-timeout'] ?? DEFAULT_LOCAL_VISIBILITY_SECONDS);
  if (!Number.isInteger(visibility) || visibility < 1 || visibility > 43_200) {
    throw new UsageError(`--visibility-timeout must be a whole number of seconds, 1..43200 (got ${values['visibility-timeout']})`);
  }
  const scheduleSpeed = Number(values['schedule-speed'] ?? 1);
  if (!Number.isFinite(scheduleSpeed) || scheduleSpeed < 1 || scheduleSpeed > MAX_SCHEDULE_SPEED) {
    throw new UsageError(`--schedule-speed must be a number, 1..${MAX_SCHEDULE_SPEED} (got ${values['schedule-speed']})`);
  }
  return { demo: !values['no-demo'], exitAfterDemo: values['exit-after-demo'], visibility, scheduleSpeed, verbose: values.verbose, help: values.help };
}


function describe(event: OutcomeEvent): string {
  const extra = [event.timedOut ? 'timed out' : '', event.reason ?? ''].filter(Boolean).join('; ');
  return `${event.outcome}${extra ? ` (${extra})` : ''}`;
}

function printSummary(tasks: readonly DemoTask[], recorder: OutcomeRecorder): void {
  const totals = new Map<string, number>();
  const rows = tasks.map((task) => {
    const history = recorder.history(matches(task));
    const last = history.at(-1);
    if (last) totals.set(last.outcome, (totals.get(last.outcome) ?? 0) + 1);
    const outcomes = history.map((e) => e.outcome + (e.timedOut ? '(timeout)' : '')).join(' -> ');
    return [task.label, history[0]?.lane ?? '?', task.expected, outcomes];
  });
  console.log('\nWhat happened to each demo task:');
  console.log(indent(renderTable(['task', 'lane', 'expected', 'outcomes (in order)'], rows)));
  console.log(`\nDemo summary: ${tasks.length} tasks: ${[...totals].map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`);
}

const indent = (text: string) => text.replace(/^/gm, '  ');

/** Every lane's heartbeat succeeds every interval: printing each would bury everything else. */
const isHeartbeatSuccess = (event: OutcomeEvent) => event.outcome === 'succeeded' && event.type === heartbeatType(event.lane);

function printTicks(scheduler: LocalScheduler, recorder: OutcomeRecorder): void {
  const succeeded = (type: string) => recorder.history((event) => event.type === type && event.outcome === 'succeeded').length;
  const rows = Object.entries(scheduler.counters).map(([type, { fired, failed }]) => [type, fired, failed, succeeded(type)]);
  console.log('Scheduled ticks:');
  console.log(indent(renderTable(['type', 'fired', 'failed to send', 'succeeded'], rows)));
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const recorder = new OutcomeRecorder();
  const stack = await startLocalStack({
    definition: demoDefinition,
    provision: { visibilityTimeoutSeconds: (lane) => Math.max(options.visibility, shortVisibilitySeconds(demoDefinition, lane)) },
  });
  const consumers = startLocalConsumers(stack, {
    workerEntry: DEMO_WORKER_ENTRY,
    onOutcome: recorder.listener,
    logger: new Logger({ serviceName: 'tasklanes', logLevel: options.verbose ? 'INFO' : 'SILENT' }),
  });
  const receiver = await startWebhookReceiver();
  // Heartbeats and scheduled types fire as EventBridge Scheduler would fire them; their outcomes show below.
  const scheduler = startLocalScheduler(stack, { speed: options.scheduleSpeed });
  // The page, and the control API through which `npx tasklanes` pauses this process's pollers.
  const dashboard = await startDashboard({ stack, recorder, alarms: new LocalAlarmEvaluator({ stack, recorder, clock: scheduler.clock }) });
  if (stack.stateFile) await recordControlUrl(stack.stateFile, dashboard.url);
  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      console.log('\nStopping: waiting for batches in flight...');
      await scheduler.stop();
      printTicks(scheduler, recorder);
      await dashboard.stop();
      await consumers.stop();
      await stack.stop();
      await receiver.stop();
      console.log('Stopped.');
    })());

  console.log('tasklanes is running locally.');
  console.log(`  SQS endpoint:      ${stack.servers.sqsEndpoint}`);
  console.log(`  DynamoDB endpoint: ${stack.servers.dynamodbEndpoint}`);
  console.log(`  lanes:             ${stack.definition.lanes.map((l) => l.name).join(', ')}`);
  if (stack.stateFile) console.log(`  state file:        ${stack.stateFile} (the ops CLI finds the local stack here)`);
  console.log(`  dashboard:         ${dashboard.url}`);

  const scheduled = Object.keys(scheduler.counters);
  console.log(`  schedules:         ${scheduled.length} (${scheduled.join(', ')}), speed x${options.scheduleSpeed}; heartbeat successes are counted, not printed`);

  recorder.subscribe((event) => {
    if (isHeartbeatSuccess(event)) return;
    console.log(`  [${event.lane.padEnd(13)}] ${event.type.padEnd(24)} ${(event.tenant ?? '-').padEnd(8)} attempt ${event.attempt}: ${describe(event)}`);
  });

  if (options.demo) {
    const { queueUrls } = stack;
    const publisher = new Publisher({ definition: demoDefinition, sqs: stack.clients.sqs, queueUrls });
    console.log('\nPublishing the demo tasks...');
    const tasks = await publishDemo({
      publisher,
      webhookUrl: receiver.url,
      sendRaw: async (lane, body) =>
        (await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrls[lane], MessageBody: body }))).MessageId!,
      waitFor: async (match) => {
        await recorder.waitFor(match);
      },
    });
    let deadline: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.all(tasks.map((task) => recorder.waitFor((event) => matches(task)(event) && isFinal(event)))).then(() => true),
      new Promise<false>((resolve) => (deadline = setTimeout(() => resolve(false), DEMO_DEADLINE_MS))),
    ]);
    clearTimeout(deadline);
    if (!finished) {
      console.error(`The demo did not finish within ${DEMO_DEADLINE_MS / 1000}s; see the outcomes above.`);
      process.exitCode = 1;
    }
    printSummary(tasks, recorder);
  }

  if (options.exitAfterDemo) {
    await shutdown();
    return;
  }
  console.log('\nServing until Ctrl-C.');
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown().then(resolve));
  });
}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error('tasklanes failed to start:', error);
  process.exitCode = 1;
});
