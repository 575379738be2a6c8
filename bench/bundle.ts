/**
 * Figure 3: each Lambda bundle's size and the time a fresh Node process
 * takes to import it (what the Lambda init phase pays before the first
 * event). tasklanes' entry is bundled with the stack's own options
 * (src/cdk/consumer-bundling.ts, translated to esbuild's API as CDK does);
 * the peer's entry with the same options.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type BuildOptions } from 'esbuild';
import { CONSUMER_BUNDLING, LAMBDA_CREDENTIALS_ALIAS } from '../src/cdk/consumer-bundling.ts';
import { DEFAULT_OPTIONS } from '../src/cdk/options.ts';
import { DEMO_STACK_PROPS } from '../demo/cdk-props.ts';
import { ENV } from '../src/definition/environment.ts';
import { median } from './stats.ts';

const run = promisify(execFile);

/** src/cdk/lane.ts deploys Runtime.NODEJS_24_X; CDK derives esbuild's target from it the same way. */
const LAMBDA_TARGET = 'node24';
const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));
const PEER_ENTRY = fileURLToPath(new URL('./peer/handler.ts', import.meta.url));
/** The Node the bench runs on (Node 24 from node_modules, like Lambda's runtime). */
const NODE = process.execPath;

export interface BundleFigure {
  readonly name: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** Median milliseconds to import the bundle in a fresh process. */
  readonly coldImportMs: number;
  readonly coldImportSamples: readonly number[];
}

export class ColdImportError extends Error {
  override readonly name = 'ColdImportError';
}

/** `lambdaCredentials`: the stack's credentials alias (CONSUMER_BUNDLING.esbuildArgs), tasklanes' own; the peer's stack would not have it. */
export function esbuildOptions(entry: string, outfile: string, lambdaCredentials = true): BuildOptions {
  const b = CONSUMER_BUNDLING;
  return {
    entryPoints: [entry],
    outfile,
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: LAMBDA_TARGET,
    format: b.format,
    banner: b.banner ? { js: b.banner } : undefined,
    mainFields: b.mainFields,
    // As demo/cdk-props.ts: tasklanes from its source in this repo.
    conditions: ['tasklanes-source', 'module'],
    minify: b.minify,
    // The stack's default (ConsumerOptions.sourceMap).
    sourcemap: DEFAULT_OPTIONS.consumer.sourceMap ? true : undefined,
    sourcesContent: b.sourcesContent,
    // bundleAwsSDK: the SDK goes into the bundle, as deployed.
    external: b.bundleAwsSDK ? [] : ['@aws-sdk/*'],
    alias: lambdaCredentials ? { ...LAMBDA_CREDENTIALS_ALIAS } : undefined,
    logLevel: 'silent',
  };
}

/** Environment the stack sets on a consumer, so the entry builds its consumer at import as on Lambda. */
export const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  [ENV.lane]: 'default',
  [ENV.dlqUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/tasklanes-default-dlq',
  [ENV.dedupTable]: 'tasklanes-dedup',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

async function coldImportMs(file: string): Promise<number> {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const { stdout } = await run(NODE, ['--input-type=module', '-e', script], { env: { ...process.env, ...LAMBDA_ENV } });
  const ms = Number(stdout);
  if (!Number.isFinite(ms)) throw new ColdImportError(`import of ${file} printed ${JSON.stringify(stdout)}`);
  return ms;
}

export async function measureBundles(runs: number, onProgress: (message: string) => void): Promise<BundleFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tasklanes-bench-'));
  try {
    const entries: Array<{ name: string; entry: string; lambdaCredentials: boolean }> = [
      { name: 'tasklanes (demo/handler.ts)', entry: DEMO_STACK_PROPS.handlerEntry, lambdaCredentials: true },
      { name: 'peer (bench/peer/handler.ts)', entry: PEER_ENTRY, lambdaCredentials: false },
    ];
    const bundles: Array<{ name: string; outfile: string; samples: number[] }> = [];
    for (const [index, { name, entry, lambdaCredentials }] of entries.entries()) {
      const outfile = join(dir, `bundle-${index}`, 'index.mjs');
      onProgress(`bundling ${name}`);
      await build(esbuildOptions(entry, outfile, lambdaCredentials));
      bundles.push({ name, outfile, samples: [] });
    }
    // The bundles' imports alternate, so a neighbour's burst lands on both alike.
    for (let n = 0; n < runs; n++) {
      onProgress(`cold import, both bundles: run ${n + 1}/${runs}`);
      for (const { outfile, samples } of bundles) samples.push(await coldImportMs(outfile));
    }
    const figures: BundleFigure[] = [];
    for (const { name, outfile, samples } of bundles) {
      figures.push({
        name,
        bytes: (await stat(outfile)).size,
        mapBytes: (await stat(`${outfile}.map`)).size,
        coldImportMs: median(samples),
        coldImportSamples: samples,
      });
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
