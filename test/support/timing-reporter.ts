/**
 * A node:test reporter that prints, after the spec output, where the suite's
 * time went: each folder's files, their summed and longest durations, the
 * slowest files, and the run's wall time. The suite runs files in parallel,
 * so the folders' sums add up to more than the wall time; the longest file
 * is the floor no concurrency can go under.
 */
import { relative } from 'node:path';

/** How many of the slowest files to name. */
const SLOWEST_FILES = 8;

interface FileTime {
  readonly file: string;
  readonly ms: number;
}

interface TestEvent {
  readonly type: string;
  readonly data: { readonly file?: string; readonly duration_ms?: number };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export default async function* timingReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const started = Date.now();
  const files: FileTime[] = [];
  for await (const event of source) {
    // A summary with a file closes that file's process; the last one, without, the run.
    if (event.type === 'test:summary' && event.data.file && event.data.duration_ms !== undefined) {
      files.push({ file: relative(process.cwd(), event.data.file), ms: event.data.duration_ms });
    }
  }
  const folders = new Map<string, FileTime[]>();
  for (const time of files) {
    const folder = time.file.split('/').slice(0, 2).join('/');
    folders.set(folder, [...(folders.get(folder) ?? []), time]);
  }
  const lines = ['', 'time per folder (files run in parallel, so the sums exceed the wall time):'];
  for (const [folder, times] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    const sum = times.reduce((total, time) => total + time.ms, 0);
    const longest = Math.max(...times.map((time) => time.ms));
    lines.push(
      `  ${folder.padEnd(18)} ${String(times.length).padStart(3)} files  ${seconds(sum).padStart(8)}  longest ${seconds(longest)}`,
    );
  }
  lines.push('slowest files:');
  for (const time of [...files].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST_FILES)) {
    lines.push(`  ${seconds(time.ms).padStart(8)}  ${time.file}`);
  }
  lines.push(`suite wall time: ${seconds(Date.now() - started)} (${files.length} files)`, '');
  yield lines.join('\n');
}
