/**
 * References stay inside the repository. The contracts and the incidents
 * live in docs/design.md and docs/incidents.md; no code, test, benchmark or
 * doc may point at the original notes outside the repository again, and every
 * `docs/<file>.md#<anchor>` a file names, like every relative Markdown link,
 * must lead to a file and a heading that exist.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** This file spells out the names it forbids. */
const THIS_FILE = relative(ROOT, fileURLToPath(import.meta.url));
const README = 'README.md';
const CHECKED = ['src', 'demo', 'test', 'bench', 'docs', README];

/** The original design notes and post-mortems, outside every clone. */
const OUTSIDE_NAMES = /\.\.\/shared\/|shared\/incidents|DESIGN\.md/;
/** docs/design.md may name the original notes in its history, and only there. */
const DESIGN_DOC = 'docs/design.md';
const DESIGN_HISTORY = '\n## Changes\n';

/** `docs/<file>.md`, optionally with `#<anchor>`, wherever a file mentions one (comments, strings, prose). */
const DOCS_REFERENCE = /\bdocs\/([\w./-]*?\.md)(?:#([\w-]*))?/g;
/** `[text](target)` in Markdown; external targets are not checked. */
const MARKDOWN_LINK = /\]\(([^)\s]+)\)/g;
const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;
const FENCE = /^\s*(```|~~~)/;

/**
 * Files in the checked folders that git tracks, plus new ones it does not
 * ignore, so that a reference is caught before its file is committed.
 * Binary files (a NUL byte) are left out.
 */
function textFiles(): Map<string, string> {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...CHECKED], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const files = new Map<string, string>();
  for (const path of new Set(listed.split('\0').filter(Boolean))) {
    // Listed by the index but deleted in the work tree.
    if (!existsSync(join(ROOT, path))) continue;
    const bytes = readFileSync(join(ROOT, path));
    if (!bytes.includes(0)) files.set(path, bytes.toString('utf8'));
  }
  return files;
}

const files = textFiles();

/** The lines outside fenced code blocks, with their numbers. */
function proseLines(text: string): Array<{ line: string; number: number }> {
  const lines: Array<{ line: string; number: number }> = [];
  let fenced = false;
  text.split('\n').forEach((line, index) => {
    if (FENCE.test(line)) fenced = !fenced;
    else if (!fenced) lines.push({ line, number: index + 1 });
  });
  return lines;
}

/** The anchor GitHub gives a heading: its text lowercased, punctuation dropped, each space a '-'. */
function headingAnchor(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every heading anchor of a Markdown file; a repeated heading gets `-1`, `-2`, … as on GitHub. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = headingAnchor(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Where a reference leads that does not exist, or undefined when it does. */
function brokenTarget(path: string, anchor: string | undefined): string | undefined {
  const absolute = join(ROOT, path);
  if (!files.has(path) && !existsSync(absolute)) return `no file ${path}`;
  if (!anchor || !path.endsWith('.md') || statSync(absolute).isDirectory()) return undefined;
  const text = files.get(path) ?? readFileSync(absolute, 'utf8');
  return anchorsOf(text).has(anchor) ? undefined : `no heading #${anchor} in ${path}`;
}

/** `file:line: text` of every line in `paths` that names a file outside the repository. */
function outsideNames(paths: readonly string[]): string[] {
  const found: string[] = [];
  for (const path of paths) {
    if (path === THIS_FILE) continue;
    let text = files.get(path)!;
    if (path === DESIGN_DOC) {
      const history = text.indexOf(DESIGN_HISTORY);
      assert.ok(history >= 0, `${DESIGN_DOC} keeps its history under "${DESIGN_HISTORY.trim()}"`);
      text = text.slice(0, history);
    }
    text.split('\n').forEach((line, index) => {
      if (OUTSIDE_NAMES.test(line)) found.push(`${path}:${index + 1}: ${line.trim()}`);
    });
  }
  return found;
}

test('GitHub heading anchors, as references to them are written', () => {
  assert.deepEqual(
    ['3. Dedup claim', 'Message envelope v1', '003 Tenants, same keys', 'dlq peek `<lane>` `[-n N] [--json]`', 'See [the docs](x.md)'].map(
      headingAnchor,
    ),
    ['3-dedup-claim', 'message-envelope-v1', '003-tenants-same-keys', 'dlq-peek-lane--n-n---json', 'see-the-docs'],
  );
  assert.deepEqual([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### A\n')], ['a', 'a-1', 'a-2']);
});

test('code, tests, benchmarks and docs name no file outside the repository', () => {
  const paths = [...files.keys()].filter((path) => path !== README);
  assert.ok(paths.includes(DESIGN_DOC) && paths.includes('src/runtime/pipeline.ts'), 'the files under check were found');
  assert.deepEqual(outsideNames(paths), []);
});

test('README.md names no file outside the repository', () => {
  assert.ok(files.has(README));
  assert.deepEqual(outsideNames([README]), []);
});

test('every docs/….md reference and relative Markdown link leads to a file and heading that exist', () => {
  const broken: string[] = [];
  for (const [path, text] of files) {
    text.split('\n').forEach((line, index) => {
      for (const [reference, file, anchor] of line.matchAll(DOCS_REFERENCE)) {
        const problem = brokenTarget(`docs/${file}`, anchor);
        if (problem) broken.push(`${path}:${index + 1}: ${reference}: ${problem}`);
      }
    });
    if (!path.endsWith('.md')) continue;
    for (const { line, number } of proseLines(text)) {
      for (const [, target] of line.replace(/`[^`]*`/g, '').matchAll(MARKDOWN_LINK)) {
        if (EXTERNAL.test(target!)) continue;
        const [file, anchor] = target!.split('#', 2) as [string, string | undefined];
        const problem = brokenTarget(file ? join(dirname(path), file) : path, anchor);
        if (problem) broken.push(`${path}:${number}: (${target}): ${problem}`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
