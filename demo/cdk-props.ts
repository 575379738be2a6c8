/**
 * The demo deployment's stack props: its definition and Lambda entry, as an
 * app passes its own. One thing only this repo needs: esbuild takes
 * tasklanes from its source here (the `tasklanes-source` export condition),
 * where an app's bundle takes the built package.
 */
import { fileURLToPath } from 'node:url';
import type { TasklanesStackProps } from 'tasklanes/cdk';
import { definition } from './definition.ts';

export const DEMO_STACK_PROPS = {
  definition,
  handlerEntry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
  // esbuild drops its default `module` condition once any is given: named again, or the SDK's larger CommonJS builds come in.
  bundling: { esbuildArgs: { '--conditions': 'tasklanes-source,module' } },
} satisfies Partial<TasklanesStackProps>;
