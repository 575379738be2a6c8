/**
 * The real `cdk synth`, once, the way a fresh clone runs it: no AWS
 * credentials or profile, no telemetry, no context lookups. Reports the
 * bundled handler sizes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { definition } from '../../functions/definition/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The bundle is parsed on every cold start. Today it is well under 1 MB
 * (the SDK clients and zod); 2 MB flags an accidental heavy import such as
 * aws-cdk-lib (tens of MB) long before Lambda's 250 MB limit would.
 */
const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

const out = mkdtempSync(join(tmpdir(), 'tasklanes-synth-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** The environment without any AWS credential, profile or config: synth must not need them. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('CDK_')));
  return {
    ...env,
    AWS_CONFIG_FILE: join(out, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(out, 'no-credentials'),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

test('cdk synth succeeds offline, bundles the handler once, small and without aws-cdk-lib', async (t) => {
  const started = Date.now();
  const { stderr } = await promisify(execFile)('npx', ['cdk', 'synth', '--no-notices', '-q', '-o', join(out, 'cdk.out')], {
    cwd: ROOT,
    env: offlineEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  t.diagnostic(`cdk synth took ${Date.now() - started} ms`);
  const assembly = join(out, 'cdk.out');
  assert.ok(existsSync(join(assembly, 'Tasklanes.template.json')), stderr);
  assert.ok(!existsSync(join(ROOT, 'cdk.context.json')), 'no context lookups were cached');

  const manifest = JSON.parse(readFileSync(join(assembly, 'manifest.json'), 'utf8'));
  assert.equal(manifest.missing, undefined, 'no context lookups requested');
  assert.equal(manifest.artifacts.Tasklanes.environment, 'aws://unknown-account/unknown-region', 'environment-agnostic');

  const assets = readdirSync(assembly).filter((name) => name.startsWith('asset.'));
  assert.equal(assets.length, 1, `one bundle serves all ${definition.lanes.length} lanes`);
  for (const asset of assets) {
    for (const file of readdirSync(join(assembly, asset))) t.diagnostic(`${asset}/${file}: ${statSync(join(assembly, asset, file)).size} bytes`);
    const bundle = join(assembly, asset, 'index.mjs');
    const size = statSync(bundle).size;
    assert.ok(size < MAX_BUNDLE_BYTES, `${size} bytes`);
    assert.ok(!readFileSync(bundle, 'utf8').includes('aws-cdk-lib'), 'the Lambda bundle must never import aws-cdk-lib');
    const sources: string[] = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')).sources;
    assert.deepEqual(sources.filter((source) => /aws-cdk-lib|constructs|cdk-nag/.test(source)), []);
  }
});
