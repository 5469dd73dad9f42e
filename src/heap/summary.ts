/**
 * Plain, JSON-ready answers to "what is alive, how big, and who holds it", read from an
 * analysis. Only the few objects asked for become JS objects.
 */
import type { HeapAnalysis } from './analysis';
import { NO_DISTANCE, SYSTEM_DISTANCE } from './distances';
import { isEssential } from './edgeRules';
import { readableName } from './names';
import { forEachRetainingEdge, NOT_STRONG } from './retainers';
import { edgeNameText, type HeapSnapshot } from './snapshot';
import type { ObjectSummary } from '../report/types';

export type { ObjectSummary };

export interface ClassSummary {
  name: string;
  count: number;
  selfSize: number;
  retainedSize: number;
  /** Constructor location (0-based) when DevTools would split the class by it. */
  location?: { scriptId: number; line: number; column: number };
}

export interface RetainerSummary {
  edgeType: string;
  edgeName: string;
  retainer: ObjectSummary;
}

export interface HeapSummary {
  nodeCount: number;
  edgeCount: number;
  /** Sum of all self sizes (DevTools' "Total"). */
  totalSize: number;
  /** Retained size of the root: what a GC keeps. */
  reachableSize: number;
  classes: ClassSummary[];
  topObjects: ObjectSummary[];
}

export function summarize(a: HeapAnalysis, top = 20): HeapSummary {
  const s = a.snapshot;
  let totalSize = 0;
  for (let n = 0; n < s.nodeCount; n++) totalSize += s.selfSize[n];
  const classes = [...a.classAggregates]
    .sort((x, y) => y.retainedSize - x.retainedSize || y.selfSize - x.selfSize)
    .slice(0, top)
    .map((agg): ClassSummary => {
      const info = a.classTable.classes[agg.classId];
      const out: ClassSummary = {
        name: info.name,
        count: agg.count,
        selfSize: agg.selfSize,
        retainedSize: agg.retainedSize,
      };
      if (info.location) out.location = info.location;
      return out;
    });
  return {
    nodeCount: s.nodeCount,
    edgeCount: s.edgeCount,
    totalSize,
    reachableSize: a.retainedSize[s.rootOrdinal],
    classes,
    topObjects: topByRetainedSize(a, top).map((n) => describeNode(a, n)),
  };
}

/** The `count` objects with the largest retained size (the root and synthetic roots left out). */
export function topByRetainedSize(a: HeapAnalysis, count: number): number[] {
  const s = a.snapshot;
  const sizes = a.retainedSize;
  const synthetic = s.types.synthetic;
  // A small sorted list is enough: count is tiny next to the node count.
  const best: number[] = [];
  let floor = -1;
  for (let n = 0; n < s.nodeCount; n++) {
    if (s.nodeType[n] === synthetic || n === s.rootOrdinal) continue;
    const size = sizes[n];
    if (best.length >= count && size <= floor) continue;
    let at = best.length;
    while (at > 0 && sizes[best[at - 1]] < size) at--;
    best.splice(at, 0, n);
    if (best.length > count) best.pop();
    floor = best.length >= count ? sizes[best[best.length - 1]] : -1;
  }
  return best;
}

export function describeNode(a: HeapAnalysis, n: number): ObjectSummary {
  const s = a.snapshot;
  return {
    id: s.nodeId[n],
    name: objectName(a, n),
    type: s.nodeTypeNames[s.nodeType[n]],
    selfSize: s.selfSize[n],
    retainedSize: a.retainedSize[n],
    distance: displayDistance(a.distances[n]),
    refs: strongRetainerCount(a, n),
  };
}

/** Distance as a person reads it: system-root offsets removed, unreachable as null. */
export function displayDistance(d: number): number | null {
  if (d === NO_DISTANCE) return null;
  return d >= SYSTEM_DISTANCE ? d - SYSTEM_DISTANCE : d;
}

/**
 * The refcount-like number: retainers that keep the object alive on their own account
 * (not weak; shortcut edges only from the root, where they mark globals).
 */
export function strongRetainerCount(a: HeapAnalysis, n: number): number {
  const { firstRetainer, retainerNode } = a.retainers;
  let refs = 0;
  for (let k = firstRetainer[n]; k < firstRetainer[n + 1]; k++) if ((retainerNode[k] & NOT_STRONG) === 0) refs++;
  return refs;
}

/**
 * Objects by their class (so plain objects read `{id, name}`), others by their own name; the
 * global object, bound functions and scopes as a person reads them (names.ts).
 */
export function objectName(a: HeapAnalysis, n: number): string {
  const s = a.snapshot;
  const readable = readableName(a, n);
  if (readable !== undefined) return readable;
  if (s.nodeType[n] === s.types.object) return a.classTable.classes[a.classTable.classOf[n]].name;
  const name = nodeDisplayName(s, n);
  return name === '' ? `(${s.nodeTypeNames[s.nodeType[n]]})` : name;
}

/** Name as DevTools shows it; long strings are cut for display. */
export function nodeDisplayName(s: HeapSnapshot, n: number): string {
  const name = s.strings.get(s.nodeName[n]);
  return name.length > 200 ? name.slice(0, 200) + '…' : name;
}

/** Retainers of one object: edge type and name, and who holds it; strong ones first. */
export function retainersOf(a: HeapAnalysis, n: number, limit = 50): RetainerSummary[] {
  const s = a.snapshot;
  const out: { strong: boolean; r: RetainerSummary }[] = [];
  forEachRetainingEdge(s, a.retainers, n, (e, source) => {
    out.push({
      strong: isEssential(a.essential, e),
      r: {
        edgeType: s.edgeTypeNames[s.edgeType[e]],
        edgeName: edgeNameText(s, e),
        retainer: describeNode(a, source),
      },
    });
    return out.length >= limit;
  });
  return out.sort((x, y) => Number(y.strong) - Number(x.strong)).map((x) => x.r);
}

/** Node ordinal for a snapshot node id, or -1. */
export function findNodeById(s: HeapSnapshot, id: number): number {
  const ids = s.nodeId;
  for (let n = 0; n < s.nodeCount; n++) if (ids[n] === id) return n;
  return -1;
}
