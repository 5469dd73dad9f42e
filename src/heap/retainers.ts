import { countsToOffsets } from './csr';
import { graphKernels, KERNEL_CHUNK } from './graphKernels';
import { regionAddresses, regionWords, type GraphMemory } from './graphMemory';
import type { HeapSnapshot } from './snapshot';

/**
 * Incoming edges per node in CSR form (a counting sort over all edges): the retainers of node
 * n are retainerNode[firstRetainer[n] .. firstRetainer[n+1]-1], in the order of their source
 * nodes and, within a source, of its edges. Each entry is the retaining node's ordinal with two
 * flag bits on top (NOT_ESSENTIAL, NOT_STRONG), so dominators and ref counts need no edge
 * index; the edge itself is found, when a view wants its name, among the retainer's own edges
 * (forEachRetainingEdge). This saves an edge-sized array.
 */
export interface Retainers {
  readonly firstRetainer: Uint32Array;
  readonly retainerNode: Uint32Array;
}

/** Flag: the edge does not count for dominators (see essentialEdges). */
export const NOT_ESSENTIAL = 0x80000000;
/** Flag: the edge does not keep its target alive on its own account (weak, or a shortcut not from the root). */
export const NOT_STRONG = 0x40000000;
/** The retaining node's ordinal in an entry. Node counts are capped below this (parser). */
export const RETAINER_MASK = 0x3fffffff;

/** The part of a snapshot the graph algorithms need; plain arrays, so another thread can hold it. */
export type EdgeGraph = Pick<
  HeapSnapshot,
  'nodeCount' | 'edgeCount' | 'firstEdge' | 'edgeTarget' | 'edgeType' | 'edgeKinds' | 'rootOrdinal' | 'graphMemory'
>;

/**
 * Incoming edges per node (and one more word, for countRetainers' total): its first step,
 * which needs only the edges, so it can run as soon as they are read.
 */
export function countTargets(edgeTarget: Uint32Array, edgeCount: number, nodeCount: number, g?: GraphMemory): Uint32Array {
  const counts = regionWords(g, 'firstRetainer', nodeCount + 1, true);
  for (let e = 0; e < edgeCount; e++) counts[edgeTarget[e]]++;
  return counts;
}

/**
 * First half (before the essential bits are known): the incoming-edge counts (countTargets',
 * unless made already) turned into first offsets, in place.
 */
export function countRetainers(s: EdgeGraph, counted = countTargets(s.edgeTarget, s.edgeCount, s.nodeCount, s.graphMemory)): Uint32Array {
  countsToOffsets(counted, s.nodeCount);
  return counted;
}

/** Second half: fills the entries, with their flags, from the counts of countRetainers. */
export function fillRetainers(s: EdgeGraph, firstRetainer: Uint32Array, essential: Uint8Array): Retainers {
  const { nodeCount, edgeCount, firstEdge, edgeTarget, edgeType, rootOrdinal } = s;
  const weak = s.edgeKinds.weak;
  const shortcut = s.edgeKinds.shortcut;
  const retainerNode = regionWords(s.graphMemory, 'retainerNode', edgeCount);
  const g = s.graphMemory;
  const kernels = g ? graphKernels(g) : null;
  const at = kernels && regionAddresses(g, { firstEdge, edgeType, edgeTarget, essential, firstRetainer, retainerNode });
  if (kernels && at) {
    for (let from = 0; from < nodeCount; from += KERNEL_CHUNK) {
      kernels.fillRetainers(
        at.firstEdge, at.edgeType, at.edgeTarget, at.essential, at.firstRetainer, at.retainerNode,
        from, Math.min(nodeCount, from + KERNEL_CHUNK), rootOrdinal, weak, shortcut,
      );
    }
    firstRetainer.copyWithin(1, 0, nodeCount);
    firstRetainer[0] = 0;
    return { firstRetainer, retainerNode };
  }
  // firstRetainer[n] is used as a cursor while filling, then shifted back.
  for (let n = 0; n < nodeCount; n++) {
    const end = firstEdge[n + 1];
    const notStrongShortcut = n === rootOrdinal ? -1 : shortcut;
    for (let e = firstEdge[n]; e < end; e++) {
      const t = edgeType[e];
      const target = edgeTarget[e];
      let entry = n;
      if ((essential[e >>> 3] & (1 << (e & 7))) === 0) entry |= NOT_ESSENTIAL;
      if (t === weak || t === notStrongShortcut) entry |= NOT_STRONG;
      retainerNode[firstRetainer[target]++] = entry >>> 0;
    }
  }
  for (let n = nodeCount; n > 0; n--) firstRetainer[n] = firstRetainer[n - 1];
  firstRetainer[0] = 0;
  return { firstRetainer, retainerNode };
}

export function buildRetainers(s: EdgeGraph, essential: Uint8Array): Retainers {
  return fillRetainers(s, countRetainers(s), essential);
}

/**
 * Each edge into `node` with its source, in retainer order: calls visit(edge, source) until it
 * returns true. Entries from one source are adjacent, and that source's edges to the node are
 * found by scanning its own edges, only for sources `accept` takes (all by default). For
 * views and queries (a few nodes), not for whole-heap passes.
 */
export function forEachRetainingEdge(
  s: Pick<HeapSnapshot, 'firstEdge' | 'edgeTarget'>,
  r: Retainers,
  node: number,
  visit: (edge: number, source: number) => boolean | void,
  accept?: (source: number) => boolean,
): void {
  const { firstRetainer, retainerNode } = r;
  let previous = -1;
  for (let k = firstRetainer[node]; k < firstRetainer[node + 1]; k++) {
    const source = retainerNode[k] & RETAINER_MASK;
    if (source === previous) continue;
    previous = source;
    if (accept && !accept(source)) continue;
    for (let e = s.firstEdge[source]; e < s.firstEdge[source + 1]; e++) {
      if (s.edgeTarget[e] === node && visit(e, source) === true) return;
    }
  }
}

/** The node whose edges include edge e (a binary search over first-edge offsets). */
export function edgeSource(s: Pick<HeapSnapshot, 'firstEdge' | 'nodeCount'>, e: number): number {
  let lo = 0;
  let hi = s.nodeCount - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (s.firstEdge[mid] <= e) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
