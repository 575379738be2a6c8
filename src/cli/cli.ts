/**
 * `tasklanes <command>`: starting an app (`init`), running it locally
 * (`dev`), and the on-call person's tools, against the local run (default,
 * while `tasklanes dev` or the demo's `npm start` runs) or a deployed stack
 * (`--stack`). Parses arguments, picks the target, runs the command and maps
 * errors to exit codes: 0 done, 1 failed, 2 bad usage (a destructive command
 * without a terminal to confirm on and without `--yes` among them), 130
 * cancelled (Ctrl-C, or the confirmation not typed at the prompt).
 */
import { parseArgs } from 'node:util';
import { dlqPeekCommand, dlqRedriveCommand } from '../ops/commands/dlq.ts';
import { dropCommand } from '../ops/commands/drop.ts';
import { pauseCommand, resumeCommand } from '../ops/commands/pause.ts';
import { purgeCommand } from '../ops/commands/purge.ts';
import { statusCommand } from '../ops/commands/status.ts';
import { taskCommand } from '../ops/commands/task.ts';
import {
  EXIT,
  HELP_OPTION,
  TARGET_HELP,
  TARGET_OPTIONS,
  writeLine,
  type Command,
  type CommandContext,
  type OptionValues,
} from '../ops/commands/command.ts';
import { OpsError, UsageError } from '../ops/errors.ts';
import { selectTarget } from '../ops/target/select.ts';
import { argumentProblem } from './argument-problem.ts';
import { devCommand } from './commands/dev.ts';
import { initCommand } from './commands/init.ts';
import type { OpsTarget } from '../ops/target/target.ts';

export const COMMANDS: readonly Command[] = [
  initCommand,
  devCommand,
  statusCommand,
  taskCommand,
  dlqPeekCommand,
  dlqRedriveCommand,
  purgeCommand,
  dropCommand,
  pauseCommand,
  resumeCommand,
];

function commandList(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => usageLine(command).length));
  return commands.map((command) => `  ${usageLine(command).padEnd(width)}  ${command.summary}`).join('\n');
}

export function generalHelp(): string {
  return `Usage: tasklanes <command> [options]

Commands:
${commandList(COMMANDS)}

Run \`tasklanes <command> --help\` for a command's options.

${TARGET_HELP}`;
}

/** The subcommands of a two-word group (`dlq`): what `tasklanes dlq` alone prints. */
export function groupHelp(group: string): string {
  return `Usage: tasklanes ${group} <subcommand> [options]

Subcommands:
${commandList(COMMANDS.filter((command) => command.name.startsWith(`${group} `)))}

Run \`tasklanes ${group} <subcommand> --help\` for its options.`;
}

function usageLine(command: Command): string {
  return [command.name, ...command.arguments].join(' ');
}

export function commandHelp(command: Command): string {
  const summary = `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`;
  const options = command.takesTarget === false ? '  -h, --help            this help' : TARGET_HELP;
  return [`Usage: tasklanes ${usageLine(command)} [options]`, summary, command.help, options].filter(Boolean).join('\n\n');
}

/** The command named by the first one or two words. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

export async function main(argv: readonly string[], io: Pick<CommandContext, 'stdout' | 'stderr' | 'stdin'> = process): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    writeLine(argv.length === 0 ? io.stderr : io.stdout, generalHelp());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = argv[0]!;
    if (COMMANDS.some((command) => command.name.startsWith(`${group} `))) {
      if (argv[1] === '--help' || argv[1] === '-h') {
        writeLine(io.stdout, groupHelp(group));
        return EXIT.ok;
      }
      writeLine(
        io.stderr,
        `${argv.length === 1 ? `tasklanes ${group} needs a subcommand` : `unknown command "${argv.slice(0, 2).join(' ')}"`}\n\n${groupHelp(group)}`,
      );
      return EXIT.usage;
    }
    writeLine(io.stderr, `unknown command "${argv.slice(0, 2).join(' ')}"\n\n${generalHelp()}`);
    return EXIT.usage;
  }
  const { command, rest } = found;

  let values: OptionValues;
  let positionals: string[];
  const options = { ...(command.takesTarget === false ? HELP_OPTION : TARGET_OPTIONS), ...command.options };
  try {
    ({ values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as {
      values: OptionValues;
      positionals: string[];
    });
  } catch (error) {
    writeLine(io.stderr, `${argumentProblem(rest, options, error as Error)}\n\n${commandHelp(command)}`);
    return EXIT.usage;
  }
  if (values.help) {
    writeLine(io.stdout, commandHelp(command));
    return EXIT.ok;
  }

  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(EXIT.cancelled);
    writeLine(io.stderr, '\nCancelling (Ctrl-C again to quit at once)...');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  let target: Promise<OpsTarget> | undefined;
  const context: CommandContext = {
    ...io,
    signal: interrupt.signal,
    target: () =>
      (target ??= selectTarget({
        stack: values.stack as string | undefined,
        region: values.region as string | undefined,
        stateFile: values['state-file'] as string | undefined,
      })),
  };
  try {
    return await command.run(values, positionals, context);
  } catch (error) {
    if (error instanceof UsageError) {
      writeLine(io.stderr, `${error.message}\n\n${commandHelp(command)}`);
      return EXIT.usage;
    }
    // An OpsError's message is the whole story: no stack trace.
    if (error instanceof OpsError) {
      writeLine(io.stderr, `tasklanes ${command.name}: ${(error as Error).message}`);
      return EXIT.failed;
    }
    writeLine(io.stderr, `tasklanes ${command.name} failed:`);
    writeLine(io.stderr, String((error as Error).stack ?? error));
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSigint);
    if (target) (await target.catch(() => undefined))?.close();
  }
}
