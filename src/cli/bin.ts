#!/usr/bin/env node
/** `tasklanes` on the PATH (`npx tasklanes`): the compiled CLI, run on the app's own Node. */
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2));
