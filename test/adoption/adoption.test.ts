/**
 * A team adopting tasklanes, as they would from their own repository: the
 * package as `npm pack` makes it, installed offline into a new app that
 * `tasklanes init` wrote in a folder outside this repo, with a task type of
 * the app's own added in its own file. The app typechecks and passes its own
 * tests, `cdk synth`s a stack whose bundle holds its tasks and no
 * aws-cdk-lib, and `tasklanes dev` runs its tasks: published with the
 * packaged publisher they succeed, and a raw message of an unknown type is
 * dead-lettered with its reason.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { offlineInstall } from './offline-install.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/**
 * The app's processes run as an app's would: without this repo's NODE_OPTIONS, without
 * telemetry, and outside this test run (with NODE_TEST_CONTEXT set, the app's own
 * `node --test` would report to this runner instead of printing).
 */
const APP_ENV: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };
delete APP_ENV.NODE_OPTIONS;
delete APP_ENV.NODE_TEST_CONTEXT;

/** What `tasklanes init` writes. */
const STARTER_FILES = [
  '.gitignore',
  'README.md',
  'bin/app.ts',
  'cdk.json',
  'package.json',
  'src/definition.ts',
  'src/handler.ts',
  'src/tasks/thumbnail-make.ts',
  'test/thumbnail.test.ts',
  'tsconfig.json',
];

const INVOICE_TASK = `import { defineTask } from 'tasklanes';
import { z } from 'zod';

export const invoiceSend = defineTask({
  type: 'invoice.send',
  lane: 'default',
  schema: z.object({ invoiceId: z.string(), cents: z.number().int() }),
  handler: async (payload) => ({ sent: payload.invoiceId }),
});
`;

const PUBLISH_SCRIPT = `import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Publisher } from 'tasklanes/publisher';
import type { PayloadsOf } from 'tasklanes';
import { definition, type TASK_TYPES } from '../src/definition.ts';

// The same code as on AWS: queue URLs and the SQS endpoint come from the environment (.tasklanes/local.env).
const publisher = new Publisher<PayloadsOf<typeof TASK_TYPES>>({ definition });
await publisher.publish('invoice.send', { invoiceId: 'inv-1', cents: 1200 }, { tenant: 'acme', id: 'adopt-invoice-1' });
await publisher.publish('thumbnail.make', { imageId: 'img-1', width: 64 }, { tenant: 'acme', id: 'adopt-thumb-1' });
await new SQSClient({}).send(new SendMessageCommand({
  QueueUrl: process.env.TASKLANES_QUEUE_URL_DEFAULT,
  MessageBody: JSON.stringify({ v: 1, id: 'adopt-unknown-1', type: 'no.such.type', tenant: 'acme', createdAt: new Date().toISOString(), payload: {} }),
}));
`;

let work: string;
let app: string;
let tarball: string;

