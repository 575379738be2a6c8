/**
 * `tasklanes init [dir]`: a new app from the starter in `templates/app/`:
 * a definition with one lane and one task type in its own file, the Lambda
 * entry, the CDK app, one test and a README with the app's two commands.
 * Dependency ranges are the ones this tasklanes was built and tested with.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, writeLine, type Command } from '../../ops/commands/command.ts';
import { InitError } from '../errors.ts';

/** Two levels up from src/cli/commands (or dist/cli/commands): the package root. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TEMPLATE_DIR = join(PACKAGE_ROOT, 'templates', 'app');

/** npm's rule for a package name, lowercased from the folder name. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Entries an otherwise empty folder may already hold. */
const IGNORABLE = new Set(['.git', '.DS_Store']);

interface PackageManifest {
  readonly version: string;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** `{{name}}` and `{{version:<package>}}` in the templates. */
function render(text: string, name: string, manifest: PackageManifest): string {
  return text.replace(/\{\{(name|version:([^}]+))\}\}/g, (_match, key: string, pkg: string | undefined) => {
    if (key === 'name') return name;
    if (pkg === 'tasklanes') return `^${manifest.version}`;
    const range = manifest.peerDependencies[pkg!] ?? manifest.dependencies[pkg!] ?? manifest.devDependencies[pkg!];
    if (!range) throw new InitError(`the starter names ${pkg}, which tasklanes' package.json does not pin`);
    return range;
  });
}

export const initCommand: Command = {
  name: 'init',
  summary: 'write a new tasklanes app into a folder (default: the current one)',
  arguments: ['[dir]'],
  takesTarget: false,
  help: `Options:
  --name <name>   the app's package name (default: the folder's name)
  --force         write into a folder that is not empty (files of the starter are overwritten)`,
  options: { name: { type: 'string' }, force: { type: 'boolean', default: false } },
  async run(values, positionals, context) {
    const target = resolve(positionals[0] ?? '.');
    const name = String(values.name ?? basename(target).toLowerCase());
    if (!PACKAGE_NAME.test(name)) throw new InitError(`"${name}" is not a valid npm package name: pass --name`);
    await mkdir(target, { recursive: true });
    const present = (await readdir(target)).filter((entry) => !IGNORABLE.has(entry));
    if (present.length > 0 && !values.force) {
      throw new InitError(
        `${target} is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', ...' : ''}): choose an empty folder or pass --force`,
      );
    }
    const manifest = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as PackageManifest;
    const files = await walk(TEMPLATE_DIR);
    writeLine(context.stdout, `Writing a tasklanes app "${name}" into ${target}:`);
    for (const file of files) {
      // npm drops files named .gitignore from a package: the template keeps it as "gitignore".
      const out = join(target, file === 'gitignore' ? '.gitignore' : file);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, render(await readFile(join(TEMPLATE_DIR, file), 'utf8'), name, manifest));
      writeLine(context.stdout, `  wrote ${relative(target, out)}`);
    }
    writeLine(
      context.stdout,
      `\nNext:\n  cd ${positionals[0] ?? '.'}\n  npm install\n  npm test            # the task, run against embedded local servers\n  npx tasklanes dev   # the app's lanes locally, until Ctrl-C\n  npx cdk synth       # the stack, offline`,
    );
    return EXIT.ok;
  },
};
