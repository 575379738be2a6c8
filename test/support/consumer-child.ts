/**
 * The test's side of consumer-process.ts: spawns a lane consumer in a child
 * process (Node of this process, so Node 24 under `npm test`) and collects
 * the outcomes and EMF documents it printed, which survive its death.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { OutcomeEvent } from '../../src/runtime/outcome.ts';
import type { PollerTuning } from '../../src/local/poller.ts';
import type { LocalEndpoints } from '../../src/ops/target/local-clients.ts';
import type { ClaimWrite } from './claim-writes.ts';
import { isEmfLine } from './emf.ts';
import { TS_NODE_ARGS } from './node-args.ts';

const SCRIPT = fileURLToPath(new URL('./consumer-process.ts', import.meta.url));
/** Lines of stderr kept for the failure message of a test. */
const STDERR_KEPT = 20;

export interface ConsumerProcessConfig extends LocalEndpoints {
  /** File URL of the module exporting the definition (also the worker entry of isolated lanes). */
  readonly definitionModule: string;
  readonly definitionExport: string;
  readonly lane: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dedupTable: string;
  /** Added to the wall clock: a consumer started after a crash may run past the dead one's leases. */
  readonly clockOffsetMs: number;
  readonly tuning?: Partial<PollerTuning>;
}

/** Key of an outcome line on stdout: `{"tasklanesOutcome": OutcomeEvent}`. */
export const OUTCOME_LINE_KEY = 'tasklanesOutcome';
/** Key of a claim-write line on stdout: `{"tasklanesClaimWrite": ClaimWrite}`. */
export const CLAIM_WRITE_LINE_KEY = 'tasklanesClaimWrite';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ConsumerChild {
  readonly pid: number;
  /** Outcomes the child reported so far. */
  readonly events: readonly OutcomeEvent[];
  /** EMF documents the child wrote so far. */
  readonly emfLines: readonly string[];
  /** The claim requests its consumer sent so far. */
  readonly claimWrites: readonly ClaimWrite[];
  /** The child's last stderr lines. */
  readonly stderr: readonly string[];
  readonly exited: Promise<ChildExit>;
  /** Ends the child at once, as a crash would. */
  kill(): Promise<ChildExit>;
  /** Asks the child to stop cleanly (batches in flight finish). */
  stop(): Promise<ChildExit>;
}

export function spawnConsumerProcess(config: ConsumerProcessConfig): ConsumerChild {
  const child = spawn(process.execPath, [...TS_NODE_ARGS, SCRIPT, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  const events: OutcomeEvent[] = [];
  const emfLines: string[] = [];
  const claimWrites: ClaimWrite[] = [];
  const stderr: string[] = [];
  const output = createInterface({ input: child.stdout });
  const outputClosed = once(output, 'close');
  output.on('line', (line) => {
    if (line.startsWith(`{"${OUTCOME_LINE_KEY}":`)) events.push((JSON.parse(line) as Record<string, OutcomeEvent>)[OUTCOME_LINE_KEY]!);
    else if (line.startsWith(`{"${CLAIM_WRITE_LINE_KEY}":`))
      claimWrites.push((JSON.parse(line) as Record<string, ClaimWrite>)[CLAIM_WRITE_LINE_KEY]!);
    else if (isEmfLine(line)) emfLines.push(line);
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > STDERR_KEPT) stderr.shift();
  });
  // Resolves once the child is gone and everything it printed has been read.
  const exited = once(child, 'exit').then(async ([code, signal]) => {
    await outputClosed;
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return {
    pid: child.pid!,
    events,
    emfLines,
    claimWrites,
    stderr,
    exited,
    kill() {
      child.kill('SIGKILL');
      return exited;
    },
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
