/** The text form of a LeakReport: what a person needs to act on, in reading order. */
import * as path from 'node:path';
import type { AllocationFrame, GrowthCheck, LeakFinding, LeakReport, OriginalPosition, SourceLocation } from '../report/types';
import { byteSeriesFormat, callWords, formatBytes, shownHolds, userCallText, growthText, printable, refsText, signedBytes } from '../report/format';
import { hasLabels, pathLines } from '../report/pathText';
import { comparisonLines } from './renderComparison';

export interface RenderOptions {
  /** Retainer paths as the snapshot's edges (`Map —internal table→`) rather than in source terms. */
  rawPaths?: boolean;
}

export function renderReport(r: LeakReport, options: RenderOptions = {}): string {
  const out: string[] = [];
  const w = callWords(r);
  out.push(`Leak Lens — ${printable(r.summary)}`);
  out.push(`  ${printable(r.target.description)} · ${r.options.iterations} + ${r.options.iterations} ${w.many} after ${r.options.warmup} warm-up`);
  if (r.samples.length > 0) {
    out.push('', r.options.snapshots === 3 ? `Heap used after GC, per ${w.one}` : `Bytes the ${w.many} left alive, per ${w.one}`);
    out.push(...sparkRows(r.samples, w.one));
    if (r.slope) out.push(`  slope ${signedBytes(r.slope.bytesPerCall)}/${w.one} (r² ${r.slope.r2})`);
  }
  if (r.comparison) out.push('', ...comparisonLines(r));
  const primary = r.leaks.filter((l) => l.primary);
  if (primary.length === 0) {
    out.push('', r.verdict === 'clean' ? `No class survived and grew with the ${w.many}.` : '');
    const near = r.leaks.filter((l) => !l.primary && l.growthCheck?.outcome !== 'bounded').slice(0, 3);
    if (near.length) {
      out.push('Grew but not confirmed by the heap-use slope:');
      for (const l of near) out.push(`  ${printable(l.className)}  ${l.countPerCall}/${w.one}, ${formatBytes(l.bytesPerCall)}/${w.one}`);
    }
  }
  for (const l of primary) out.push('', ...renderLeak(r, l, options));
  const bounded = r.leaks.filter((l) => l.growthCheck?.outcome === 'bounded');
  if (bounded.length > 0) {
    out.push('', `Bounded, not leaks (the growth stopped when the ${w.one === 'request' ? 'requests went' : 'function ran'} on):`);
    for (const l of bounded) {
      const holder = l.culprit ? ` in ${printable(l.culprit.where)}` : '';
      out.push(`  ${printable(l.className)}${holder}: ${growthText(l.growthCheck as GrowthCheck, w)}`);
    }
  }
  out.push(...runtimeHeldLines(r));
  out.push('', `Timings: resolve ${r.timings.resolveMs} ms · calls ${r.timings.callsMs} ms · snapshots ${r.timings.snapshotMs} ms · analysis ${r.timings.analysisMs} ms · total ${r.timings.totalMs} ms`);
  if (r.snapshots) {
    const files = [r.snapshots.baseline, r.snapshots.target, r.snapshots.final].filter((f): f is string => Boolean(f));
    out.push(`Snapshots: ${files.map((f) => printable(f)).join(', ')}`);
  }
  return out.join('\n');
}

function renderLeak(r: LeakReport, l: LeakFinding, options: RenderOptions): string[] {
  const out: string[] = [];
  const w = callWords(r);
  const where = l.location ? `  at ${place(r, l.location)}` : '';
  out.push(
    `LEAK ${printable(l.className)}: ${l.countPerCall}/${w.one} · ${formatBytes(l.bytesPerCall)}/${w.one} retained · ${l.survivors} survivors · refs ${refsText(l.refs)}${where}`,
  );
  // A string holds nothing a person put there: its parts are the string itself.
  if (l.holds.length && !isStringClass(l.className)) {
    const { shown, more } = shownHolds(l.holds);
    out.push(`  each holds: ${shown.map((h) => `${h.countPerCall} ${printable(h.className)}`).join(', ')}${more ? `, and ${more} more kinds` : ''}`);
  }
  out.push(allocationLine(l));
  const path = l.paths[0];
  if (path) {
    out.push(`  Retainer path (${path.count} of ${l.paths.reduce((s, p) => s + p.count, 0)} sampled objects), GC root first:`);
    // With a collection, the culprit is the holder's edge to it; the collection is what grows.
    // Source terms by default; the snapshot's own edges with --raw-paths (and in --json).
    const raw = options.rawPaths === true || !hasLabels(path);
    pathLines(path, raw).forEach((line, i) => {
      const mark = line.mark === 'culprit' ? '   ◀ culprit' : line.mark === 'grows' ? `   ◀ grows on every ${w.one}` : '';
      if (raw) {
        const st = path.steps[i];
        out.push(`    ${printable(st.from)}${st.fromOld ? '' : ' (new)'} —${printable(st.edgeType)} ${printable(st.edgeName)}→${mark}`);
      } else {
        out.push(`    ${i === 0 ? '' : '→ '}${printable(line.text)}${line.isNew ? ' (new)' : ''}${mark}`);
      }
    });
    out.push(`    ${raw ? '' : '→ '}${printable(l.className)}`);
  }
  if (l.culprit) {
    const loc = l.culprit.holderLocation ? `  (${place(r, l.culprit.holderLocation)})` : '';
    out.push(`  Culprit: ${printable(l.culprit.text)}${loc}`);
  }
  if (l.userCall) {
    const what = printable(userCallText(l.userCall));
    const at = l.userCall.original ? originalText(l.userCall.original) : `${printable(l.userCall.scriptName)}:${l.userCall.line}`;
    out.push(`  Your line: ${at}  (${what} on every ${w.one})`);
  }
  if (l.storedAt) {
    const at = l.storedAt.original ? originalText(l.storedAt.original) : `${printable(l.storedAt.scriptName)}:${l.storedAt.line}`;
    out.push(`  Stored at: ${at}  (${printable(l.storedAt.callee)}() on every ${w.one}, never removed)`);
  }
  if (l.growthCheck && l.growthCheck.outcome === 'grows') out.push(`  Growth check: ${growthText(l.growthCheck, w)}`);
  if (l.fixHint) out.push(`  Fix: ${printable(l.fixHint)}`);
  return out;
}

