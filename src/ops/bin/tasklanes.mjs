#!/usr/bin/env node
// `npx tasklanes`: registers tsx's ESM loader (the CLI is TypeScript, run from source) and runs ops/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../cli/cli.ts');
process.exitCode = await main(process.argv.slice(2));
