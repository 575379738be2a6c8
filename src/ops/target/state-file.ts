/**
 * The local stack's state file: how an ops CLI started in another process
 * finds the running local stack (endpoints, queue URLs, table), so that it
 * targets local by default while a local stack runs. The file names the
 * writing process; a file left behind by a killed process is ignored. It
 * holds the control token, so it is created readable by its owner only, and
 * a reader refuses a file that others can read or write.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OpsError } from '../errors.ts';
import type { ControlAccess } from './control-client.ts';
import type { LocalEndpoints } from './local-clients.ts';
import type { ProvisionedResources } from './target.ts';

/** Relative to the working directory; `.tasklanes/` is gitignored. */
export const DEFAULT_STATE_FILE = '.tasklanes/local.json';

/** 2: the control API's URL and token as `control` (1 had `controlUrl` and no token). */
export const STATE_FILE_VERSION = 2;

/** Owner read and write: the file holds the control token. */
export const STATE_FILE_MODE = 0o600;
/** A directory created for the state file: its owner's only. */
const STATE_DIRECTORY_MODE = 0o700;
/** Bits that let other users (group or others) read or write the file. */
const OTHERS_ACCESS = 0o077;
const WORLD_WRITABLE = 0o002;

export interface LocalStackState extends LocalEndpoints, ProvisionedResources {
  readonly version: typeof STATE_FILE_VERSION;
  /** Process running the local stack. */
  readonly pid: number;
  readonly startedAt: string;
  /** The dashboard's control API (pause/resume, queue stats) and its token, added once `npm start` serves it. */
  readonly control?: ControlAccess;
  /** Each lane's task types, so the CLI can refuse a type the lane does not have. Absent in files of tasklanes 0.2.0. */
  readonly taskTypes?: Readonly<Record<string, readonly string[]>>;
}

export class StateFileError extends OpsError {
  override readonly name: string = 'StateFileError';
}

/** The file can be read or written by other users: they could have its control token, or have changed it. */
export class StateFileModeError extends StateFileError {
  readonly path: string;
  readonly mode: number;
  override readonly name = 'StateFileModeError';
  constructor(path: string, mode: number) {
    super(
      `${path} is open to other users (mode ${octal(mode)}, expected ${octal(STATE_FILE_MODE)}): it holds the local stack's control token; ` +
        `\`chmod ${octal(STATE_FILE_MODE)} ${path}\` if you trust its content, or stop the local run (\`tasklanes dev\`, \`npm start\`) and start it again (it writes the file ${octal(STATE_FILE_MODE)})`,
    );
    this.path = path;
    this.mode = mode;
  }
}

/** The state file's directory is writable by every user, who could replace the file. */
export class StateDirectoryModeError extends StateFileError {
  readonly directory: string;
  readonly mode: number;
  override readonly name = 'StateDirectoryModeError';
  constructor(directory: string, mode: number) {
    super(`${directory} is writable by every user (mode ${octal(mode)}): put the state file in a directory of your own (--state-file)`);
    this.directory = directory;
    this.mode = mode;
  }
}

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/** Windows reports 0666 for every file (access there is by ACL, the user's profile is private): the mode says nothing. */
const MODES_MEAN_ACCESS = process.platform !== 'win32';

/**
 * Written to a temporary file and renamed, so a reader never sees half a
 * file. The temporary file is created 0600 and exclusively (never through a
 * link someone left in its place); a directory writable by every user is
 * refused.
 */
export async function writeStateFile(path: string, state: LocalStackState): Promise<void> {
  const target = resolve(path);
  const directory = dirname(target);
  await mkdir(directory, { recursive: true, mode: STATE_DIRECTORY_MODE });
  const { mode } = await stat(directory);
  if (MODES_MEAN_ACCESS && (mode & WORLD_WRITABLE) !== 0) throw new StateDirectoryModeError(directory, mode);
  const temporary = `${target}.${process.pid}.tmp`;
  // One left by a crashed run with this pid would make the exclusive create fail.
  await rm(temporary, { force: true });
  const file = await open(temporary, 'wx', STATE_FILE_MODE);
  try {
    await file.writeFile(`${JSON.stringify(state, null, 2)}\n`);
  } finally {
    await file.close();
  }
  await rename(temporary, target);
}

export async function removeStateFile(path: string): Promise<void> {
  await rm(resolve(path), { force: true });
}

/**
 * The running local stack's state, or undefined when none runs (no file, or
 * its process is gone, whatever the file's version or mode). Throws
 * StateFileModeError for a live stack's file that other users can read or write.
 */
export async function readStateFile(path: string = DEFAULT_STATE_FILE): Promise<LocalStackState | undefined> {
  let text: string;
  let mode: number;
  try {
    // Mode and content from one open file: no swap between the check and the read.
    const file = await open(resolve(path), 'r');
    try {
      mode = (await file.stat()).mode;
      text = await file.readFile('utf8');
    } finally {
      await file.close();
    }
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
  if (!isAlive(state.pid)) return undefined;
  if (MODES_MEAN_ACCESS && (mode & OTHERS_ACCESS) !== 0) throw new StateFileModeError(path, mode);
  if (state.version !== STATE_FILE_VERSION) {
    throw new StateFileError(`${path} has version ${String(state.version)}; this tasklanes reads version ${STATE_FILE_VERSION}`);
  }
  return state;
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
