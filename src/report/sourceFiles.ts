/**
 * The files a report names: its scripts, and the files their source maps point to (the .ts
 * files the user wrote). Views open only these, as the heap named them.
 */
import type { LeakReport, OriginalPosition } from './types';

/** The report's scripts plus every source-mapped file its leaks name, as one id → file table. */
export function reportFiles(report: LeakReport): Record<string, string> {
  const out: Record<string, string> = { ...report.scripts };
  let n = 0;
  const add = (o: OriginalPosition | undefined) => {
    if (o && typeof o.file === 'string' && o.file !== '' && !Object.values(out).includes(o.file)) out[`original-${n++}`] = o.file;
  };
  for (const l of report.leaks ?? []) {
    add(l.location?.original);
    add(l.culprit?.holderLocation?.original);
    add(l.userCall?.original);
    add(l.storedAt?.original);
    for (const f of l.allocation?.frames ?? []) add(f.original);
    for (const node of l.graph?.nodes ?? []) add(node.location?.original);
  }
  return out;
}
