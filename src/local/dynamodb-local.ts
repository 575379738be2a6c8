/**
 * DynamoDB Local, AWS's own emulator (the jar shipped in the npm package
 * `amplify-dynamodb-simulator`), as a second DynamoDB backend. dynalite is a
 * reimplementation; tests of conditional writes (the dedup claim) run
 * against DynamoDB Local too, so they check AWS's semantics, including
 * `ReturnValuesOnConditionCheckFailure`, which dynalite ignores.
 *
 * It needs Java 17+; without it the start fails with JavaUnavailableError,
 * which says what to install (tests that need it fail, never skip). It cannot bind an OS-assigned port (it never reports
 * the port back), so a free port is picked first and the start retried if
 * another process takes it in between. It has no bind-address option and
 * listens on all interfaces: a test and development tool only.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDynamoDbClient } from '../ops/target/local-clients.ts';

export interface DynamoDbLocalOptions {
  /** Java executable. Default: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH. */
  readonly java?: string;
  /** Default 30 s: a JVM start on a loaded 2-core CI runner can take several seconds. */
  readonly startTimeoutMs?: number;
  /** Pause between readiness probes. Default 100 ms. */
  readonly probeIntervalMs?: number;
  /** Starts on a port another process grabbed between pick and bind. Default 3. */
  readonly startAttempts?: number;
  /** Region of the readiness probe and of `endpoint` users. Default `us-east-1`. */
  readonly region?: string;
  /**
   * JVM options before `-jar`. Default `['-XX:TieredStopAtLevel=1']`: the
   * quick (C1) compiler only, which starts it on about half the CPU
   * (measured: 2.0 s of CPU against 3.6 s) and the test suite starts it
   * about fifteen times; a long run at full load (the benchmark's rig) gains
   * from the default JIT, `[]`.
   */
  readonly jvmOptions?: readonly string[];
}

export const DYNAMODB_LOCAL_DEFAULTS = {
  java: process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java',
  startTimeoutMs: 30_000,
  probeIntervalMs: 100,
  startAttempts: 3,
  region: 'us-east-1',
  jvmOptions: ['-XX:TieredStopAtLevel=1'],
} as const satisfies Required<DynamoDbLocalOptions>;

/** Milliseconds `stop()` waits for the JVM to exit on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/** Output kept for error messages (the tail of the JVM's stdout and stderr). */
const OUTPUT_TAIL_CHARS = 4_000;

export class DynamoDbLocalStartError extends Error {
  override readonly name: string = 'DynamoDbLocalStartError';
}

/** The Java executable could not be run. */
export class JavaUnavailableError extends DynamoDbLocalStartError {
  readonly java: string;
  override readonly name = 'JavaUnavailableError';
  constructor(java: string, cause: Error) {
    super(
      `DynamoDB Local needs Java 17+ and "${java}" could not be run (${cause.message}): ` +
        'install a Java runtime (Debian: apt-get install default-jre-headless) or set JAVA_HOME',
      { cause },
    );
    this.java = java;
  }
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly region: string;
  /** Milliseconds from spawn to the first answered ListTables. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** Directory holding DynamoDBLocal.jar and its DynamoDBLocal_lib (native SQLite libraries). */
export function dynamoDbLocalDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

export function dynamoDbLocalCommand(
  java: string,
  port: number,
  jvmOptions: readonly string[],
): { command: string; args: string[]; cwd: string } {
  const directory = dynamoDbLocalDirectory();
  return {
    command: java,
    args: [
      ...jvmOptions,
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(directory, 'DynamoDBLocal.jar'),
      '-inMemory',
      // One database for every credential and region, so an ops CLI with other credentials sees the same tables.
      '-sharedDb',
      // Since 1.24 it phones home by default.
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    cwd: directory,
  };
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const settings = { ...DYNAMODB_LOCAL_DEFAULTS, ...options };
  let lastError: unknown;
  for (let attempt = 1; attempt <= settings.startAttempts; attempt++) {
    try {
      return await startOnce(settings, await freePort());
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) throw error;
    }
  }
  throw new DynamoDbLocalStartError(`no free port after ${settings.startAttempts} attempts`, { cause: lastError });
}

class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
}

async function startOnce(settings: Required<DynamoDbLocalOptions>, port: number): Promise<DynamoDbLocal> {
  const { command, args, cwd } = dynamoDbLocalCommand(settings.java, port, settings.jvmOptions);
  const startedAt = Date.now();
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let exited: string | undefined;
  let spawnError: Error | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
    process.off('exit', killOnExit);
  });
  child.once('error', (error) => {
    spawnError = error;
    process.off('exit', killOnExit);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoDbClient(endpoint, settings.region, { maxAttempts: 1 });
  try {
    for (;;) {
      if (spawnError) throw new JavaUnavailableError(command, spawnError);
      if (exited) {
        if (/address already in use/i.test(output)) throw new PortTakenError(`port ${port} was taken`);
        throw new DynamoDbLocalStartError(`DynamoDB Local ${exited}: ${command} ${args.join(' ')}\n${output}`);
      }
      if (Date.now() - startedAt > settings.startTimeoutMs) {
        await stopProcess(child);
        throw new DynamoDbLocalStartError(`DynamoDB Local did not answer within ${settings.startTimeoutMs} ms on ${endpoint}\n${output}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        await sleep(settings.probeIntervalMs);
      }
    }
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    region: settings.region,
    startupMs: Date.now() - startedAt,
    stop: () => stopProcess(child),
  };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exit;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
