/** Helpers for the ops tests: the harness's stack as an ops target, waiting on a queue's numbers, and running the CLI. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { localQueueStats } from '../../src/local/queue-stats.ts';
import type { QueueStats } from '../../src/ops/target/control-client.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { TS_NODE_ARGS } from '../support/node-args.ts';
import { waitFor, type WaitOptions } from '../support/wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `dlq peek --json` prints whole bodies, up to SQS's 1 MiB each: beyond execFile's default 1 MiB of output. */
const CLI_OUTPUT_LIMIT_BYTES = 64 * 1024 * 1024;

/** Runs the CLI the way the bin shim does, in a child process with stdin not a terminal (as in CI). */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...TS_NODE_ARGS, 'src/cli/bin.ts', ...args],
      { cwd: ROOT, env, maxBuffer: CLI_OUTPUT_LIMIT_BYTES },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Waits until the queue's stats satisfy `condition`; returns them. */
export function waitForQueue(
  stack: LocalStack,
  queueUrl: string,
  condition: (stats: QueueStats) => boolean,
  options: WaitOptions = {},
): Promise<QueueStats> {
  return waitFor(
    () => {
      const stats = localQueueStats(stack.servers.sqsService, queueUrl);
      return condition(stats) ? stats : undefined;
    },
    { description: `queue ${queueUrl.split('/').at(-1)} to reach the expected numbers`, ...options },
  );
}
