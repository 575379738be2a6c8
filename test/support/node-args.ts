/**
 * How a test starts another Node process on this repo's TypeScript: tsx, and tasklanes from its source (package.json's `tasklanes-source` condition).
 * tsx by URL: some children (npm start in a temporary directory) run where `tsx` does not resolve.
 */
export const TS_NODE_ARGS = ['--conditions=tasklanes-source', '--import', import.meta.resolve('tsx')] as const;
