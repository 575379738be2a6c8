/**
 * How the consumer entry is bundled: locally by the esbuild devDependency
 * (no Docker), as one minified ESM file with the AWS SDK inside.
 */
import { fileURLToPath } from 'node:url';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The repository root: esbuild's working directory and the asset's source. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One entry for every lane; `ENV.lane` tells it which lane it consumes. */
export const DEFAULT_HANDLER_ENTRY = fileURLToPath(new URL('../../demo/handler.ts', import.meta.url));

export const DEPS_LOCK_FILE = fileURLToPath(new URL('../../package-lock.json', import.meta.url));

export const CONSUMER_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  // Some CommonJS dependencies call require() for Node built-ins, which an ESM
  // bundle lacks; aliased so it cannot clash with a bundled `createRequire`.
  banner: "import { createRequire as __tasklanesCreateRequire } from 'node:module'; const require = __tasklanesCreateRequire(import.meta.url);",
  // Prefer the ES module builds of dependencies (the SDK ships both), which esbuild tree-shakes better.
  mainFields: ['module', 'main'],
  minify: true,
  // Minified stack traces are unreadable; the map is a separate file that only costs asset size.
  sourceMap: true,
  sourcesContent: false,
  // The bundle carries the SDK version we tested with instead of whatever the
  // runtime ships that month; it costs a few hundred KB of cold start.
  bundleAwsSDK: true,
};
