/** The text report's "before → after" section: this run beside the previous run of its target (--compare). */
import { classChangeText } from '../report/compareRuns';
import { printable, signedBytes } from '../report/format';
import type { LeakReport, Slope } from '../report/types';

export function comparisonLines(r: LeakReport): string[] {
  const c = r.comparison;
  if (!c) return [];
  const p = c.previous;
  const out = [`Before → after (previous run ${printable(p.createdAt)}, ${printable(p.target.description)}):`, `  ${printable(c.summary)}`];
  for (const k of c.classes) out.push(`  ${printable(classChangeText(k))}`);
  out.push(`  memory per call ${slopeText(p.slope)} → ${slopeText(r.slope)}`);
  if (p.snapshots !== r.options.snapshots) {
    out.push(`  (the previous run took ${p.snapshots} snapshot${p.snapshots === 1 ? '' : 's'}, this one ${r.options.snapshots}: their memory series measure different things)`);
  }
  return out;
}

function slopeText(slope: Slope | null): string {
  return slope ? `${signedBytes(slope.bytesPerCall)}/call` : 'no slope';
}
