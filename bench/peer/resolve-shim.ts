/**
 * Points `@aws-sdk/util-dynamodb` at peer/util-dynamodb-shim.ts in this
 * process (see there why). Must be imported before anything that imports
 * Powertools idempotency is even resolved, so run.ts loads the rest of the
 * bench dynamically after it. The bundles get the same mapping as an
 * esbuild alias (bundle.ts).
 */
import { registerHooks } from 'node:module';

export const MISSING_PEER_DEPENDENCY = '@aws-sdk/util-dynamodb';
export const SHIM_PATH = new URL('./util-dynamodb-shim.ts', import.meta.url);

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === MISSING_PEER_DEPENDENCY) return { url: SHIM_PATH.href, shortCircuit: true };
    return nextResolve(specifier, context);
  },
});
