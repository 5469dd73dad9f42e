/**
 * The layers read one way (docs/architecture.md): inspector → heap → profile → report →
 * (cli | vscode | media). Every relative import in src/ and media/src/ is checked against the
 * table below, and src/heap/ stays pure (no vscode, no I/O). No source file is over 700 lines.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './support/fixtures';

/** Which layers each layer may import. report/ is the contract: anyone may import it. */
const ALLOWED: Record<string, readonly string[]> = {
  report: [],
  inspector: ['report'],
  heap: ['report'],
  snapshotFiles: ['heap', 'report'],
  worker: ['heap', 'snapshotFiles', 'report'],
  profile: ['inspector', 'heap', 'worker', 'report'],
  cli: ['profile', 'worker', 'inspector', 'report'],
  vscode: ['profile', 'worker', 'inspector', 'report'],
  media: ['report'],
};

/** Node modules that mean I/O or a host: never in the pure engine. */
const IMPURE = /^(vscode|node:(fs|fs\/promises|child_process|net|http|https|dns|worker_threads|os)|fs|child_process|net|http|https|worker_threads)$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function layerOf(file: string): string | undefined {
  const rel = path.relative(repoRoot, file).split(path.sep);
  if (rel[0] === 'media') return 'media';
  return rel[0] === 'src' ? rel[1] : undefined;
}

/** Every module specifier a file imports, re-exports, requires or loads dynamically. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const pattern = /\b(?:import|export)\b[^'"`;]*?\bfrom\s*'([^']+)'|\bimport\s*'([^']+)'|\b(?:require|import)\(\s*'([^']+)'\s*\)/g;
  for (const m of text.matchAll(pattern)) found.push(m[1] ?? m[2] ?? m[3]);
  return found;
}

const files = [...sourceFiles(path.join(repoRoot, 'src')), ...sourceFiles(path.join(repoRoot, 'media', 'src'))];

test('every layer is known to the table', () => {
  const unknown = [...new Set(files.map(layerOf))].filter((l) => l === undefined || !(l in ALLOWED));
  assert.deepEqual(unknown, []);
});

test('no import runs against the layers', () => {
  const wrong: string[] = [];
  for (const file of files) {
    const from = layerOf(file)!;
    for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = layerOf(path.resolve(path.dirname(file), spec));
      if (to === undefined) wrong.push(`${path.relative(repoRoot, file)} imports ${spec}, outside src/ and media/`);
      else if (to !== from && !ALLOWED[from].includes(to)) wrong.push(`${path.relative(repoRoot, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('src/heap/ and src/report/ use no I/O and no vscode; only src/vscode/ imports vscode', () => {
  const wrong: string[] = [];
  for (const file of files) {
    const layer = layerOf(file);
    for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
      if ((layer === 'heap' || layer === 'report') && IMPURE.test(spec)) wrong.push(`${path.relative(repoRoot, file)} imports ${spec}`);
      if (spec === 'vscode' && layer !== 'vscode') wrong.push(`${path.relative(repoRoot, file)} imports vscode`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no source file is over 700 lines', () => {
  const roots = ['src', 'media/src', 'scripts', 'test', 'bench'].map((d) => path.join(repoRoot, d));
  const long = roots
    .flatMap((d) => sourceFiles(d))
    .filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`) && !f.endsWith('.wasm.ts'))
    .map((f) => ({ f: path.relative(repoRoot, f), lines: fs.readFileSync(f, 'utf8').split('\n').length }))
    .filter((x) => x.lines > 700)
    .map((x) => `${x.f}: ${x.lines} lines`);
  assert.deepEqual(long, []);
});
