/**
 * Class names and per-class aggregates, by the rules DevTools' Summary view uses, so our
 * counts and sizes can be compared with it class by class:
 * - objects and native nodes are named by their constructor (`<div id=…>` becomes `<div>`),
 *   closures are "Function", code "(compiled code)", hidden "(system)", the rest "(type)";
 * - plain `Object`s whose property set is common get an interface name like `{id, name}`;
 * - objects whose constructor has a source location are told apart by that location;
 * - nodes with a self size of 0 are not counted.
 */
import { prefaulted, sharedUint32 } from './memory';
import type { HeapSnapshot } from './snapshot';

export interface ClassTable {
  /** Class of each node (an index into `classes`). */
  readonly classOf: Uint32Array;
  readonly classes: readonly ClassInfo[];
}

export interface ClassInfo {
  /** Display name, e.g. "Processor", "{id, name}", "(system)". */
  readonly name: string;
  /** DevTools' class key: "scriptId,line,column,name" for located objects, ",name" otherwise. */
  readonly key: string;
  /** Source location of the constructor (0-based), for objects that have one. */
  readonly location?: { scriptId: number; line: number; column: number };
}

export interface ClassAggregate {
  readonly classId: number;
  count: number;
  selfSize: number;
  /** Retained size of the class: of its instances not dominated by another instance. */
  retainedSize: number;
  /** Smallest distance of an instance from the roots. */
  distance: number;
}

const MAX_INTERFACE_NAME_LENGTH = 120;
const MIN_OBJECTS_PER_INTERFACE = 2;
const MIN_PROPORTION_PER_INTERFACE = 1000;

/** A plain object's slot in the first pass holds its shape number with this bit set. */
const SHAPE_BIT = 0x80000000;

/**
 * Two passes over the nodes and one per-node array: it holds class-name string indexes (a
 * shape number for plain objects), then (in place) class ids. Interface names are decided per
 * shape in between, with no pass over the nodes.
 */
export function buildClassTable(s: HeapSnapshot): ClassTable {
  const classOf = sharedUint32(s.nodeCount);
  const shapes = new ShapeTrie(s);
  nameClasses(s, classOf, shapes);
  return assignClassIds(s, classOf, interfaceNames(s, shapes));
}

/**
 * First pass: a class-name string index per node (DevTools' calculateObjectNames); for plain
 * objects, whose name may become an interface name, their shape (with SHAPE_BIT).
 */
function nameClasses(s: HeapSnapshot, out: Uint32Array, shapes: ShapeTrie): Uint32Array {
  const { nodeCount, nodeType, nodeName, types, strings, nodeTypeNames } = s;
  const added = new Map<string, number>();
  const indexFor = (text: string): number => {
    let i = added.get(text);
    if (i === undefined) {
      i = strings.add(text);
      added.set(text, i);
    }
    return i;
  };
  const byType = nodeTypeNames.map((name, t) => {
    if (t === types.hidden) return indexFor('(system)');
    if (t === types.code) return indexFor('(compiled code)');
    if (t === types.closure) return indexFor('Function');
    if (t === types.regexp) return indexFor('RegExp');
    if (t === types.object || t === types.native) return -1;
    return indexFor(`(${name})`);
  });
  // Object and native names: most map to themselves; tag-like names are shortened.
  // 1 + the class name index per node name (0 = not looked at yet).
  const byName = prefaulted(new Uint32Array(strings.count));
  const nameClass = (nameIndex: number): number => {
    // Names added by analysis (DOM state's "Detached <…>") lie past the table: not memoized.
    const known = nameIndex < byName.length ? byName[nameIndex] : 0;
    if (known !== 0) return known - 1;
    const name = strings.get(nameIndex);
    let c = nameIndex;
    if (name.startsWith('<')) {
      const space = name.indexOf(' ');
      c = indexFor(space === -1 ? name : name.substring(0, space) + '>');
    } else if (name.startsWith('Detached <')) {
      const space = name.indexOf(' ', 10);
      c = indexFor(space === -1 ? name : name.substring(0, space) + '>');
    }
    if (nameIndex < byName.length) byName[nameIndex] = c + 1;
    return c;
  };
  const objectType = types.object;
  const objectName = shapes.objectName;
  for (let n = 0; n < nodeCount; n++) {
    const t = nodeType[n];
    const fixed = byType[t];
    if (fixed >= 0) out[n] = fixed;
    else if (t === objectType && nodeName[n] === objectName) out[n] = (shapes.shapeOf(n) | SHAPE_BIT) >>> 0;
    else out[n] = nameClass(nodeName[n]);
  }
  return out;
}

