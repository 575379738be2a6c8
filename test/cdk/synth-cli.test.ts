/**
 * The real `cdk synth`, once, the way a fresh clone runs it: no AWS
 * credentials or profile, no telemetry, no context lookups. Reports the
 * bundled handler sizes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { definition } from '../../demo/definition.ts';
import { ENV } from '../../src/definition/environment.ts';
import { LOCAL_CREDENTIALS } from '../../src/ops/target/local-clients.ts';
import { startLocalStack } from '../../src/local/stack.ts';
import { drainDeadLetters } from '../support/dlq.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The bundle is parsed on every cold start. Today it is about 300 KB
 * (mostly the SDK clients); 2 MB flags an accidental heavy import such as
 * aws-cdk-lib (tens of MB) long before Lambda's 250 MB limit would.
 */
const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

const out = mkdtempSync(join(tmpdir(), 'tasklanes-synth-'));
/** Set by the synth test; the bundle test runs what it produced. */
let synthesizedBundle: string | undefined;
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
  synthesizedBundle = join(assembly, assets[0]!, 'index.mjs');
  assert.equal(assets.length, 1, `one bundle serves all ${definition.lanes.length} lanes`);
  for (const asset of assets) {
    for (const file of readdirSync(join(assembly, asset)))
      t.diagnostic(`${asset}/${file}: ${statSync(join(assembly, asset, file)).size} bytes`);
    const bundle = join(assembly, asset, 'index.mjs');
    const size = statSync(bundle).size;
    assert.ok(size < MAX_BUNDLE_BYTES, `${size} bytes`);
    assert.ok(!readFileSync(bundle, 'utf8').includes('aws-cdk-lib'), 'the Lambda bundle must never import aws-cdk-lib');
    const sources: string[] = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')).sources;
    assert.deepEqual(
      sources.filter((source) => /aws-cdk-lib|constructs|cdk-nag/.test(source)),
      [],
    );
    // Issue 17: only the credentials a Lambda function has (src/runtime/lambda-credentials.ts, by the stack's
    // alias), and of zod only what zod/mini schemas use (the envelope's, and the demo's payloads).
    assert.deepEqual(
      sources.filter((source) => /@aws-sdk\/(credential-provider-node|nested-clients)\/|zod\/v4\/classic\//.test(source)),
      [],
    );
  }
});

test('the synthesized bundle consumes a batch on local servers, in its worker threads too', async (t) => {
  assert.ok(synthesizedBundle, 'the synth test ran first and produced a bundle');
  const stack = await startLocalStack({ definition, stateFile: false });
  t.after(() => stack.stop());
  const bulk = stack.resources.lanes.bulk!;
  const task = {
    v: 1,
    id: 'bundle-smoke-1',
    type: 'pdf.render',
    tenant: 'acme',
    createdAt: new Date().toISOString(),
    payload: { documentId: 'd', pages: 1 },
  };
  const record = (messageId: string, body: string) => ({
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: bulk.queueArn,
    awsRegion: stack.servers.region,
  });
  const event = { Records: [record('m-1', JSON.stringify(task)), record('m-2', '{not json')] };
  // The bundle runs as Lambda runs it: configured only by environment variables.
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(synthesizedBundle).href)});
    const context = { awsRequestId: 'r-1', functionName: 'bulk', getRemainingTimeInMillis: () => 60000 };
    const result = await handler(JSON.parse(process.env.EVENT), context);
    console.log('RESULT ' + JSON.stringify(result));
    process.exit(0);
  `;
  // A file, not --eval: worker threads inherit the process's flags, and --input-type is not valid for them.
  const runner = join(out, 'invoke-bundle.mjs');
  writeFileSync(runner, script);
  const { stdout } = await promisify(execFile)(process.execPath, [runner], {
    env: {
      PATH: process.env.PATH,
      EVENT: JSON.stringify(event),
      [ENV.lane]: 'bulk',
      [ENV.dlqUrl]: bulk.dlqUrl,
      [ENV.dedupTable]: stack.resources.dedupTable,
      AWS_REGION: stack.servers.region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: stack.servers.sqsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stack.servers.dynamodbEndpoint,
    },
  });
  const lines = stdout.trim().split('\n');
  assert.deepEqual(JSON.parse(lines.find((line) => line.startsWith('RESULT '))!.slice('RESULT '.length)), { batchItemFailures: [] });
  // The consumer writes every log line, whatever its level, and every EMF document to stdout, as Lambda ships it.
  const logs = lines.filter((line) => line.startsWith('{"level"')).map((line) => JSON.parse(line));
  // A batch's successes share one line, an entry each (src/definition/success-line.ts); every other outcome has its own.
  const outcomes = logs.flatMap((log) =>
    log.message === 'tasks succeeded'
      ? log.succeeded.map((entry: { type: string }) => [entry.type, 'succeeded'])
      : [[log.type, log.outcome]],
  );
  assert.deepEqual(outcomes.sort(), [
    ['pdf.render', 'succeeded'],
    ['unknown', 'deadLettered'],
  ]);
  assert.ok(
    lines.some((line) => line.includes('"TaskSucceeded"') && line.includes('"_aws"')),
    'EMF metrics on stdout',
  );
  const done = await stack.clients.dynamodb.send(
    new GetItemCommand({ TableName: stack.resources.dedupTable, Key: { pk: { S: 'acme#pdf.render#bundle-smoke-1' } } }),
  );
  assert.equal(done.Item?.status?.S, 'done');
  const letters = await drainDeadLetters(stack.clients.sqs, bulk.dlqUrl);
  assert.deepEqual(
    letters.map((l) => [l.body, l.reason]),
    [['{not json', 'invalid']],
  );
});
