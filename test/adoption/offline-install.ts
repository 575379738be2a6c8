/**
 * Installs an app's dependencies with npm, offline, from the packages that
 * this repo's `npm ci` put in npm's cache. `npm install --offline` cannot
 * resolve a version range without the registry's package documents, which
 * `npm ci` never fetches; `npm ci --offline` needs none: it installs exactly
 * what a lock file names. So the app gets a lock file cut from this repo's
 * (the same versions, resolved URLs and integrity hashes), with the packed
 * tasklanes tarball in place of the registry's.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optional?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: Record<string, string>;
}

export class OfflineInstallError extends Error {
  override readonly name = 'OfflineInstallError';
}

/** Where `name`, required from the package at `from`, resolves in a node_modules tree: nested first, then upwards. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/**
 * Writes `<appDir>/package-lock.json` for the app's package.json, with the
 * tarball at `tarball` as its `tasklanes`, and runs `npm ci --offline`.
 */
export async function offlineInstall(appDir: string, tarball: string, repoRoot: string, env: NodeJS.ProcessEnv): Promise<void> {
  const repoLock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const app = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as Manifest;
  const packed = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  const source: Record<string, LockEntry> = { ...repoLock.packages };
  source['node_modules/tasklanes'] = {
    version: packed.version,
    resolved: `file:${relative(appDir, tarball)}`,
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    dependencies: packed.dependencies,
    peerDependencies: packed.peerDependencies,
    peerDependenciesMeta: packed.peerDependenciesMeta,
    bin: packed.bin,
  };

  const wanted = { ...app.dependencies, ...app.devDependencies };
  const packages: Record<string, LockEntry> = {
    '': { name: app.name, version: app.version, dependencies: app.dependencies, devDependencies: app.devDependencies },
  };
  const queue: Array<readonly [from: string, name: string]> = Object.keys(wanted).map((name) => ['', name] as const);
  while (queue.length) {
    const [from, name] = queue.pop()!;
    const path = resolveIn(source, from, name);
    if (!path) {
      const optional = source[from]?.optionalDependencies?.[name] !== undefined || source[from]?.peerDependenciesMeta?.[name]?.optional;
      if (optional) continue;
      throw new OfflineInstallError(
        `${name} (needed by ${from || app.name}) is not in this repo's lock file, so npm's cache may not have it`,
      );
    }
    if (packages[path]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = source[path]!;
    packages[path] = entry;
    const required = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const dependency of Object.keys(required)) {
      if (entry.peerDependenciesMeta?.[dependency]?.optional) continue;
      queue.push([path, dependency]);
    }
  }
  writeFileSync(
    join(appDir, 'package-lock.json'),
    `${JSON.stringify({ name: app.name, version: app.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  try {
    await promisify(execFile)('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: appDir, env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new OfflineInstallError(`npm ci --offline failed in ${appDir}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}
