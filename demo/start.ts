/**
 * `npm start`: the demo deployment on this machine, through tasklanes'
 * public `tasklanes/local` API exactly as `tasklanes dev` runs an app. It
 * publishes a short demo that exercises each outcome, prints what happened
 * to each task, and keeps serving until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import {
  indent,
  LOCAL_RUN_ARGS,
  LOCAL_RUN_USAGE,
  localRunSettings,
  renderTable,
  startLocalRun,
  untilSignalled,
  UsageError,
  type OutcomeRecorder,
} from 'tasklanes/local';
import { DEMO_WORKER_ENTRY, demoDefinition } from './local-definition.ts';
import { isFinal, matches, publishDemo, type DemoTask } from './scenario.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

const USAGE = `Usage: npm start [-- options]

Runs every lane of the demo locally against embedded SQS- and DynamoDB-compatible servers.

Options:
  --no-demo                  do not publish the demo tasks
  --exit-after-demo          stop after the demo's summary (for scripts and tests)
${LOCAL_RUN_USAGE}
`;

/** Upper bound on the demo; its slowest task (a timeout, then retries) needs well under a minute. */
const DEMO_DEADLINE_MS = 180_000;

const OPTIONS = {
  ...LOCAL_RUN_ARGS,
  'no-demo': { type: 'boolean', default: false },
  'exit-after-demo': { type: 'boolean', default: false },
} as const;

function parseValues() {
  try {
    return parseArgs({ options: OPTIONS, strict: true }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parseOptions() {
  const values = parseValues();
  return { ...localRunSettings(values), demo: !values['no-demo'], exitAfterDemo: values['exit-after-demo'], help: values.help };
}

function printSummary(tasks: readonly DemoTask[], recorder: OutcomeRecorder): void {
  const totals = new Map<string, number>();
  const rows = tasks.map((task) => {
    const history = recorder.history(matches(task));
    const last = history.at(-1);
    if (last) totals.set(last.outcome, (totals.get(last.outcome) ?? 0) + 1);
    const outcomes = history.map((e) => e.outcome + (e.timedOut ? '(timeout)' : '')).join(' -> ');
    // As the progress lines name it: the task id, or the message id of a raw body.
    const id = 'id' in task.key ? task.key.id : `message ${task.key.messageId}`;
    return [task.label, history[0]?.lane ?? '?', id, task.expected, outcomes];
  });
  console.log('\nWhat happened to each demo task:');
  console.log(indent(renderTable(['task', 'lane', 'task id', 'expected', 'outcomes (in order)'], rows)));
  console.log(`\nDemo summary: ${tasks.length} tasks: ${[...totals].map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const run = await startLocalRun({ ...options, definition: demoDefinition, workerEntry: DEMO_WORKER_ENTRY });
  const receiver = await startWebhookReceiver();
  const shutdown = async () => {
    await run.stop();
    await receiver.stop();
  };

  if (options.demo) {
    const { recorder } = run;
    console.log('\nPublishing the demo tasks...');
    const tasks = await publishDemo({
      publisher: run.publisher,
      webhookUrl: receiver.url,
      sendRaw: run.sendRaw,
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
  await untilSignalled();
  await shutdown();
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
