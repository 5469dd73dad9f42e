import { EPHEMERON_NAME, type EphemeronNames, isDocumentTreesRoot } from './edgeRules';
import { regionWords } from './graphMemory';
import { prefaulted } from './memory';
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
export function computeDistances(s: HeapSnapshot, ephemerons: EphemeronNames, scratch?: Uint32Array): Int32Array {
  const { nodeCount, firstEdge, edgeType, edgeName, edgeTarget, nodeType, nodeName, types, edgeKinds, strings } = s;
  // In the graph memory where there is one: its pages held storage attribution's owners (touched already).
  const words = s.graphMemory ? regionWords(s.graphMemory, 'distances', nodeCount) : null;
  const distances = (words ? new Int32Array(words.buffer, words.byteOffset, nodeCount) : new Int32Array(nodeCount)).fill(NO_DISTANCE);
  const root = s.rootOrdinal;
  const rootEdges = firstEdge[root + 1] - firstEdge[root];
  const queue = scratch && scratch.length >= nodeCount + rootEdges ? scratch : new Uint32Array(nodeCount + rootEdges);
  let length = 0;
  for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) {
    const child = edgeTarget[e];
    if (isUserRoot(s, child)) {
      distances[child] = 1;
      queue[length++] = child;
    }
  }

  // Names the filters compare against, resolved once per distinct string index.
  const nativeContext = nameMatcher(s, 'system / NativeContext');
  const mapDescriptors = nameMatcher(s, '(map descriptors)');
  const sloppyFunctionMap = nameMatcher(s, 'sloppy_function_map');
  const weak = edgeKinds.weak;
  const internal = edgeKinds.internal;
  const element = edgeKinds.element;
  const hidden = edgeKinds.hidden;
  const ephemeronState = ephemerons.state;

  /** DevTools' per-node filters: 1 for a NativeContext, 2 for "(map descriptors)", else 0. */
  const filterOf = (node: number): number => {
    const t = nodeType[node];
    if (t === types.hidden && nativeContext(nodeName[node])) return 1;
    if (t === types.array && mapDescriptors(nodeName[node])) return 2;
    return 0;
  };
  const passesFilter = (filter: number, edge: number): boolean => {
    const et = edgeType[edge];
    if (filter === 1) return et === element || et === hidden || !sloppyFunctionMap(edgeName[edge]);
    const index = et === element || et === hidden ? edgeName[edge] : parseInt(strings.get(edgeName[edge]), 10);
    return index < 2 || index % 3 !== 1;
  };
  /** A WeakMap value is reached through the second edge of its table/key pair. */
  // Every name is classified (and its pair numbered) before this walk.
  const pending = prefaulted(new Uint8Array(ephemerons.pairCount));
  const secondOfPair = (edge: number): boolean => {
    const pair = ephemerons.pairNumber(edgeName[edge]);
    if (pending[pair] === 1) {
      pending[pair] = 0;
      return true;
    }
    pending[pair] = 1;
    return false;
  };

  const bfs = (start: number, end: number): number => {
    let head = start;
    while (head < end) {
      const node = queue[head++];
      const next = distances[node] + 1;
      const last = firstEdge[node + 1];
      const filter = filterOf(node);
      for (let e = firstEdge[node]; e < last; e++) {
        const et = edgeType[e];
        if (et === weak) continue;
        const child = edgeTarget[e];
        if (distances[child] !== NO_DISTANCE) continue;
        if (filter !== 0 && !passesFilter(filter, e)) continue;
        if (et === internal) {
          const name = edgeName[e];
          if (ephemeronState[name] === EPHEMERON_NAME && !secondOfPair(e)) continue;
        }
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

/** matches(index): whether string-table entry `index` is `text`, cached per index. */
function nameMatcher(s: HeapSnapshot, text: string): (index: number) => boolean {
  const is = s.strings.matcher(text);
  const known = prefaulted(new Int8Array(s.strings.count));
  return (index) => {
    if (index >= known.length) return is(index);
    if (known[index] === 0) known[index] = is(index) ? 1 : -1;
    return known[index] === 1;
  };
}
