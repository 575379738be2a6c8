/** `tasklanes dlq peek <lane>` and `tasklanes dlq redrive <lane>`. */
import { peekDeadLetters, PEEK_DEFAULTS } from '../lanes/dlq-peek.ts';
import { redriveDeadLetters, REDRIVE_RATE_LIMITS } from '../lanes/dlq-redrive.ts';
import { formatAge } from '../format/duration.ts';
import { progressLine } from '../format/progress.ts';
import { renderTable } from '../format/table.ts';
import { EXIT, writeLine, type Command } from './command.ts';
import { integerOption, laneArgument } from './lane-argument.ts';

/** Peeking holds messages briefly; more than this in one go is a job for a script over --json. */
const MAX_PEEK = 100;

export const dlqPeekCommand: Command = {
  name: 'dlq peek',
  summary: "show a lane's dead letters with reason, type, tenant, attempts (left in the DLQ; each peek is a receive)",
  arguments: ['<lane>'],
  help: `Options:
  -n <count>   how many to show, 1..${MAX_PEEK} (default ${PEEK_DEFAULTS.max})
  --json       print the messages as JSON, bodies included (times in ISO-8601)

Peeking receives the messages and makes them visible again at once: they stay
in the DLQ, and each peek raises their receive count (harmless there).`,
  options: { n: { type: 'string', short: 'n' }, json: { type: 'boolean' } },
  async run(values, positionals, context) {
    const lane = laneArgument(positionals, 'dlq peek');
    const max = integerOption(values.n, '-n', { min: 1, max: MAX_PEEK });
    const target = await context.target();
    const letters = await peekDeadLetters(target, lane, { max });
    if (values.json) {
      writeLine(context.stdout, JSON.stringify(letters, null, 2));
      return EXIT.ok;
    }
    const { visible } = await target.counts(target.queues(lane).dlqUrl);
    writeLine(
      context.stdout,
      `DLQ of lane ${lane} (${target.description}): showing ${letters.length} of ${visible}; they stay in the DLQ, but peeking received them, which raised each one's receive count`,
    );
    if (letters.length === 0) return EXIT.ok;
    const now = Date.now();
    writeLine(
      context.stdout,
      renderTable(
        ['type', 'tenant', 'task id', 'attempts', 'age', 'reason', 'error'],
        letters.map((letter) => [
          letter.type ?? '(unparsed)',
          letter.tenant ?? '-',
          // A body that never parsed has no task id: the delivery's own message id names it.
          letter.id ?? `message ${letter.originalMessageId ?? letter.messageId}`,
          letter.attempts ?? '-',
          formatAge(letter.createdAt === undefined ? undefined : (now - Date.parse(letter.createdAt)) / 1000),
          letter.reason ?? (letter.sourceArn ? 'redriven by SQS (maxReceiveCount)' : '-'),
          letter.error ?? '',
        ]),
      ),
    );
    return EXIT.ok;
  },
};

export const dlqRedriveCommand: Command = {
  name: 'dlq redrive',
  summary: "move a lane's dead letters back to the lane (SQS message move task); Ctrl-C cancels",
  arguments: ['<lane>'],
  help: `Options:
  --rate <n>   messages per second, ${REDRIVE_RATE_LIMITS.min}..${REDRIVE_RATE_LIMITS.max} (default: SQS's own pace)`,
  options: { rate: { type: 'string' } },
  async run(values, positionals, context) {
    const lane = laneArgument(positionals, 'dlq redrive');
    const rate = integerOption(values.rate, '--rate', REDRIVE_RATE_LIMITS);
    const target = await context.target();
    writeLine(
      context.stderr,
      `Redriving the DLQ of lane ${lane} (${target.description}) back to the lane${rate ? ` at ${rate}/s` : ''}; Ctrl-C cancels.`,
    );
    const progress = progressLine(context.stderr);
    const result = await redriveDeadLetters(target, lane, {
      rate,
      signal: context.signal,
      onProgress: (p) => progress.update(p.moved, p.toMove, `${p.moved}/${p.toMove} moved, ${p.status.toLowerCase()}`),
    });
    progress.finish();
    writeLine(
      context.stdout,
      `${result.status.toLowerCase()}: ${result.moved} of ${result.toMove} moved back to lane ${lane}${result.failureReason ? ` (${result.failureReason})` : ''}`,
    );
    if (result.status === 'CANCELLED') return EXIT.cancelled;
    return result.status === 'COMPLETED' ? EXIT.ok : EXIT.failed;
  },
};
