/** How a test starts another Node process on this repo's TypeScript: tsx, and tasklanes from its source (package.json's `tasklanes-source` condition). */
export const TS_NODE_ARGS = ['--conditions=tasklanes-source', '--import', 'tsx'] as const;
