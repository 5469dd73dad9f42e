import { sharedUint8 } from './memory';
import type { HeapSnapshot } from './snapshot';

/**
 * Facts about edges that DevTools' rules need, computed once per distinct edge name.
 *
 * V8 names the table's edge to a WeakMap value
 * "<n> / part of key (<key> @<id>) -> value (<value> @<id>) pair in WeakMap (table @<tableId>)";
 * the key holds the value with an edge of the same name after the index.
 */
const EPHEMERON = /^\d+(?<pair> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<table>\d+)\))$/;

const UNKNOWN = 0;
const PLAIN = 1;
/** A value of EphemeronNames.state: the name is a WeakMap ephemeron edge name. */
export const EPHEMERON_NAME = 2;

export class EphemeronNames {
  /** Per string index: 0 not yet looked at, 1 plain, 2 an ephemeron edge name. Hot loops read it directly. */
  readonly state: Uint8Array;
  private readonly tableIds = new Map<number, number>();
  /** Per string index of an ephemeron name: the number of its key/value pair (both edges share it). */
  private readonly pairOf = new Map<number, number>();
  private readonly pairNumbers = new Map<string, number>();

  constructor(private readonly snapshot: HeapSnapshot) {
    this.state = new Uint8Array(snapshot.strings.count);
  }

  /** Whether the string at nameIndex is a WeakMap ephemeron edge name. */
  isEphemeron(nameIndex: number): boolean {
    const st = this.state[nameIndex];
    return (st === UNKNOWN ? this.classify(nameIndex) : st) === EPHEMERON_NAME;
  }

  /** Looks at a name once and records the verdict in `state`. */
  classify(nameIndex: number): number {
    let st = this.state[nameIndex];
    if (st === UNKNOWN) {
      const strings = this.snapshot.strings;
      // Cheap pre-check before decoding: these names are long and start with a digit.
      let match: RegExpExecArray | null = null;
      const first = strings.firstByte(nameIndex);
      if (first >= 0x30 && first <= 0x39 && strings.storedLength(nameIndex) > 40) {
        match = EPHEMERON.exec(strings.get(nameIndex));
      }
      if (match?.groups) {
        st = EPHEMERON_NAME;
        this.tableIds.set(nameIndex, Number(match.groups.table));
        const pair = match.groups.pair;
        let number = this.pairNumbers.get(pair);
        if (number === undefined) {
          number = this.pairNumbers.size;
          this.pairNumbers.set(pair, number);
        }
        this.pairOf.set(nameIndex, number);
      } else {
        st = PLAIN;
      }
      this.state[nameIndex] = st;
    }
    return st;
  }

  /** The WeakMap table's node id named in an ephemeron edge name. */
  tableId(nameIndex: number): number {
    return this.tableIds.get(nameIndex) ?? -1;
  }

  /**
   * The number of the key/value pair an ephemeron name belongs to (both edges of a pair share
   * everything after the leading index), from 0 to pairCount - 1; -1 for other names.
   */
  pairNumber(nameIndex: number): number {
    return this.pairOf.get(nameIndex) ?? -1;
  }

  get pairCount(): number {
    return this.pairNumbers.size;
  }
}

/**
 * Nodes reachable (ignoring weak edges) from the root's shortcut edges, which mark user
 * globals, and from "(Document DOM trees)". DevTools calls them page-owned; an edge from a
 * node outside that set into it does not count for dominators.
 */
export function markPageOwned(s: HeapSnapshot, stack: Uint32Array = new Uint32Array(s.nodeCount)): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeTarget, edgeKinds, rootOrdinal } = s;
  const owned = new Uint8Array(nodeCount);
  let top = 0;
  for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
    const t = edgeType[e];
    const target = edgeTarget[e];
    if (t === edgeKinds.element) {
      if (!isDocumentTreesRoot(s, target)) continue;
    } else if (t !== edgeKinds.shortcut) {
      continue;
    }
    if (!owned[target]) {
      owned[target] = 1;
      stack[top++] = target;
    }
  }
  while (top > 0) {
    const n = stack[--top];
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
      const target = edgeTarget[e];
      if (owned[target] || edgeType[e] === edgeKinds.weak) continue;
      owned[target] = 1;
      stack[top++] = target;
    }
  }
  return owned;
}

export function isDocumentTreesRoot(s: HeapSnapshot, node: number): boolean {
  return s.nodeType[node] === s.types.synthetic && s.strings.get(s.nodeName[node]) === '(Document DOM trees)';
}

/**
 * A bit per edge: does it count when computing dominators? Not: weak edges, self edges,
 * shortcuts other than the root's, a WeakMap table's edge to a value (the key's edge stands
 * for the pair), and edges from outside the page-owned set into it.
 */
export function essentialEdges(s: HeapSnapshot, pageOwned: Uint8Array, ephemerons: EphemeronNames): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeName, edgeTarget, edgeKinds, nodeId, rootOrdinal } = s;
  const bits = sharedUint8((s.edgeCount >>> 3) + 1);
  const weak = edgeKinds.weak;
  const shortcut = edgeKinds.shortcut;
  const internal = edgeKinds.internal;
  const state = ephemerons.state;
  for (let n = 0; n < nodeCount; n++) {
    const end = firstEdge[n + 1];
    const fromRoot = n === rootOrdinal;
    const sourceOwned = pageOwned[n];
    for (let e = firstEdge[n]; e < end; e++) {
      const t = edgeType[e];
      if (t === weak) continue;
      if (t === internal) {
        const name = edgeName[e];
        const st = state[name] || ephemerons.classify(name);
        if (st === EPHEMERON_NAME && ephemerons.tableId(name) === nodeId[n]) continue;
      }
      const target = edgeTarget[e];
      if (target === n) continue;
      if (!fromRoot) {
        if (t === shortcut) continue;
        if (pageOwned[target] && !sourceOwned) continue;
      }
      bits[e >>> 3] |= 1 << (e & 7);
    }
  }
  return bits;
}

export function isEssential(bits: Uint8Array, edge: number): boolean {
  return (bits[edge >>> 3] & (1 << (edge & 7))) !== 0;
}
