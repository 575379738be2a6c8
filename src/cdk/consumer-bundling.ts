/**
 * How the app's consumer entry is bundled: locally by the app's esbuild
 * (no Docker), as one minified ESM file with the AWS SDK inside.
 */
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Where the consumer's code comes from: the app's entry file, and how to bundle it. */
export interface ConsumerCode {
  readonly entry: string;
  readonly projectRoot?: string;
  readonly depsLockFilePath?: string;
  /** Merged over CONSUMER_BUNDLING. */
  readonly bundling?: BundlingOptions;
}

/**
 * The SDK clients' default credential chain, replaced in the bundle by the
 * credentials a Lambda function has (src/runtime/lambda-credentials.ts,
 * about 130 KB less). A package path, resolved from the project root, so it
 * finds the installed tasklanes (or this repo's source) in a Docker build too.
 */
export const LAMBDA_CREDENTIALS_ALIAS = { '@aws-sdk/credential-provider-node': 'tasklanes/lambda-credentials' } as const;

export const CONSUMER_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  // Some CommonJS dependencies call require() for Node built-ins, which an ESM
  // bundle lacks; aliased so it cannot clash with a bundled `createRequire`.
  banner:
    "import { createRequire as __tasklanesCreateRequire } from 'node:module'; const require = __tasklanesCreateRequire(import.meta.url);",
  // Prefer the ES module builds of dependencies (the SDK ships both), which esbuild tree-shakes better.
  mainFields: ['module', 'main'],
  minify: true,
  // Whether a source map goes with it is ConsumerOptions.sourceMap (options.ts); without the sources, it only maps positions.
  sourcesContent: false,
  // The bundle carries the SDK version we tested with instead of whatever the
  // runtime ships that month; it costs a few hundred KB of cold start.
  bundleAwsSDK: true,
  // An app's own esbuildArgs are merged over these (lane.ts); its own --alias replaces this one.
  esbuildArgs: { '--alias': Object.entries(LAMBDA_CREDENTIALS_ALIAS).map(([from, to]) => `${from}=${to}`) },
};