async function inApp(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(command, args, { cwd: app, env: APP_ENV, maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`${command} ${args.join(' ')} failed in the app:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'tasklanes-adoption-'));
  app = join(work, 'thumbnails');
  const { stdout } = await run('npm', ['pack', '--pack-destination', work, '--silent'], {
    cwd: ROOT,
    env: APP_ENV,
    maxBuffer: 32 * 1024 * 1024,
  });
  tarball = join(work, stdout.trim().split('\n').at(-1)!);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('the tarball holds what an app needs, and not the tests, bench or docs screenshots', async () => {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  const files = stdout
    .trim()
    .split('\n')
    .map((line) => line.replace(/^package\//, ''));
  for (const entry of [
    'package.json',
    'README.md',
    'CHANGELOG.md',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/runtime/index.js',
    'dist/publisher/index.js',
    'dist/cdk/index.js',
    'dist/local/index.js',
    'dist/cli/bin.js',
    'templates/app/package.json',
  ]) {
    assert.ok(files.includes(entry), `${entry} is in the tarball`);
  }
  assert.deepEqual(
    files.filter((file) => /^(test|bench|demo|src|scratch)\/|\.png$|tsbuildinfo/.test(file)),
    [],
  );
});

test('an app from `tasklanes init` installs the tarball offline, typechecks, and passes its own tests', async () => {
  // What `npx tasklanes init` does, offline: install the package in a folder of its own, run its bin
  // (compiled, on the app's Node: no tsx, no repo).
  const bootstrap = join(work, 'npx');
  await mkdir(bootstrap);
  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  await writeFile(
    join(bootstrap, 'package.json'),
    JSON.stringify({ name: 'npx', version: '1.0.0', dependencies: { tasklanes: `^${version}` } }),
  );
  await offlineInstall(bootstrap, tarball, ROOT, APP_ENV);
  await run(join(bootstrap, 'node_modules', '.bin', 'tasklanes'), ['init', app], { cwd: work, env: APP_ENV });
  assert.deepEqual(await listFiles(app), STARTER_FILES);
  // A type of the app's own, in its own file: nothing in tasklanes changes.
  await writeFile(join(app, 'src/tasks/invoice-send.ts'), INVOICE_TASK);
  const definitionFile = join(app, 'src/definition.ts');
  const definition = await readFile(definitionFile, 'utf8');
  await writeFile(
    definitionFile,
    definition
      .replace(
        "import { thumbnailMake } from './tasks/thumbnail-make.ts';",
        "import { invoiceSend } from './tasks/invoice-send.ts';\nimport { thumbnailMake } from './tasks/thumbnail-make.ts';",
      )
      .replace('export const TASK_TYPES = [thumbnailMake];', 'export const TASK_TYPES = [thumbnailMake, invoiceSend];'),
  );
  await offlineInstall(app, tarball, ROOT, APP_ENV);
  const { stdout } = await inApp('npm', ['test']);
  assert.match(stdout, /# pass 2\n# fail 0|ℹ pass 2\nℹ fail 0/);
});

test("cdk synth runs offline: one bundle, with the app's task types and without aws-cdk-lib", async () => {
  await inApp('npx', ['cdk', 'synth', '--no-notices', '-q']);
  const assets = (await readdir(join(app, 'cdk.out'))).filter((name) => name.startsWith('asset.'));
  assert.equal(assets.length, 1, 'every lane deploys the same bundle');
  const bundle = await readFile(join(app, 'cdk.out', assets[0]!, 'index.mjs'), 'utf8');
  assert.ok(bundle.includes('invoice.send') && bundle.includes('thumbnail.make'), "the bundle holds the app's task types");
  assert.ok(!bundle.includes('aws-cdk-lib'), 'no aws-cdk-lib in the Lambda bundle');
  // The installed package's alias target (dist), as an app resolves it: no STS client, whose operations the default chain names.
  assert.ok(!bundle.includes('AssumeRoleWithWebIdentity'), 'only the credentials a Lambda function has (tasklanes/lambda-credentials)');
  const template = JSON.parse(await readFile(join(app, 'cdk.out', 'thumbnails-tasks.template.json'), 'utf8')) as {
    Outputs: Record<string, { Value: unknown }>;
  };
  assert.deepEqual(template.Outputs.LaneNames?.Value, 'default');
});

test('`tasklanes dev` runs the tasks the packaged publisher sends; an unknown type is dead-lettered with its reason', async () => {
  await writeFile(join(app, 'publish.ts'), PUBLISH_SCRIPT.replace("'../src/definition.ts'", "'./src/definition.ts'"));
  // The bin `npx tasklanes` runs, started directly: npm exec does not pass a lone SIGINT on to it (a terminal's Ctrl-C reaches both).
  const dev = spawn(join(app, 'node_modules', '.bin', 'tasklanes'), ['dev'], { cwd: app, env: APP_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const seen = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => pattern.test(output) && resolve();
      dev.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        check();
      });
      dev.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      dev.on('exit', (code) => reject(new Error(`tasklanes dev exited (${code}) before printing ${pattern}:\n${output}`)));
      check();
    });
  try {
    await seen(/Serving until Ctrl-C/);
    await inApp(process.execPath, ['--env-file=.tasklanes/local.env', '--import', 'tsx', 'publish.ts']);
    await seen(/invoice\.send .*attempt 1: succeeded/);
    await seen(/thumbnail\.make .*attempt 1: succeeded/);
    await seen(/attempt 1: deadLettered \(invalid: unknown task type "no\.such\.type"\)/);
    const { stdout } = await inApp('npx', ['tasklanes', 'dlq', 'peek', 'default', '--json']);
    const letters = JSON.parse(stdout) as Array<{ id?: string; reason?: string; error?: string }>;
    assert.deepEqual(
      letters.map((m) => [m.id, m.reason, m.error]),
      [['adopt-unknown-1', 'invalid', 'unknown task type "no.such.type"']],
    );
  } finally {
    const exited = new Promise<number | null>((resolve) => dev.on('exit', resolve));
    dev.kill('SIGINT');
    assert.equal(await exited, 0, `tasklanes dev stops cleanly:\n${output}`);
  }
  assert.match(output, /Stopped\./);
});
