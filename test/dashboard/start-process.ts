/**
 * `npm start` as a child process, in a temporary working directory (so its
 * state file cannot collide with a developer's running stack), with its
 * output collected and lines awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor, type WaitOptions } from '../support/wait.ts';
import { TS_NODE_ARGS } from '../support/node-args.ts';

const START_SCRIPT = fileURLToPath(new URL('../../demo/start.ts', import.meta.url));

export interface StartProcess {
  readonly cwd: string;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout. */
  waitForOutput(pattern: RegExp, options?: WaitOptions): Promise<RegExpMatchArray>;
  /** stderr so far. */
  errorOutput(): string;
  /** SIGINT (as Ctrl-C), then waits for the exit code. */
  stop(): Promise<number | null>;
}

export function startNpmStart(args: readonly string[] = []): StartProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'tasklanes-start-'));
  // The tsx loader by URL: the working directory is not the package's.
  const child: ChildProcess = spawn(process.execPath, [...TS_NODE_ARGS, START_SCRIPT, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    cwd,
    output: () => stdout,
    errorOutput: () => stderr,
    waitForOutput: (pattern, options) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${stdout}\n${stderr}`);
          return stdout.match(pattern);
        },
        { description: `npm start to print ${pattern}`, ...options },
      ),
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const code = await exited;
      rmSync(cwd, { recursive: true, force: true });
      return code;
    },
  };
}