/** Frames shown on the "Allocated" line: the user's when there are any (the report lists them first). */
const SHOWN_FRAMES = 4;

/**
 * Where the survivors were allocated, as V8's allocation tracking recorded it: functions (at
 * the line where each is defined), innermost first. Never a guess: without tracking, or
 * without a stack for any survivor, it says so.
 */
function allocationLine(l: LeakFinding): string {
  const a = l.allocation;
  if (!a) return '  Allocated: not recorded (allocation tracking was off)';
  const pool = a.userFrames > 0 ? a.frames.slice(0, a.userFrames) : a.frames.filter((f) => f.functionName !== '' || f.scriptName !== '');
  const shown = pool.slice(0, SHOWN_FRAMES);
  if (a.traced === 0 || shown.length === 0) return `  Allocated: unknown (V8 kept no allocation stack for these ${a.of} objects)`;
  const more = pool.length > shown.length ? ' ← …' : '';
  const coverage = `${a.traced} of ${a.of} objects traced${a.count < a.traced ? `, ${a.count} on this stack` : ''}`;
  return `  Allocated in ${shown.map(frameText).join(' ← ')}${more}  (${coverage})`;
}

function frameText(f: AllocationFrame): string {
  const name = f.functionName ? printable(f.functionName) : '(anonymous)';
  if (!f.scriptName) return name;
  if (f.original) return `${name} (${originalText(f.original)})`;
  return `${name} (${printable(f.scriptName)}${f.line > 0 ? `:${f.line}` : ''})`;
}

/** Where the user wrote it when the script has a source map ("src/registry.ts:9"), else the script's line. */
function place(r: LeakReport, at: SourceLocation): string {
  if (at.original) return originalText(at.original);
  const url = r.scripts[String(at.scriptId)];
  return `${url ? printable(url) : `script ${at.scriptId}`}:${at.line + 1}`;
}

/** A source map's file, relative to the current folder when inside it (what the user types), and line. */
function originalText(o: OriginalPosition): string {
  const rel = path.isAbsolute(o.file) ? path.relative(process.cwd(), o.file) : '';
  const file = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : o.file;
  return `${printable(file)}:${o.line}`;
}

/**
 * One row per sample: the value in one unit with the digits that tell the rows apart, the
 * change since the first sample, and a bar relative to the smallest and largest value.
 */
function sparkRows(samples: LeakReport['samples'], unit: string): string[] {
  const values = samples.map((s) => s.usedBytes);
  const min = Math.min(...values);
  const span = Math.max(1, Math.max(...values) - min);
  const format = byteSeriesFormat(values);
  const first = values[0];
  const cells = samples.map((s, i) => [format(s.usedBytes), i === 0 ? '' : signedBytes(s.usedBytes - first)]);
  const widths = [0, 1].map((c) => Math.max(...cells.map((row) => row[c].length)));
  return samples.map((s, i) => {
    const bar = '█'.repeat(1 + Math.round(((s.usedBytes - min) / span) * 30));
    return `  ${unit} ${String(s.call).padStart(3)}  ${cells[i][0].padStart(widths[0])}  ${cells[i][1].padStart(widths[1])}  ${bar}`;
  });
}

function isStringClass(className: string): boolean {
  return /^\((?:[a-z]+ )?string\)$/.test(className);
}

/** Survivors only the runtime holds (JIT state, console handles, debugger records): not leaks. */
function runtimeHeldLines(r: LeakReport): string[] {
  const held = r.runtimeHeld ?? [];
  if (held.length === 0) return [];
  const out = ['', 'Held by the runtime, not by your program (not leaks):'];
  for (const h of held) {
    out.push(`  ${printable(h.className)}: ${h.countPerCall}/${callWords(r).one} · ${h.count} survivors · via ${printable(h.via)}`);
    out.push(`    ${printable(h.note)}`);
  }
  return out;
}