/** DevTools' property-name formatting for interface names. */
export function formatPropertyName(name: string): string {
  if (/[,'"{}]/.test(name)) {
    const json = JSON.stringify({ [name]: 0 });
    return json.substring(1, json.length - 3);
  }
  return name;
}

interface Shape {
  /** Property-edge name indexes in edge order. */
  readonly properties: number[];
  count: number;
  firstNode: number;
  classIndex: number;
}

/**
 * Plain objects ("Object" objects) grouped by their exact sequence of property names, in a
 * trie, so interface names are built once per shape, not once per object.
 */
class ShapeTrie {
  /** The string index of "Object" (-1 if absent: then no node is a plain object). */
  readonly objectName: number;
  readonly shapes: Shape[] = [];
  plainObjects = 0;
  private readonly children: Map<number, number>[] = [new Map()];
  private readonly shapeOfTrieNode: number[] = [-1];

  constructor(private readonly s: HeapSnapshot) {
    this.objectName = findString(s, 'Object');
  }

  /** The shape of plain object n (adding it if new), counted. */
  shapeOf(n: number): number {
    const { firstEdge, edgeType, edgeName, edgeKinds } = this.s;
    const { children, shapeOfTrieNode, shapes } = this;
    const property = edgeKinds.property;
    this.plainObjects++;
    let t = 0;
    const end = firstEdge[n + 1];
    for (let e = firstEdge[n]; e < end; e++) {
      if (edgeType[e] !== property) continue;
      const next = children[t];
      let child = next.get(edgeName[e]);
      if (child === undefined) {
        child = children.length;
        children.push(new Map());
        shapeOfTrieNode.push(-1);
        next.set(edgeName[e], child);
      }
      t = child;
    }
    let shape = shapeOfTrieNode[t];
    if (shape < 0) {
      const properties: number[] = [];
      for (let e = firstEdge[n]; e < end; e++) if (edgeType[e] === property) properties.push(edgeName[e]);
      shape = shapes.length;
      shapes.push({ properties, count: 0, firstNode: n, classIndex: -1 });
      shapeOfTrieNode[t] = shape;
    }
    shapes[shape].count++;
    return shape;
  }
}

/**
 * Interface names for plain objects (DevTools' inferInterfaceDefinitions and
 * applyInterfaceDefinitions): the class-name index of each shape, "Object" where no
 * interface applies.
 */
function interfaceNames(s: HeapSnapshot, trie: ShapeTrie): Uint32Array {
  const { strings } = s;
  const { shapes, plainObjects, objectName } = trie;
  const nameOfShapes = (): Uint32Array => Uint32Array.from(shapes, (shape) => (shape.classIndex >= 0 ? shape.classIndex : objectName));
  if (plainObjects === 0) return nameOfShapes();

  // Candidates: interface names over shapes, in order of first appearance.
  interface Candidate {
    name: string;
    properties: string[];
    count: number;
    firstNode: number;
  }
  const candidates = new Map<string, Candidate>();
  for (const shape of shapes) {
    let name = '{';
    const properties: string[] = [];
    for (const p of shape.properties) {
      const text = strings.get(p);
      if (text === '__proto__') continue;
      const formatted = formatPropertyName(text);
      if (name.length > 1 && name.length + formatted.length > MAX_INTERFACE_NAME_LENGTH) break;
      if (name.length !== 1) name += ', ';
      name += formatted;
      properties.push(text);
    }
    if (properties.length === 0) continue;
    name += '}';
    const c = candidates.get(name);
    if (c) {
      c.count += shape.count;
      c.firstNode = Math.min(c.firstNode, shape.firstNode);
    } else {
      candidates.set(name, { name, properties, count: shape.count, firstNode: shape.firstNode });
    }
  }
  const ordered = [...candidates.values()].sort((a, b) => b.count - a.count || a.firstNode - b.firstNode);
  const minCount = Math.max(MIN_OBJECTS_PER_INTERFACE, plainObjects / MIN_PROPORTION_PER_INTERFACE);
  const definitions = ordered.filter((c) => c.count >= minCount);
  if (definitions.length === 0) return nameOfShapes();

  // The property tree: a path of sorted property names leads to a definition.
  interface TreeNode {
    next: Map<string, TreeNode>;
    match: Match | null;
    greatestNext: string | null;
  }
  interface Match {
    name: string;
    propertyCount: number;
    index: number;
  }
  const tree: TreeNode = { next: new Map(), match: null, greatestNext: null };
  definitions.forEach((definition, index) => {
    const sorted = [...definition.properties].sort();
    let node = tree;
    for (const p of sorted) {
      let next = node.next.get(p);
      if (!next) {
        next = { next: new Map(), match: null, greatestNext: null };
        node.next.set(p, next);
        if (node.greatestNext === null || node.greatestNext < p) node.greatestNext = p;
      }
      node = next;
    }
    if (!node.match) node.match = { name: definition.name, propertyCount: sorted.length, index };
  });
  const better = (a: Match, b: Match | null): Match => {
    if (!b || a.propertyCount > b.propertyCount) return a;
    if (b.propertyCount > a.propertyCount) return b;
    return a.index <= b.index ? a : b;
  };
  const none: Match = { name: 'Object', propertyCount: 0, index: Infinity };
  const interfaceIndex = new Map<string, number>();
  for (const shape of shapes) {
    const sorted = shape.properties.map((p) => strings.get(p)).sort();
    const states = new Set<TreeNode>([tree]);
    let match = better(none, tree.match);
    for (const p of sorted) {
      for (const state of Array.from(states)) {
        if (state.greatestNext === null || p >= state.greatestNext) states.delete(state);
        const next = state.next.get(p);
        if (next) {
          states.add(next);
          match = better(match, next.match);
        }
      }
    }
    if (match === none) continue;
    let index = interfaceIndex.get(match.name);
    if (index === undefined) {
      index = strings.add(match.name);
      interfaceIndex.set(match.name, index);
    }
    shape.classIndex = index;
  }
  return nameOfShapes();
}

/** Second pass: class ids per (class name, constructor location for objects); plain objects' names from their shapes. */
function assignClassIds(s: HeapSnapshot, classNameIndex: Uint32Array, shapeNames: Uint32Array): ClassTable {
  const { nodeCount, nodeType, types, locations, strings } = s;
  const locationRows = rowsByNode(locations);
  let nextLocated = 0;
  // In place: classOf[n] replaces classNameIndex[n] once read.
  const classOf = classNameIndex;
  const classes: ClassInfo[] = [];
  const byKey = new Map<string, number>();
  const unlocated = new Int32Array(strings.totalCount).fill(-1);
  const located = new Map<number, Map<number, number>>();
  const idFor = (name: string, key: string, location?: ClassInfo['location']): number => {
    let id = byKey.get(key);
    if (id === undefined) {
      id = classes.length;
      classes.push(location ? { name, key, location } : { name, key });
      byKey.set(key, id);
    }
    return id;
  };
  for (let n = 0; n < nodeCount; n++) {
    const slot = classNameIndex[n];
    const nameIndex = slot >= SHAPE_BIT ? shapeNames[slot - SHAPE_BIT] : slot;
    // Location rows in node order, walked alongside n; of several rows for one node the last
    // in the file counts (as a per-node table filled in file order would have it).
    let row = -1;
    while (nextLocated < locationRows.length && locations[locationRows[nextLocated]] < n) nextLocated++;
    if (nextLocated < locationRows.length && locations[locationRows[nextLocated]] === n) {
      while (nextLocated + 1 < locationRows.length && locations[locationRows[nextLocated + 1]] === n) nextLocated++;
      if (nodeType[n] === types.object) row = locationRows[nextLocated];
    }
    if (row < 0) {
      let id = unlocated[nameIndex];
      if (id < 0) {
        const name = strings.get(nameIndex);
        id = idFor(name, ',' + name);
        unlocated[nameIndex] = id;
      }
      classOf[n] = id;
      continue;
    }
    const scriptId = locations[row + 1];
    const line = locations[row + 2];
    const column = locations[row + 3];
    // One number per location while it fits exactly; else the string key decides alone.
    const packed = scriptId < 0x2000 && line < 0x100000 && column < 0x100000 ? (scriptId * 0x100000 + line) * 0x100000 + column : -1;
    let perName = packed >= 0 ? located.get(packed) : undefined;
    let id = perName?.get(nameIndex);
    if (id === undefined) {
      const name = strings.get(nameIndex);
      id = idFor(name, `${scriptId},${line},${column},${name}`, { scriptId, line, column });
      if (packed >= 0) {
        if (!perName) {
          perName = new Map();
          located.set(packed, perName);
        }
        perName.set(nameIndex, id);
      }
    }
    classOf[n] = id;
  }
  return { classOf, classes };
}

/** Count, self size and smallest distance per class; nodes with a self size of 0 are not counted. */
export function countClasses(
  s: Pick<HeapSnapshot, 'nodeCount' | 'selfSize'>,
  classOf: Uint32Array,
  classCount: number,
  distances: Int32Array,
): ClassAggregate[] {
  const { nodeCount, selfSize } = s;
  const byClass: (ClassAggregate | undefined)[] = new Array(classCount);
  for (let n = 0; n < nodeCount; n++) {
    const size = selfSize[n];
    if (!size) continue;
    const c = classOf[n];
    const agg = byClass[c];
    if (agg) {
      agg.count++;
      agg.selfSize += size;
      if (distances[n] < agg.distance) agg.distance = distances[n];
    } else {
      byClass[c] = { classId: c, count: 1, selfSize: size, retainedSize: 0, distance: distances[n] };
    }
  }
  return byClass.filter((a): a is ClassAggregate => a !== undefined);
}

/** What the class walk reads: classes, sizes, and the dominator tree's children (CSR). */
export interface ClassWalkInput {
  readonly rootOrdinal: number;
  readonly classOf: Uint32Array;
  readonly classCount: number;
  readonly selfSize: Float64Array;
  readonly retainedSize: Float64Array;
  readonly dominatedFirst: Uint32Array;
  readonly dominatedNodes: Uint32Array;
}

/** The class walk's input from a snapshot, its classes, retained sizes and children index. */
export function classWalkInput(
  s: Pick<HeapSnapshot, 'rootOrdinal' | 'selfSize'>,
  classOf: Uint32Array,
  classCount: number,
  retainedSize: Float64Array,
  dominated: { first: Uint32Array; nodes: Uint32Array },
): ClassWalkInput {
  return {
    rootOrdinal: s.rootOrdinal,
    classOf,
    classCount,
    selfSize: s.selfSize,
    retainedSize,
    dominatedFirst: dominated.first,
    dominatedNodes: dominated.nodes,
  };
}

/**
 * Retained size per class: of its instances (with a self size) not dominated by another. A
 * depth-first walk of the dominator tree; `open` marks classes with an instance on the path.
 */
export function classRetainedSizes(input: ClassWalkInput): Float64Array {
  const walker = new ClassWalker(input);
  walker.walk(input.rootOrdinal, -1);
  return walker.retained;
}

/**
 * The children of one node, whose subtrees two threads walk, each claiming the next one
 * when it is free (`claimed`, a shared counter), so neither waits for a fixed half.
 */
export interface SharedSubtrees {
  readonly node: number;
  /** Classes with an instance on the path from the root to `node` (included). */
  readonly openAbove: Uint32Array;
  readonly claimed: Uint32Array;
}

/**
 * The node to share the walk at: down from the root, into the child retaining at least half of
 * everything while there is one. In the story's heap that ends at the registry's map, whose
 * many entries share well; where it stops higher, the subtrees are coarser (the result is the
 * same, only the balance between the threads changes).
 */
export function chooseSharedSubtrees(input: ClassWalkInput): SharedSubtrees {
  const { rootOrdinal, classOf, selfSize, retainedSize, dominatedFirst, dominatedNodes } = input;
  const half = retainedSize[rootOrdinal] / 2;
  const open = new Set<number>();
  let node = rootOrdinal;
  for (;;) {
    if (selfSize[node]) open.add(classOf[node]);
    let biggest = -1;
    for (let k = dominatedFirst[node]; k < dominatedFirst[node + 1]; k++) {
      const child = dominatedNodes[k];
      if (retainedSize[child] >= half && (biggest < 0 || retainedSize[child] > retainedSize[biggest])) biggest = child;
    }
    if (biggest < 0) break;
    node = biggest;
  }
  const claimed = sharedUint32(1);
  return { node, openAbove: Uint32Array.from(open), claimed };
}

/**
 * Walks the whole tree but the shared subtrees, then claims shared ones until none is left.
 * The other thread calls walkSharedSubtrees; the two results add up to classRetainedSizes.
 */
export function classRetainedSizesSharing(input: ClassWalkInput, shared: SharedSubtrees): Float64Array {
  const walker = new ClassWalker(input);
  walker.walk(input.rootOrdinal, shared.node);
  walker.walkShared(shared);
  return walker.retained;
}

/** This thread's part of the shared subtrees (see classRetainedSizesSharing). */
export function walkSharedSubtrees(input: ClassWalkInput, shared: SharedSubtrees): Float64Array {
  const walker = new ClassWalker(input);
  walker.walkShared(shared);
  return walker.retained;
}

class ClassWalker {
  readonly retained: Float64Array;
  private readonly open: Uint8Array;
  // Grown as needed: the walk's stack is far shorter than the node count (a per-node scratch
  // would cost more to give back, untouched, than this costs to grow).
  private stack = new Uint32Array(1 << 16);

  constructor(private readonly input: ClassWalkInput) {
    this.retained = prefaulted(new Float64Array(input.classCount));
    this.open = new Uint8Array(input.classCount);
  }

  /** The subtree of `start`; of node `skip` (if met), the children are left out. */
  walk(start: number, skip: number): void {
    const { classOf, selfSize, retainedSize, dominatedFirst, dominatedNodes } = this.input;
    const { retained, open } = this;
    const openedAt: number[] = [];
    const openedClass: number[] = [];
    let stack = this.stack;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const n = stack[--top];
      const c = classOf[n];
      const from = dominatedFirst[n];
      const to = n === skip ? from : dominatedFirst[n + 1];
      if (!open[c] && selfSize[n]) {
        retained[c] += retainedSize[n];
        if (from !== to) {
          open[c] = 1;
          openedAt.push(top);
          openedClass.push(c);
        }
      }
      if (top + (to - from) > stack.length) {
        const grown = new Uint32Array(Math.max(2 * stack.length, top + (to - from)));
        grown.set(stack.subarray(0, top));
        stack = this.stack = grown;
      }
      for (let k = from; k < to; k++) stack[top++] = dominatedNodes[k];
      while (openedAt.length > 0 && openedAt[openedAt.length - 1] === top) {
        openedAt.pop();
        open[openedClass.pop() as number] = 0;
      }
    }
  }

  /** Claims the shared subtrees one by one, with the classes above them open. */
  walkShared(shared: SharedSubtrees): void {
    const { dominatedFirst, dominatedNodes } = this.input;
    for (const c of shared.openAbove) this.open[c] = 1;
    const first = dominatedFirst[shared.node];
    const count = dominatedFirst[shared.node + 1] - first;
    for (;;) {
      const k = Atomics.add(shared.claimed, 0, 1);
      if (k >= count) break;
      this.walk(dominatedNodes[first + k], -1);
    }
    for (const c of shared.openAbove) this.open[c] = 0;
  }
}

