/**
 * Where a drain's time goes: runs one throughput drain (default: tasklanes,
 * batch 10, DynamoDB Local) under the V8 CPU profiler of this process and
 * prints self time by package or project file. Not part of `npm run bench`;
 * run it as
 *   node_modules/.bin/node --conditions=tasklanes-source bench/profile.ts [tasklanes|peer|floor] [tasks]
 */
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export class ProfileArgumentError extends Error {
  override readonly name = 'ProfileArgumentError';
}

/** Rows printed per table. */
const TOP = 25;
const DEFAULT_TASKS = 3_000;

/** `node_modules/@smithy/core/...` -> `@smithy/core`; project files by path; V8's pseudo-frames as they are. */
function bucketOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'native'})`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + 'node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\/.*?\/main\//, '');
}

function summarize(profile: Profile): { byBucket: Map<string, number>; byFunction: Map<string, number>; totalMs: number } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byBucket = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const { functionName, url } = nodes.get(id)!.callFrame;
    const bucket = bucketOf(url, functionName);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${bucket}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    totalMs += ms;
  });
  return { byBucket, byFunction, totalMs };
}

function print(title: string, entries: Map<string, number>, totalMs: number): void {
  console.log(`\n${title}`);
  for (const [name, ms] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${name}`);
  }
}

const [contenderArg = 'tasklanes', tasksArg = String(DEFAULT_TASKS)] = process.argv.slice(2);
const { CONTENDERS } = await import('./contenders.ts');
const contender = CONTENDERS.find((name) => name === contenderArg);
const tasks = Number(tasksArg);
if (!contender || !Number.isInteger(tasks) || tasks < 1) {
  throw new ProfileArgumentError(`usage: bench/profile.ts [${CONTENDERS.join('|')}] [tasks]; got ${contenderArg} ${tasksArg}`);
}
const { startRig } = await import('./rig.ts');
const { timedDrain } = await import('./drain.ts');
const { BENCH_DEFAULTS } = await import('./options.ts');

const rig = await startRig('dynamodb-local');
const session = new Session();
session.connect();
try {
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const result = await timedDrain(rig, {
    contender,
    tasks,
    batchSize: 10,
    duplicateShare: 0,
    duplicateDistance: BENCH_DEFAULTS.duplicateDistance,
    publishPath: 'tuned',
    concurrency: BENCH_DEFAULTS.concurrency,
    stallTimeoutMs: BENCH_DEFAULTS.stallTimeoutMs,
  });
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  const { byBucket, byFunction, totalMs } = summarize(profile);
  console.log(
    `${contender}: ${tasks} tasks published in ${(result.publishMs / 1000).toFixed(1)} s, drained in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.tasksPerSecond.toFixed(0)} tasks/s); profile covers both, ${totalMs.toFixed(0)} ms`,
  );
  print('self time by package / file', byBucket, totalMs);
  print('self time by function', byFunction, totalMs);
} finally {
  session.disconnect();
  await rig.stop();
}
