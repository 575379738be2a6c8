/**
 * The shape of one CLI command and the options every command shares (which
 * target to work on). `src/cli/cli.ts` parses, dispatches and maps errors to
 * exit codes; each command module holds its help text and its output.
 */
import type { ParseArgsConfig } from 'node:util';
import type { OpsTarget } from '../target/target.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandContext {
  /** The selected target; created on first use, closed by the CLI. */
  target(): Promise<OpsTarget>;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  /** Aborted on Ctrl-C (SIGINT). */
  readonly signal: AbortSignal;
}

export interface Command {
  /** As typed: `status`, `dlq peek`. */
  readonly name: string;
  readonly summary: string;
  /** `<lane>` etc., for the usage line. */
  readonly arguments: readonly string[];
  /** Option lines of the help, without the shared target options. */
  readonly help: string;
  readonly options: OptionSpec;
  /**
   * Whether the command works on a target (the local stack or `--stack`) and takes the target options.
   * @default true
   */
  readonly takesTarget?: boolean;
  /** Returns the exit code. */
  run(values: OptionValues, positionals: readonly string[], context: CommandContext): Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

export const TARGET_OPTIONS = {
  stack: { type: 'string' },
  region: { type: 'string' },
  'state-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

/** The options of a command without a target. */
export const HELP_OPTION = { help: TARGET_OPTIONS.help } as const satisfies OptionSpec;

export const TARGET_HELP = `Target (default: the local stack \`tasklanes dev\` or \`npm start\` runs):
  --stack <name>        a deployed stack: queue URLs from its CloudFormation outputs,
                        credentials and region from the usual AWS chain
  --region <region>     AWS region (default: AWS_REGION or your profile's)
  --state-file <path>   the local stack's state file (default .tasklanes/local.json)
  -h, --help            this help`;

export function writeLine(stream: NodeJS.WriteStream, text = ''): void {
  stream.write(`${text}\n`);
}
