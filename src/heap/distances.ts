import type { EphemeronNames } from './edgeRules';
import { isDocumentTreesRoot } from './edgeRules';
import type { HeapSnapshot } from './snapshot';

/** Distance of a node no path reaches. */
export const NO_DISTANCE = -5;
/** Added to the distance of nodes reached only through system (non-user) roots. */
export const SYSTEM_DISTANCE = 100000000;

/** Whether the root has a user root: a non-synthetic child (or the DOM trees root). */
export function hasUserRoots(s: HeapSnapshot): boolean {
  const root = s.rootOrdinal;
  for (let e = s.firstEdge[root]; e < s.firstEdge[root + 1]; e++) {
    if (isUserRoot(s, s.edgeTarget[e])) return true;
  }
  return false;
}

function isUserRoot(s: HeapSnapshot, node: number): boolean {
  return s.nodeType[node] !== s.types.synthetic || isDocumentTreesRoot(s, node);
}

/**
 * Shortest distance from the GC roots, by DevTools' rules: breadth-first, weak edges never
 * count, user roots (the root's non-synthetic children) first at distance 1, then everything
 * else from the root offset by SYSTEM_DISTANCE. Like DevTools, the descriptor links of
 * "(map descriptors)" arrays and NativeContext's sloppy_function_map are skipped, and a
 * WeakMap value is reached through the second of its table/key edge pair.
 */
export function computeDistances(s: HeapSnapshot, ephemerons: EphemeronNames): Int32Array {
  const { nodeCount, firstEdge, edgeType, edgeName, edgeTarget, nodeType, nodeName, types, edgeKinds, strings } = s;
  const distances = new Int32Array(nodeCount).fill(NO_DISTANCE);
  const root = s.rootOrdinal;
  const rootEdges = firstEdge[root + 1] - firstEdge[root];
  const queue = new Uint32Array(nodeCount + rootEdges);
  let length = 0;
  for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) {
    const child = edgeTarget[e];
    if (isUserRoot(s, child)) {
      distances[child] = 1;
      queue[length++] = child;
    }
  }

  // Names the filter compares against, resolved once per distinct string index.
  const nameIs = memoNames(s);
  const pending = new Set<string>();
  const weak = edgeKinds.weak;
  const internal = edgeKinds.internal;
  const element = edgeKinds.element;
  const hidden = edgeKinds.hidden;

  const passes = (node: number, edge: number): boolean => {
    const t = nodeType[node];
    if (t === types.hidden && nameIs(nodeName[node], 'system / NativeContext')) {
      if (edgeType[edge] !== element && edgeType[edge] !== hidden && nameIs(edgeName[edge], 'sloppy_function_map')) {
        return false;
      }
    }
    if (t === types.array && nameIs(nodeName[node], '(map descriptors)')) {
      const et = edgeType[edge];
      const index = et === element || et === hidden ? edgeName[edge] : parseInt(strings.get(edgeName[edge]), 10);
      return index < 2 || index % 3 !== 1;
    }
    if (edgeType[edge] === internal && ephemerons.isEphemeron(edgeName[edge])) {
      const pair = ephemerons.pairKey(edgeName[edge]);
      if (!pending.delete(pair)) {
        pending.add(pair);
        return false;
      }
    }
    return true;
  };

  const bfs = (start: number, end: number): number => {
    let head = start;
    while (head < end) {
      const node = queue[head++];
      const next = distances[node] + 1;
      const last = firstEdge[node + 1];
      for (let e = firstEdge[node]; e < last; e++) {
        if (edgeType[e] === weak) continue;
        const child = edgeTarget[e];
        if (distances[child] !== NO_DISTANCE) continue;
        if (!passes(node, e)) continue;
        distances[child] = next;
        queue[end++] = child;
      }
    }
    return end;
  };

  bfs(0, length);
  distances[root] = length > 0 ? SYSTEM_DISTANCE : 0;
  queue[0] = root;
  bfs(0, 1);
  return distances;
}

/** nameIs(index, text): compares a string-table entry with text, caching per index. */
function memoNames(s: HeapSnapshot): (index: number, text: string) => boolean {
  const cache = new Map<string, Int8Array>();
  return (index, text) => {
    let known = cache.get(text);
    if (!known) {
      known = new Int8Array(s.strings.count);
      cache.set(text, known);
    }
    let v = known[index];
    if (v === 0) {
      v = s.strings.storedLength(index) === text.length && s.strings.get(index) === text ? 1 : -1;
      known[index] = v;
    }
    return v === 1;
  };
}