/** Adds `part` into `sum`. */
export function addInto(sum: Float64Array, part: Float64Array): Float64Array {
  for (let c = 0; c < sum.length; c++) sum[c] += part[c];
  return sum;
}

export function withRetainedSizes(counts: ClassAggregate[], retained: Float64Array): ClassAggregate[] {
  for (const agg of counts) agg.retainedSize = retained[agg.classId];
  return counts;
}

/** Children of each node in the dominator tree, CSR form. */
export function buildDominatedNodes(
  dominator: Uint32Array,
  root: number,
  into?: { first: Uint32Array; nodes: Uint32Array },
): { first: Uint32Array; nodes: Uint32Array } {
  const count = dominator.length;
  const first = into?.first.subarray(0, count + 1).fill(0) ?? new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) if (n !== root) first[dominator[n]]++;
  // Offsets where each group ends, then filled from the back: each ends up at its start,
  // children in ascending order, with no cursor array.
  let total = 0;
  for (let d = 0; d < count; d++) {
    total += first[d];
    first[d] = total;
  }
  first[count] = total;
  const nodes = into?.nodes.subarray(0, total) ?? new Uint32Array(total);
  for (let n = count - 1; n >= 0; n--) if (n !== root) nodes[--first[dominator[n]]] = n;
  return { first, nodes };
}

