/**
 * A run beside the previous run of the same target (a re-run after a fix, or the CLI's
 * --compare): per leaked class, objects per call before and after, and one line that says it
 * ("before: 1 Processor/call → after: no leak"). Pure: two reports in, plain data out.
 */
import type { LeakFinding, LeakReport, RunComparison } from './types';

/** The leaks that make a run's verdict: primary findings (bounded growth is never primary). */
function leakCounts(report: LeakReport): Map<string, number> {
  const counts = new Map<string, number>();
  if (report.verdict !== 'leak') return counts;
  // Findings are keyed by class and location; a fix moves lines, so runs meet on the class name.
  for (const l of report.leaks.filter((f: LeakFinding) => f.primary)) counts.set(l.className, (counts.get(l.className) ?? 0) + l.countPerCall);
  return counts;
}

/** What `previous` and `current` leak per call, class by class, and the line that sums it up. */
export function compareRuns(previous: LeakReport, current: LeakReport): RunComparison {
  const before = leakCounts(previous);
  const after = leakCounts(current);
  const names = [...new Set([...before.keys(), ...after.keys()])];
  const classes = names
    .map((className) => ({ className, before: before.get(className) ?? 0, after: after.get(className) ?? 0 }))
    .sort((a, b) => Math.max(b.before, b.after) - Math.max(a.before, a.after) || a.className.localeCompare(b.className));
  return {
    summary: `before: ${runText(classes, 'before')} → after: ${runText(classes, 'after')}`,
    previous: {
      createdAt: previous.createdAt,
      verdict: previous.verdict,
      summary: previous.summary,
      target: { kind: previous.target.kind, description: previous.target.description },
      function: previous.function ? { ...previous.function } : null,
      snapshots: previous.options.snapshots === 3 ? 3 : 1,
      samples: previous.samples.map((s) => ({ call: s.call, usedBytes: s.usedBytes })),
      slope: previous.slope ? { ...previous.slope } : null,
    },
    classes,
  };
}

/** `current` with the previous run of its target beside it (the previous one's own comparison is dropped). */
export function withComparison(current: LeakReport, previous: LeakReport): LeakReport {
  return { ...current, comparison: compareRuns(previous, current) };
}

/** One side of a class row: "1 Processor/call", or "no leak". */
export function perCallText(count: number, className: string): string {
  return count > 0 ? `${perCall(count)} ${className}/call` : 'no leak';
}

/** A class's row: "1 Processor/call → no leak". */
export function classChangeText(c: RunComparison['classes'][number]): string {
  return `${perCallText(c.before, c.className)} → ${perCallText(c.after, c.className)}`;
}

function runText(classes: RunComparison['classes'], side: 'before' | 'after'): string {
  const leaked = classes.filter((c) => c[side] > 0);
  return leaked.length === 0 ? 'no leak' : leaked.map((c) => perCallText(c[side], c.className)).join(', ');
}

function perCall(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}
