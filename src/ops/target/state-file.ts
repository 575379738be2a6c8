/**
 * The local stack's state file: how an ops CLI started in another process
 * finds the running local stack (endpoints, queue URLs, table), so that it
 * targets local by default while a local stack runs. The file names the
 * writing process; a file left behind by a killed process is ignored.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OpsError } from '../errors.ts';
import type { LocalEndpoints } from './local-clients.ts';
import type { ProvisionedResources } from './target.ts';

/** Relative to the working directory; `.tasklanes/` is gitignored. */
export const DEFAULT_STATE_FILE = '.tasklanes/local.json';

export const STATE_FILE_VERSION = 1;

export interface LocalStackState extends LocalEndpoints, ProvisionedResources {
  readonly version: typeof STATE_FILE_VERSION;
  /** Process running the local stack. */
  readonly pid: number;
  readonly startedAt: string;
  /** Base URL of the dashboard's control API (pause/resume, queue stats), added once `npm start` serves it. */
  readonly controlUrl?: string;
}

export class StateFileError extends OpsError {
  override readonly name = 'StateFileError';
}

/** Written to a temporary file and renamed, so a reader never sees half a file. */
export async function writeStateFile(path: string, state: LocalStackState): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, target);
}

export async function removeStateFile(path: string): Promise<void> {
  await rm(resolve(path), { force: true });
}

/** The running local stack's state, or undefined when none runs (no file, or its process is gone). */
export async function readStateFile(path: string = DEFAULT_STATE_FILE): Promise<LocalStackState | undefined> {
  let text: string;
  try {
    text = await readFile(resolve(path), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: LocalStackState;
  try {
    state = JSON.parse(text) as LocalStackState;
  } catch (error) {
    throw new StateFileError(`${path} is not valid JSON`, { cause: error });
  }
  if (state.version !== STATE_FILE_VERSION) {
    throw new StateFileError(`${path} has version ${String(state.version)}; this tasklanes reads version ${STATE_FILE_VERSION}`);
  }
  return isAlive(state.pid) ? state : undefined;
}

function isAlive(pid: number): boolean {
  try {
    // Signal 0 checks existence without signalling.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
