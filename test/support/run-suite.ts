/**
 * `npm test`'s runner: Node's test runner over every test file, seven at a
 * time, with the longest files started first. `node --test` starts files in
 * alphabetical order, so a long file late in the alphabet (the npm start
 * test, the tenant floods) started when most of the suite was done and ran on
 * alone: the run's tail. Started first, the long files overlap each other and
 * the short ones fill the slots beside them.
 *
 * `npm test -- <files or globs>` runs only those, in the same order.
 * Prints the spec reporter's output, then the timing reporter's.
 */
import { globSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import timingReporter from './timing-reporter.ts';

/** Files at once: each starts its own servers on ports the OS picks, and most of a file's time is waiting. */
const CONCURRENCY = 7;
const ALL_FILES = 'test/**/*.test.ts';
/**
 * The files that take over 40 s of a suite run, longest first, as the timing reporter's "slowest files"
 * printed them (suite run of 2026-12-02 on the 2-core machine). A file renamed or removed must leave
 * this list too: the runner refuses a name it does not find.
 */
const LONGEST_FIRST = [
  'test/incidents/004-tenant-flood.dynamodb-local.test.ts',
  'test/incidents/004-tenant-flood.dynalite.test.ts',
  'test/adoption/adoption.test.ts',
  'test/dashboard/demo.test.ts',
  'test/cdk/template.test.ts',
  'test/incidents/001-poison-task.dynamodb-local.test.ts',
  'test/ops/cli.test.ts',
  'test/incidents/004-flood.test.ts',
  'test/ops/task.test.ts',
  'test/incidents/001-poison-task.dynalite.test.ts',
  'test/start/npm-start.test.ts',
  'test/incidents/fault-dynamodb-outage.test.ts',
  'test/incidents/fault-batched-claims.test.ts',
  'test/ops/cli-rough-edges.test.ts',
];

/** Stops before any test runs: a usage problem, not a failing test. */
function refuse(problem: string): never {
  console.error(`run-suite: ${problem}`);
  process.exit(2);
}

/** `files`, the longest first, then the rest in alphabetical order. */
function longestFirst(files: readonly string[]): string[] {
  const missing = LONGEST_FIRST.filter((file) => !globSync(file).length);
  if (missing.length) refuse(`LONGEST_FIRST lists files that do not exist: ${missing.join(', ')}`);
  const first = LONGEST_FIRST.filter((file) => files.includes(file));
  return [...first, ...files.filter((file) => !first.includes(file)).sort()];
}

const patterns = process.argv.slice(2);
const files = longestFirst([...new Set((patterns.length ? patterns : [ALL_FILES]).flatMap((pattern) => globSync(pattern)))]);
if (!files.length) refuse(`no test file matches ${patterns.join(' ')}`);

const events = run({ files, concurrency: CONCURRENCY });
events.on('test:summary', (summary) => {
  // The summary without a file closes the run.
  if (summary.file === undefined && !summary.success) process.exitCode = 1;
});
const forTiming = new PassThrough({ objectMode: true });
events.pipe(forTiming);
const timing = Readable.from(timingReporter(forTiming)).toArray();
const report = events.compose(new spec());
report.pipe(process.stdout, { end: false });
await finished(report);
process.stdout.write((await timing).join(''));
