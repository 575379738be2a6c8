/**
 * `npm run bench`: maps the peer's missing module first (peer/resolve-shim.ts),
 * then runs the benchmark (main.ts). The dynamic import is what lets the
 * mapping apply: static imports would be resolved before it exists.
 */
import './peer/resolve-shim.ts';

await import('./main.ts');
