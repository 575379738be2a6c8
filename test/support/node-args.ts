/**
 * How a test starts another Node process on this repo's TypeScript: Node's own type stripping (the tree
 * is erasable TypeScript only, tsconfig's `erasableSyntaxOnly`), and tasklanes from its source
 * (package.json's `tasklanes-source` condition). No tsx: its loader cost about 0.4 s of CPU per process
 * started, and the suite starts over a hundred.
 */
export const TS_NODE_ARGS = ['--conditions=tasklanes-source'] as const;
