/** `tasklanes purge <lane>`: PurgeQueue on one lane's queue, after a confirmation naming the lane and its depth. */
import { purgeLane, purgePreview } from '../lanes/purge.ts';
import { EXIT, writeLine, type Command } from './command.ts';
import { confirmByName } from './confirm.ts';
import { laneArgument } from './lane-argument.ts';

export const purgeCommand: Command = {
  name: 'purge',
  summary: "delete every message waiting in one lane's queue (its DLQ and other lanes untouched)",
  arguments: ['<lane>'],
  help: `Options:
  --yes   do not ask (required without a terminal)

SQS deletes the messages within 60 seconds; messages sent meanwhile may go too.`,
  options: { yes: { type: 'boolean', short: 'y' } },
  async run(values, positionals, context) {
    const lane = laneArgument(positionals, 'purge');
    const target = await context.target();
    const { queueUrl, before } = await purgePreview(target, lane);
    const question =
      `Purge lane ${lane} on ${target.description}: delete all ${before.visible} waiting message(s)` +
      ` (${before.inFlight} in flight, ${before.delayed} delayed) from ${queueUrl}? Its DLQ and other lanes are not touched.`;
    if (!(await confirmByName(context, question, lane, values.yes === true))) {
      writeLine(context.stderr, 'Not confirmed; nothing purged.');
      return EXIT.cancelled;
    }
    const result = await purgeLane(target, lane);
    writeLine(context.stdout, `purged lane ${lane}: ${result.before.visible} message(s) waiting at the call; SQS deletes them within 60 s`);
    return EXIT.ok;
  },
};
