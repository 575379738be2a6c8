/**
 * `tasklanes dev`: the app's own definition running locally, as `npm start`
 * runs the demo. The definition and Lambda entry are the app's TypeScript
 * files, so this process needs a TypeScript loader: the app's tsx when it
 * has one (started again under it), else Node's own type stripping.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PUBLISHER_ENV, queueUrlEnvName } from '../../definition/environment.ts';
import type { Definition } from '../../definition/registry.ts';
import { LOCAL_RUN_ARGS, LOCAL_RUN_USAGE, localRunSettings, startLocalRun } from '../../local/run.ts';
import type { LocalServers } from '../../local/servers.ts';
import { EXIT, type Command } from '../../ops/commands/command.ts';
import { LOCAL_CREDENTIALS } from '../../ops/target/local-clients.ts';
import { DevError } from '../errors.ts';

export const DEV_DEFAULTS = {
  definition: 'src/definition.ts',
  entry: 'src/handler.ts',
  /** Beside the state file: what an app's own scripts source to publish to this run. */
  envFile: '.tasklanes/local.env',
} as const;

/** Set in the environment of the copy started under tsx, so it does not start another. */
const LOADER_CHILD = 'TASKLANES_DEV_LOADER';

const isTypeScript = (path: string) => /\.[cm]?tsx?$/.test(path);

/** tsx's ESM loader as the app resolves it, or undefined when the app has no tsx. */
function appTsxLoader(appDir: string): string | undefined {
  try {
    return pathToFileURL(createRequire(join(appDir, 'package.json')).resolve('tsx/esm')).href;
  } catch {
    return undefined;
  }
}

async function loadDefinition(path: string): Promise<Definition> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const hint =
      isTypeScript(path) && (error as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? ': this Node cannot load TypeScript; add tsx to the app (`npm install -D tsx`) or use Node 22.18 or later'
        : '';
    throw new DevError(`cannot load the definition ${path}${hint}`, { cause: error });
  }
  const definition = (module.definition ?? module.default) as Partial<Definition> | undefined;
  if (!definition || !Array.isArray(definition.lanes) || typeof definition.findTask !== 'function') {
    throw new DevError(
      `${path} exports no definition: export the result of createDefinition() as \`definition\` (found: ${Object.keys(module).join(', ') || 'no exports'})`,
    );
  }
  return definition as Definition;
}

/** The environment an app's scripts use to publish to this run with the unchanged Publisher and AWS SDK. */
function envFileText(servers: LocalServers, queueUrls: Readonly<Record<string, string>>): string {
  const lines = [
    `AWS_ENDPOINT_URL_SQS=${servers.sqsEndpoint}`,
    // runAt beyond 15 minutes: the SDK's SchedulerClient reads its endpoint here, the publisher the group and role.
    `AWS_ENDPOINT_URL_SCHEDULER=${servers.schedulerEndpoint}`,
    `${PUBLISHER_ENV.scheduleGroup}=${servers.scheduleGroup}`,
    `${PUBLISHER_ENV.schedulerRoleArn}=${servers.schedulerRoleArn}`,
    `AWS_REGION=${servers.region}`,
    `AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`,
    ...Object.entries(queueUrls).map(([lane, url]) => `${queueUrlEnvName(lane)}=${url}`),
  ];
  return `# Written by tasklanes dev while it runs: node --env-file=${DEV_DEFAULTS.envFile} your-script.js\n${lines.join('\n')}\n`;
}

export const devCommand: Command = {
  name: 'dev',
  summary: "run the app's definition locally against embedded SQS- and DynamoDB-compatible servers",
  arguments: [],
  takesTarget: false,
  help: `Options:
  --definition <file>        module exporting the app's definition (default ${DEV_DEFAULTS.definition})
  --entry <file>             the app's Lambda entry, also its worker entry (default ${DEV_DEFAULTS.entry})
${LOCAL_RUN_USAGE.split('\n')
  .filter((line) => !line.includes('--help'))
  .join('\n')}

Serves until Ctrl-C. The ops commands (\`tasklanes status\`, \`dlq peek\`, ...) find this run
through .tasklanes/local.json; an app's scripts publish to it with the environment in
${DEV_DEFAULTS.envFile}.`,
  options: {
    definition: { type: 'string' },
    entry: { type: 'string' },
    ...(({ help: _help, ...rest }) => rest)(LOCAL_RUN_ARGS),
  },
  async run(values, _positionals, context) {
    const settings = localRunSettings(values as Parameters<typeof localRunSettings>[0]);
    const definitionPath = resolve(String(values.definition ?? DEV_DEFAULTS.definition));
    const entryPath = resolve(String(values.entry ?? DEV_DEFAULTS.entry));
    for (const [option, path] of [
      ['--definition', definitionPath],
      ['--entry', entryPath],
    ] as const) {
      if (!existsSync(path)) throw new DevError(`${option}: ${path} does not exist`);
    }

    const loader = isTypeScript(definitionPath) && !process.env[LOADER_CHILD] ? appTsxLoader(dirname(definitionPath)) : undefined;
    if (loader) {
      // Worker threads inherit execArgv, so isolated lanes load the app's entry under the same loader.
      const child = spawn(process.execPath, ['--import', loader, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
        stdio: 'inherit',
        env: { ...process.env, [LOADER_CHILD]: '1' },
      });
      // SIGTERM, not SIGINT: a Ctrl-C in the terminal reaches the child already, and a second SIGINT means "quit at once".
      context.signal.addEventListener('abort', () => child.kill('SIGTERM'));
      return await new Promise<number>((done) => child.on('exit', (code) => done(code ?? EXIT.failed)));
    }

    const definition = await loadDefinition(definitionPath);
    const run = await startLocalRun({
      definition,
      workerEntry: pathToFileURL(entryPath),
      ...settings,
      print: (line) => context.stdout.write(`${line}\n`),
    });
    await writeFile(DEV_DEFAULTS.envFile, envFileText(run.stack.servers, run.stack.queueUrls), {
      mode: 0o600,
    });
    context.stdout.write(`  publish env:       ${DEV_DEFAULTS.envFile}\n\nServing until Ctrl-C.\n`);
    await new Promise<void>((done) => {
      process.once('SIGTERM', () => done());
      if (context.signal.aborted) done();
      else context.signal.addEventListener('abort', () => done());
    });
    await run.stop();
    await rm(DEV_DEFAULTS.envFile, { force: true });
    return EXIT.ok;
  },
};
