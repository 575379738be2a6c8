/**
 * The source map is a choice (ConsumerOptions.sourceMap, default true): with
 * it, the asset carries index.mjs.map and the consumer runs with
 * --enable-source-maps; without it, neither. An app's own bundling.sourceMap wins.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_OPTIONS } from '../../src/cdk/options.ts';
import { resource, synthesize, type Synthesized } from './support.ts';

/** What the first lane's consumer gets: its environment's NODE_OPTIONS and the files of its code asset. */
function consumerOf({ app, stack, template }: Synthesized) {
  const fn = resource(template, stack.tasklanes.lanes[0]!.consumer).Properties;
  const hash = (fn.Code.S3Key as string).replace(/\.zip$/, '');
  return {
    nodeOptions: fn.Environment.Variables.NODE_OPTIONS as string | undefined,
    files: readdirSync(join(app.synth().directory, `asset.${hash}`)).sort(),
  };
}

test('by default the map is shipped and used: readable stacks', () => {
  assert.equal(DEFAULT_OPTIONS.consumer.sourceMap, true);
  assert.deepEqual(consumerOf(synthesize({}, undefined, { bundle: true })), {
    nodeOptions: '--enable-source-maps',
    files: ['index.mjs', 'index.mjs.map'],
  });
});

test('consumer.sourceMap false: no map in the asset, no --enable-source-maps', () => {
  assert.deepEqual(consumerOf(synthesize({ consumer: { sourceMap: false } }, undefined, { bundle: true })), {
    nodeOptions: undefined,
    files: ['index.mjs'],
  });
});

test("an app's bundling.sourceMap decides over the option, for the runtime flag too", () => {
  const off = synthesize({ bundling: { esbuildArgs: { '--conditions': 'tasklanes-source,module' }, sourceMap: false } }, undefined, {
    bundle: true,
  });
  assert.deepEqual(consumerOf(off), { nodeOptions: undefined, files: ['index.mjs'] });
});
