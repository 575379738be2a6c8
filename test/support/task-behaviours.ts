/**
 * Handler behaviours shared by the test definitions (test-definition.ts and
 * the incident suite's definition): each run is recorded in the execution
 * log, and a behaviour does what a scenario needs (wait for a gate, spin the
 * CPU, kill its thread or process). Kept apart from any definition so a
 * worker entry can import them without serving a second definition.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskContext } from '../../src/definition/types.ts';
import { recordExecution } from './execution-log.ts';

/** How often a gated handler looks for its gate file. */
const GATE_POLL_MS = 20;

/** Wraps a test behaviour so every run is recorded as started and, if it returns, completed. */
export function recorded<P>(behaviour: (payload: P, context: TaskContext) => Promise<unknown> | unknown) {
  return async (payload: P, context: TaskContext) => {
    const base = { id: context.envelope.id, type: context.envelope.type, tenant: context.envelope.tenant, attempt: context.attempt };
    recordExecution({ ...base, phase: 'started' });
    const result = await behaviour(payload, context);
    recordExecution({ ...base, phase: 'completed' });
    return result;
  };
}

/** CPU-bound on purpose: no await, no signal check; only a hard stop ends it early. */
export function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spinning
  }
}

/** Runs until the gate file exists: "still running" for as long as a test needs. Honours the signal. */
export async function waitForGate(gate: string, context: TaskContext): Promise<void> {
  while (!existsSync(gate)) await sleep(GATE_POLL_MS, undefined, { signal: context.signal });
}

/** The process dies mid-task, as a Lambda runtime killed by OOM would: its dedup claim is never released. */
export function killOwnProcess(): void {
  process.kill(process.pid, 'SIGKILL');
}

/** A gate for `waitForGate`: a path in a fresh directory, opened by creating the file. */
export function createGate(): { readonly path: string; open(): void } {
  const path = join(mkdtempSync(join(tmpdir(), 'tasklanes-gate-')), 'open');
  return { path, open: () => writeFileSync(path, '') };
}
