/**
 * What the consumer's source map costs (docs/deploy.md#source-maps): the
 * demo's entry bundled as the stack bundles it, with and without the map;
 * the size of the zip Lambda downloads (each file deflated); and, in fresh
 * processes with and without --enable-source-maps, the import time and the
 * time to format an error's stack thrown from inside the bundle's handler
 * (the first one, when Node parses the map, and the next ones). Medians of
 * REPEATS processes (default 15). Run on its own:
 * `node --conditions=tasklanes-source bench/source-map.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { esbuildOptions, LAMBDA_ENV } from './bundle.ts';
import { median } from './stats.ts';

const run = promisify(execFile);
const ENTRY = fileURLToPath(new URL('../demo/handler.ts', import.meta.url));
const REPEATS = Number(process.env.REPEATS ?? 15);
const env = { ...process.env, ...LAMBDA_ENV };

async function bundle(sourceMap: boolean) {
  const dir = await mkdtemp(join(tmpdir(), `tl-map-${sourceMap}-`));
  const outfile = join(dir, 'index.mjs');
  // The stack's bundling, with the map on or off (ConsumerOptions.sourceMap).
  await build({ ...esbuildOptions(ENTRY, outfile), sourcemap: sourceMap ? true : undefined });
  // The zip Lambda gets: each file deflated (as CDK's asset zip does).
  const files = sourceMap ? ['index.mjs', 'index.mjs.map'] : ['index.mjs'];
  let zipped = 0;
  let raw = 0;
  for (const f of files) {
    const data = await readFile(join(dir, f));
    raw += data.length;
    zipped += deflateRawSync(data, { level: 9 }).length;
  }
  return { dir, outfile, raw, zipped };
}

const PROBE = `
const t0 = performance.now();
const { handler } = await import(process.argv[2]);
const loadMs = performance.now() - t0;
const fail = async () => { try { await handler(undefined, { awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 }); } catch (e) { return e; } };
const e1 = await fail(); let t = performance.now(); const s1 = e1.stack; const firstMs = performance.now() - t;
let total = 0; const n = 100; for (let i = 0; i < n; i++) { const e = await fail(); t = performance.now(); void e.stack; total += performance.now() - t; }
process.stdout.write(JSON.stringify({ loadMs, firstMs, nextMs: total / n, frame: s1.split('\\n')[1].trim() }));`;

for (const sourceMap of [true, false]) {
  const built = await bundle(sourceMap);
  const probe = join(built.dir, 'probe.mjs');
  await writeFile(probe, PROBE);
  const samples = [];
  for (let i = 0; i < REPEATS; i++) {
    const { stdout } = await run(
      process.execPath,
      [...(sourceMap ? ['--enable-source-maps'] : []), probe, pathToFileURL(built.outfile).href],
      { env },
    );
    samples.push(JSON.parse(stdout));
  }
  console.log(
    JSON.stringify({
      sourceMap,
      rawBytes: built.raw,
      bundleBytes: (await stat(built.outfile)).size,
      zipBytes: built.zipped,
      loadMs: +median(samples.map((s) => s.loadMs)).toFixed(1),
      firstStackMs: +median(samples.map((s) => s.firstMs)).toFixed(2),
      nextStackMs: +median(samples.map((s) => s.nextMs)).toFixed(3),
      frame: samples[0].frame,
      repeats: REPEATS,
    }),
  );
}
