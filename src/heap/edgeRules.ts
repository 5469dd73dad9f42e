import { regionBytes } from './graphMemory';
import { prefaulted, Scratch, sharedUint32, sharedUint8 } from './memory';
import type { EdgeGraph } from './retainers';
import type { HeapSnapshot } from './snapshot';

/**
 * Facts about edges that DevTools' rules need, computed once per string of the table.
 *
 * V8 names the table's edge to a WeakMap value
 * "<n> / part of key (<key> @<id>) -> value (<value> @<id>) pair in WeakMap (table @<tableId>)";
 * the key holds the value with an edge of the same name after the index.
 */
const KEY_PART = encode(' / part of key (');
const VALUE_PART = encode(') -> value (');
const TABLE_PART = encode(') pair in WeakMap (table @');

/** A value of EphemeronNames.state: the name is a WeakMap ephemeron edge name (else 0). */
export const EPHEMERON_NAME = 2;

export class EphemeronNames {
  /** Per string index: EPHEMERON_NAME for an ephemeron edge name, else 0. Shared, read by hot loops. */
  readonly state: Uint8Array;
  /** Per string index of an ephemeron name: the WeakMap table's node id. Shared. */
  readonly tableIdOf: Uint32Array;
  /** Per string index of an ephemeron name: 1 + the number of its key/value pair (both edges share it). */
  private readonly pairOf: Int32Array;
  private readonly pairNumbers = new PairNumbers();

  /**
   * Classifies strings once, on their raw bytes (no decoding): only those that start with a
   * digit (the table knows which without reading them) and are long enough are looked at.
   */
  constructor(snapshot: Pick<HeapSnapshot, 'strings'>) {
    const strings = snapshot.strings;
    const count = strings.count;
    this.state = sharedUint8(count);
    // Virtual memory mostly: only ephemeron names' entries are ever written.
    this.tableIdOf = sharedUint32(count);
    this.pairOf = new Int32Array(count);
    for (let i = strings.nextDigitLed(0); i >= 0; i = strings.nextDigitLed(i + 1)) {
      if (strings.storedLength(i) <= 40) continue;
      const ids = ephemeronIds(strings.rawBytes(i));
      if (!ids) continue;
      this.state[i] = EPHEMERON_NAME;
      this.tableIdOf[i] = ids.table;
      // Both edges of a pair share the text after the leading index, which names the key, the
      // value and the table; a key is in a table once, so the table and key ids identify it.
      this.pairOf[i] = this.pairNumbers.numberOf(ids.table, ids.key) + 1;
    }
  }

  /** Whether the string at nameIndex is a WeakMap ephemeron edge name. */
  isEphemeron(nameIndex: number): boolean {
    return this.state[nameIndex] === EPHEMERON_NAME;
  }

  /** The WeakMap table's node id named in an ephemeron edge name, or -1. */
  tableId(nameIndex: number): number {
    return this.state[nameIndex] === EPHEMERON_NAME ? this.tableIdOf[nameIndex] : -1;
  }

  /**
   * The number of the key/value pair an ephemeron name belongs to (both edges of a pair share
   * everything after the leading index), from 0 to pairCount - 1; -1 for other names.
   */
  pairNumber(nameIndex: number): number {
    return nameIndex < this.pairOf.length ? this.pairOf[nameIndex] - 1 : -1;
  }

  get pairCount(): number {
    return this.pairNumbers.count;
  }
}

/** Numbers 0, 1, 2… for (table id, key id) pairs: an open-addressing hash on typed arrays. */
class PairNumbers {
  private tables = new Uint32Array(1024);
  private keys = new Uint32Array(1024);
  /** 1 + the pair's number; 0 = empty slot. */
  private numbers = new Int32Array(1024);
  count = 0;