/**
 * Offsets of the location rows (4 numbers each), sorted by node; rows of one node keep their
 * file order. A stable radix sort, two passes of 15 bits (node ordinals are below 2^30).
 */
function rowsByNode(locations: Uint32Array): Uint32Array {
  const rows = locations.length >>> 2;
  // Keys travel with their rows, so each pass reads them in order instead of jumping into
  // the locations array.
  let keys = new Uint32Array(rows);
  let from = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    keys[r] = locations[r * 4];
    from[r] = r * 4;
  }
  let nextKeys = new Uint32Array(rows);
  let to = new Uint32Array(rows);
  const counts = new Uint32Array(1 << 15);
  for (let shift = 0; shift < 30; shift += 15) {
    counts.fill(0);
    for (let r = 0; r < rows; r++) counts[(keys[r] >>> shift) & 0x7fff]++;
    let sum = 0;
    for (let d = 0; d < counts.length; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let r = 0; r < rows; r++) {
      const slot = counts[(keys[r] >>> shift) & 0x7fff]++;
      nextKeys[slot] = keys[r];
      to[slot] = from[r];
    }
    [keys, nextKeys] = [nextKeys, keys];
    [from, to] = [to, from];
  }
  return from;
}

/** Index of a string in the table, or -1. Scans once; used for a handful of fixed names. */
export function findString(s: HeapSnapshot, text: string): number {
  const is = s.strings.matcher(text);
  for (let i = 0; i < s.strings.count; i++) if (is(i)) return i;
  return -1;
}
