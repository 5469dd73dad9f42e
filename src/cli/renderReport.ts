/** The text form of a LeakReport: what a person needs to act on, in reading order. */
import type { AllocationFrame, LeakFinding, LeakReport } from '../report/types';
import { formatBytes, printable, refsText, signedBytes } from '../report/format';

export function renderReport(r: LeakReport): string {
  const out: string[] = [];
  out.push(`Leak Lens — ${printable(r.summary)}`);
  out.push(`  ${printable(r.target.description)} · ${r.options.iterations} + ${r.options.iterations} calls after ${r.options.warmup} warm-up`);
  if (r.samples.length > 0) {
    out.push('', 'Heap used after GC, per call');
    out.push(...sparkRows(r.samples));
    if (r.slope) out.push(`  slope ${signedBytes(r.slope.bytesPerCall)}/call (r² ${r.slope.r2})`);
  }
  const primary = r.leaks.filter((l) => l.primary);
  if (primary.length === 0) {
    out.push('', r.verdict === 'clean' ? 'No class survived and grew with the calls.' : '');
    const near = r.leaks.filter((l) => !l.primary).slice(0, 3);
    if (near.length) {
      out.push('Grew but not confirmed by the heap-use slope:');
      for (const l of near) out.push(`  ${printable(l.className)}  ${l.countPerCall}/call, ${formatBytes(l.bytesPerCall)}/call`);
    }
  }
  for (const l of primary) out.push('', ...renderLeak(r, l));
  out.push('', `Timings: resolve ${r.timings.resolveMs} ms · calls ${r.timings.callsMs} ms · snapshots ${r.timings.snapshotMs} ms · analysis ${r.timings.analysisMs} ms · total ${r.timings.totalMs} ms`);
  if (r.snapshots) {
    const files = [r.snapshots.baseline, r.snapshots.target, r.snapshots.final].filter((f): f is string => Boolean(f));
    out.push(`Snapshots: ${files.map((f) => printable(f)).join(', ')}`);
  }
  return out.join('\n');
}

function renderLeak(r: LeakReport, l: LeakFinding): string[] {
  const out: string[] = [];
  const where = l.location ? `  at ${place(r, l.location.scriptId, l.location.line)}` : '';
  out.push(
    `LEAK ${printable(l.className)}: ${l.countPerCall}/call · ${formatBytes(l.bytesPerCall)}/call retained · ${l.survivors} survivors · refs ${refsText(l.refs)}${where}`,
  );
  if (l.holds.length) {
    out.push(`  each holds: ${l.holds.map((h) => `${h.countPerCall} ${printable(h.className)}`).join(', ')}`);
  }
  out.push(allocationLine(l));
  const path = l.paths[0];
  if (path) {
    out.push(`  Retainer path (${path.count} of ${l.paths.reduce((s, p) => s + p.count, 0)} sampled objects), GC root first:`);
    // With a collection, the culprit is the holder's edge to it; the collection is what grows.
    const holderStep = path.holder ?? path.culprit;
    path.steps.forEach((st, i) => {
      const mark = i === holderStep ? '   ◀ culprit' : i === path.culprit ? '   ◀ grows on every call' : '';
      out.push(`    ${printable(st.from)}${st.fromOld ? '' : ' (new)'} —${printable(st.edgeType)} ${printable(st.edgeName)}→${mark}`);
    });
    out.push(`    ${printable(l.className)}`);
  }
  if (l.culprit) {
    const loc = l.culprit.holderLocation ? `  (${place(r, l.culprit.holderLocation.scriptId, l.culprit.holderLocation.line)})` : '';
    out.push(`  Culprit: ${printable(l.culprit.text)}${loc}`);
  }
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
  return `${name} (${printable(f.scriptName)}${f.line > 0 ? `:${f.line}` : ''})`;
}

function place(r: LeakReport, scriptId: number, line: number): string {
  const url = r.scripts[String(scriptId)];
  return `${url ? printable(url) : `script ${scriptId}`}:${line + 1}`;
}

/** One row per sample with a bar relative to the smallest and largest value. */
function sparkRows(samples: LeakReport['samples']): string[] {
  const values = samples.map((s) => s.usedBytes);
  const min = Math.min(...values);
  const span = Math.max(1, Math.max(...values) - min);
  return samples.map((s) => {
    const bar = '█'.repeat(1 + Math.round(((s.usedBytes - min) / span) * 30));
    return `  call ${String(s.call).padStart(3)}  ${formatBytes(s.usedBytes).padStart(9)}  ${bar}`;
  });
}