  numberOf(table: number, key: number): number {
    if (2 * (this.count + 1) > this.numbers.length) this.grow();
    const mask = this.numbers.length - 1;
    let slot = (Math.imul(table, 0x9e3779b1) ^ Math.imul(key, 0x85ebca6b)) & mask;
    for (;;) {
      const n = this.numbers[slot];
      if (n === 0) {
        this.tables[slot] = table;
        this.keys[slot] = key;
        this.numbers[slot] = ++this.count;
        return this.count - 1;
      }
      if (this.tables[slot] === table && this.keys[slot] === key) return n - 1;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const { tables, keys, numbers } = this;
    const size = numbers.length * 2;
    this.tables = new Uint32Array(size);
    this.keys = new Uint32Array(size);
    this.numbers = new Int32Array(size);
    const mask = size - 1;
    for (let old = 0; old < numbers.length; old++) {
      if (numbers[old] === 0) continue;
      let slot = (Math.imul(tables[old], 0x9e3779b1) ^ Math.imul(keys[old], 0x85ebca6b)) & mask;
      while (this.numbers[slot] !== 0) slot = (slot + 1) & mask;
      this.tables[slot] = tables[old];
      this.keys[slot] = keys[old];
      this.numbers[slot] = numbers[old];
    }
  }
}

/**
 * The key, value and table ids of an ephemeron edge name, read from its raw bytes, or null
 * when it is not one. The name must be
 * `<digits> / part of key (<any> @<digits>) -> value (<any> @<digits>) pair in WeakMap (table @<digits>)`;
 * the key id is taken at the first ") -> value (" that follows " @<digits>".
 */
function ephemeronIds(b: Uint8Array): { key: number; table: number } | null {
  let i = 0;
  while (i < b.length && isDigit(b[i])) i++;
  if (i === 0 || !startsWithAt(b, i, KEY_PART)) return null;
  const keyStart = i + KEY_PART.length;
  // The end: "(table @<digits>)".
  const last = b.length - 1;
  if (b[last] !== 0x29 /* ) */) return null;
  let tableStart = last;
  while (tableStart > 0 && isDigit(b[tableStart - 1])) tableStart--;
  if (tableStart === last) return null;
  const tablePart = tableStart - TABLE_PART.length;
  if (!startsWithAt(b, tablePart, TABLE_PART)) return null;
  const value = idBefore(b, tablePart, keyStart);
  if (value < 0) return null;
  for (let at = keyStart; at + VALUE_PART.length <= tablePart; at++) {
    if (b[at] !== 0x29 || !startsWithAt(b, at, VALUE_PART)) continue;
    const key = idBefore(b, at, keyStart);
    // The value's " @<digits>" must lie after this point, inside the value part.
    if (key >= 0 && valueIdStart(b, tablePart) >= at + VALUE_PART.length) {
      return { key, table: digitsValue(b, tableStart, last) };
    }
  }
  return null;
}

/** The number in " @<digits>" ending just before `end` (not before `from`), or -1. */
function idBefore(b: Uint8Array, end: number, from: number): number {
  let start = end;
  while (start > from && isDigit(b[start - 1])) start--;
  if (start === end || start - 2 < from || b[start - 1] !== 0x40 /* @ */ || b[start - 2] !== 0x20) return -1;
  return digitsValue(b, start, end);
}

function valueIdStart(b: Uint8Array, end: number): number {
  let start = end;
  while (start > 0 && isDigit(b[start - 1])) start--;
  return start - 2;
}

function digitsValue(b: Uint8Array, from: number, to: number): number {
  let v = 0;
  for (let k = from; k < to; k++) v = v * 10 + (b[k] - 0x30);
  return v;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function startsWithAt(b: Uint8Array, at: number, part: Uint8Array): boolean {
  if (at < 0 || at + part.length > b.length) return false;
  for (let k = 0; k < part.length; k++) if (b[at + k] !== part[k]) return false;
  return true;
}

function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Nodes reachable (ignoring weak edges) from the root's shortcut edges, which mark user
 * globals, and from "(Document DOM trees)". DevTools calls them page-owned; an edge from a
 * node outside that set into it does not count for dominators.
 */
export function markPageOwned(s: HeapSnapshot): Uint8Array {
  const { nodeCount, firstEdge, edgeType, edgeTarget, edgeKinds, rootOrdinal } = s;
  // Untouched (free) unless something is page-owned: then prefaulted, with a stack for the
  // walk (a scratch given back unused would still cost as much as one touched).
  const owned = sharedUint8(nodeCount);
  let scratch: Scratch | null = null;
  let stack: Uint32Array = new Uint32Array(0);
  let top = 0;
  for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
    const t = edgeType[e];
    const target = edgeTarget[e];
    if (t === edgeKinds.element) {
      if (!isDocumentTreesRoot(s, target)) continue;
    } else if (t !== edgeKinds.shortcut) {
      continue;
    }
    if (!scratch) {
      prefaulted(owned);
      scratch = new Scratch(nodeCount);
      stack = scratch.words;
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
  scratch?.release();
  return owned;
}

export function isDocumentTreesRoot(s: HeapSnapshot, node: number): boolean {
  return s.nodeType[node] === s.types.synthetic && s.strings.get(s.nodeName[node]) === '(Document DOM trees)';
}

/**
 * What the essential-edge rule needs besides the graph: plain data on shared arrays, so the
 * analysis thread can mark the edges while this one goes on.
 */
export interface EssentialRules {
  readonly pageOwned: Uint8Array;
  readonly ephemeronState: Uint8Array;
  readonly ephemeronTableId: Uint32Array;
  readonly nodeId: Uint32Array;
  readonly edgeName: Uint32Array;
  readonly edgeKinds: HeapSnapshot['edgeKinds'];
  readonly rootOrdinal: number;
}

export function essentialRules(s: HeapSnapshot, pageOwned: Uint8Array, ephemerons: EphemeronNames): EssentialRules {
  return {
    pageOwned,
    ephemeronState: ephemerons.state,
    ephemeronTableId: ephemerons.tableIdOf,
    nodeId: s.nodeId,
    edgeName: s.edgeName,
    edgeKinds: s.edgeKinds,
    rootOrdinal: s.rootOrdinal,
  };
}

/**
 * Does edge e (of type t, from node n to target) count when computing dominators? Not: weak
 * edges, self edges, shortcuts other than the root's, a WeakMap table's edge to a value (the
 * key's edge stands for the pair), and edges from outside the page-owned set into it.
 */
export function isEssentialEdge(r: EssentialRules, n: number, e: number, t: number, target: number): boolean {
  const kinds = r.edgeKinds;
  if (t === kinds.weak || target === n) return false;
  if (t === kinds.internal) {
    const name = r.edgeName[e];
    if (r.ephemeronState[name] === EPHEMERON_NAME && r.ephemeronTableId[name] === r.nodeId[n]) return false;
  }
  if (n !== r.rootOrdinal) {
    if (t === kinds.shortcut) return false;
    if (r.pageOwned[target] && !r.pageOwned[n]) return false;
  }
  return true;
}

/** A bit per edge: isEssentialEdge. */
export function essentialEdges(s: EdgeGraph, rules: EssentialRules): Uint8Array {
  const bits = essentialBits(s);
  markEssentialEdges(s, rules, bits, 0, s.nodeCount);
  return bits;
}

/** The essential-edge bits, all clear (shared, prefaulted: they are or-ed in). */
export function essentialBits(s: EdgeGraph): Uint8Array {
  return regionBytes(s.graphMemory, 'essential', (s.edgeCount >>> 3) + 1, true);
}

/**
 * Sets the bits of the essential edges of nodes from..to - 1. Another thread may mark the
 * nodes on either side at the same time: the two bytes this range may share with them are
 * or-ed atomically.
 */
export function markEssentialEdges(s: EdgeGraph, rules: EssentialRules, bits: Uint8Array, from: number, to: number): void {
  const { firstEdge, edgeType, edgeTarget } = s;
  const firstByte = firstEdge[from] >>> 3;
  const lastByte = (firstEdge[to] - 1) >>> 3;
  for (let n = from; n < to; n++) {
    const end = firstEdge[n + 1];
    for (let e = firstEdge[n]; e < end; e++) {
      if (!isEssentialEdge(rules, n, e, edgeType[e], edgeTarget[e])) continue;
      const i = e >>> 3;
      if (i === firstByte || i === lastByte) Atomics.or(bits, i, 1 << (e & 7));
      else bits[i] |= 1 << (e & 7);
    }
  }
}

/** The node where the edges' first `share` (0..1) ends: the split of the marking between threads. */
export function splitNodeAt(s: Pick<EdgeGraph, 'firstEdge' | 'nodeCount' | 'edgeCount'>, share: number): number {
  const target = Math.floor(s.edgeCount * share);
  let lo = 0;
  let hi = s.nodeCount;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.firstEdge[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function isEssential(bits: Uint8Array, edge: number): boolean {
  return (bits[edge >>> 3] & (1 << (edge & 7))) !== 0;
}
