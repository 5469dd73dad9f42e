/**
 * What a snapshot browser asks of one analysis: every class with its id (for a sortable
 * table), the largest objects of one class, and one object's shortest path from a GC root.
 */
import type { HeapAnalysis } from './analysis';
import { clusterPaths } from './retainerPaths';
import { describeNode, findNodeById, type ClassSummary, type ObjectSummary } from './summary';
import type { RetainerPath } from '../report/types';

export interface ClassRow extends ClassSummary {
  /** The class's id in this analysis: what `largestOfClass` takes. */
  id: number;
}

/** Classes by retained size, at most `limit`, and how many there are in all. */
export function classRows(a: HeapAnalysis, limit: number): { classes: ClassRow[]; total: number } {
  const rows = a.classAggregates
    .filter((agg) => agg.count > 0)
    .sort((x, y) => y.retainedSize - x.retainedSize || y.selfSize - x.selfSize);
  const classes = rows.slice(0, limit).map((agg): ClassRow => {
    const info = a.classTable.classes[agg.classId];
    const row: ClassRow = { id: agg.classId, name: info.name, count: agg.count, selfSize: agg.selfSize, retainedSize: agg.retainedSize };
    if (info.location) row.location = info.location;
    return row;
  });
  return { classes, total: rows.length };
}

/** The `count` instances of a class with the largest retained size (as counted: self size > 0). */
export function largestOfClass(a: HeapAnalysis, classId: number, count: number): ObjectSummary[] {
  const s = a.snapshot;
  const { classOf } = a.classTable;
  const sizes = a.retainedSize;
  const best: number[] = [];
  for (let n = 0; n < s.nodeCount; n++) {
    if (classOf[n] !== classId || s.selfSize[n] === 0) continue;
    const size = sizes[n];
    if (best.length >= count && size <= sizes[best[best.length - 1]]) continue;
    let at = best.length;
    while (at > 0 && sizes[best[at - 1]] < size) at--;
    best.splice(at, 0, n);
    if (best.length > count) best.pop();
  }
  return best.map((n) => describeNode(a, n));
}

const NOTHING_OLD = { has: () => true };

/** The object's shortest path from a GC root, in source terms; null when no object has this id. */
export function pathFromRoot(a: HeapAnalysis, id: number): { object: ObjectSummary; path: RetainerPath } | null {
  const n = findNodeById(a.snapshot, id);
  if (n < 0) return null;
  // Every holder counts as old: a single snapshot has no phases, so no step is "new".
  const [path] = clusterPaths(a, [n], NOTHING_OLD);
  return { object: describeNode(a, n), path };
}
