/**
 * The heap names a module's or a closure's variable by its compiled file ("entries in
 * cache.js (module variable)"). Where that script was compiled from one file with a source
 * map, the texts of the report name the file the user wrote instead ("entries in src/cache.ts
 * (module variable)"). Bundles (several sources in one map) keep the compiled name.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LeakFinding } from '../report/types';
import type { SourceMaps } from './sourceMaps';

/** Where names.ts puts a file label: "F (module …", "(closure variable, F)", "scope (F)". */
const FILE_LABEL = /(?<=^|[\s(,])([^\s(),]+\.[cm]?js)(?= \(module |\))/g;

export async function relabelCompiledFiles(maps: SourceMaps, leaks: LeakFinding[], scripts: Record<string, string>): Promise<void> {
  const labels = new Set<string>();
  for (const l of leaks) for (const text of textsOf(l)) for (const m of text.matchAll(FILE_LABEL)) labels.add(m[1]);
  if (labels.size === 0) return;
  const renamed = new Map<string, string>();
  for (const [id, url] of Object.entries(scripts)) {
    const file = filePath(url);
    if (!file) continue;
    const label = [...labels].find((l) => file.endsWith(`/${l}`));
    if (!label || renamed.has(label)) continue;
    const source = await maps.onlySource(Number(id), url).catch(() => undefined);
    if (source && path.isAbsolute(source) && source !== file) renamed.set(label, originalLabel(file.slice(0, -label.length), source));
  }
  if (renamed.size === 0) return;
  const rename = (text: string) => text.replace(FILE_LABEL, (label: string) => renamed.get(label) ?? label);
  for (const l of leaks) {
    if (l.culprit) {
      l.culprit.text = rename(l.culprit.text);
      l.culprit.where = rename(l.culprit.where);
      l.culprit.holder = rename(l.culprit.holder);
    }
    if (l.fixHint) l.fixHint = rename(l.fixHint);
    for (const p of l.paths) {
      for (const step of p.steps) {
        step.from = rename(step.from);
        step.to = rename(step.to);
        if (step.label) step.label = rename(step.label);
      }
    }
    for (const n of l.graph?.nodes ?? []) n.name = rename(n.name);
  }
}

function textsOf(l: LeakFinding): string[] {
  return [
    l.culprit?.text ?? '',
    l.culprit?.where ?? '',
    l.culprit?.holder ?? '',
    l.fixHint ?? '',
    ...l.paths.flatMap((p) => p.steps.flatMap((s) => [s.from, s.to, s.label ?? ''])),
    ...(l.graph?.nodes.map((n) => n.name) ?? []),
  ];
}

/**
 * The source relative to the folder the compiled labels are relative to ("dist/" → "../src/
 * cache.ts" would read badly), else to the folder above it ("src/cache.ts"), else its path.
 */
function originalLabel(root: string, source: string): string {
  for (const base of [root, path.dirname(root)]) {
    const rel = path.relative(base, source).split(path.sep).join('/');
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
  }
  return source.split(path.sep).join('/');
}

function filePath(url: string): string | undefined {
  if (/^file:/i.test(url)) {
    try {
      return fileURLToPath(url).split(path.sep).join('/');
    } catch {
      return undefined;
    }
  }
  return url.startsWith('/') || /^[A-Za-z]:[\\/]/.test(url) ? url.replace(/\\/g, '/') : undefined;
}
