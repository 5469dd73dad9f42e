/**
 * The leak verdict from three snapshots of one process (node ids are stable while the
 * HeapProfiler stays enabled): baseline, target (after N calls) and final (after N more).
 *
 * - Survivors: target objects absent from baseline and still present in final (memlab's rule).
 * - Grouped by class; noise (code, feedback, V8/Node internals) filtered by one list.
 * - A class leaks when its survivors are at least one per call, or when its new objects grow
 *   from target to final by a positive multiple of N (fuite's rule).
 * - Leak roots: survivors whose dominator is not itself a survivor. A class with roots is a
 *   "primary" leak; the others are what the roots hold.
 * - For the top classes: shortest retainer paths from the GC roots, clustered; the culprit edge
 *   where an old (pre-baseline) holder points into new objects; a fix hint by shape; and
 *   objgraph-style back-reference graphs.
 */
import type { HeapAnalysis } from './analysis';
import { NO_DISTANCE } from './distances';
import { buildClassTable, type ClassTable } from './classes';
import { IdSet } from './idSet';
import { edgeSource, forEachRetainingEdge } from './retainers';
import { edgeNameText, type HeapSnapshot } from './snapshot';
import { describeNode, objectName, strongRetainerCount, type ObjectSummary } from './summary';

export interface LeakOptions {
  /** N: calls between baseline and target, and between target and final. */
  iterations: number;
  /** Back-reference graph: levels of retainers (objgraph's max_depth). */
  maxDepth: number;
  /** Back-reference graph: retainers shown per node before the rest fold into "N more". */
  tooMany: number;
  /** How many leaking classes to describe in full. */
  maxLeaks: number;
}

export const DEFAULT_LEAK_OPTIONS: LeakOptions = { iterations: 7, maxDepth: 10, tooMany: 3, maxLeaks: 5 };

export interface SourceLocation {
  scriptId: number;
  /** 0-based, as in the snapshot. */
  line: number;
  column: number;
}

export interface PathStep {
  /** Snapshot id of the node this step leaves. */
  fromId: number;
  from: string;
  fromType: string;
  edgeType: string;
  edgeName: string;
  toId: number;
  to: string;
  toType: string;
  /** The holder existed before the calls (in baseline). */
  fromOld: boolean;
}

export interface RetainerPath {
  steps: PathStep[];
  /** How many sampled leaked objects share this path shape. */
  count: number;
  /** Index into steps of the culprit edge (where new objects attach), or -1. */
  culprit: number;
  /**
   * Index of the holder's edge: the culprit's own when the holder points at the new objects,
   * one earlier when it points at a collection that grows (`Processor.instanceMap` → Map).
   */
  holder: number;
}

export interface Culprit {
  /** In source terms, e.g. "Processor.instanceMap (Map) → value → Processor". */
  text: string;
  /** The holding reference alone, e.g. "Processor.instanceMap" or "closure variable cache (in render())". */
  where: string;
  holder: string;
  holderId: number;
  edgeName: string;
  /** The collection the holder points to, when there is one (Map, Set, Array, Object). */
  collection?: string;
  holderLocation?: SourceLocation;
  kind: 'collection' | 'listeners' | 'timer' | 'closure' | 'property';
}

export interface GraphNode {
  /** Snapshot id, or a negative number for a folded "N more" node. */
  id: number;
  name: string;
  type: string;
  selfSize: number;
  retainedSize: number;
  refs: number;
  distance: number | null;
  leaked: boolean;
  old: boolean;
  isRoot: boolean;
  location?: SourceLocation;
  folded?: number;
}

export interface GraphEdge {
  /** Retainer (holder) id. */
  from: number;
  /** Retained object id. */
  to: number;
  name: string;
  type: string;
  culprit: boolean;
}

export interface BackReferenceGraph {
  /**
   * Ids of the sampled leaked objects the graph was drawn from (its bottom row). Reports made
   * before this field existed lack it.
   */
  starts?: number[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Retainers not shown because of tooMany, in total. */
  folded: number;
  maxDepth: number;
  tooMany: number;
}

export interface LeakFinding {
  /** Unique per finding: the display name plus, where it has one, the source location. */
  key: string;
  className: string;
  /** Survivors: new since baseline, alive in target and final. */
  survivors: number;
  countPerCall: number;
  bytesPerCall: number;
  /** Retained by this class's leak roots in the target snapshot. */
  retainedSize: number;
  /** New objects of this class in final minus survivors in target: N × per-call growth for a leak. */
  growth: number;
  primary: boolean;
  /** Strong-retainer counts of the survivors: min, median, max, and the most common value. */
  refs: { min: number; median: number; max: number; typical: number };
  location?: SourceLocation;
  examples: ObjectSummary[];
  paths: RetainerPath[];
  culprit?: Culprit;
  fixHint?: string;
  graph?: BackReferenceGraph;
  /** Classes this one's survivors hold (by dominance), per call. */
  holds: { className: string; countPerCall: number }[];
}

export interface LeakFindings {
  leaks: LeakFinding[];
  /** Classes that grew but did not meet the rule, for context. */
  watch: { className: string; survivors: number; growth: number }[];
  noiseFiltered: number;
  survivorCount: number;
}

/**
 * Node/V8 internals that change between snapshots without being the program's leak: compiled
 * code and its metadata, hidden-class machinery, V8's internal arrays and system objects,
 * and heap numbers (boxed doubles that V8 reallocates freely). One list, one reason each.
 */
const NOISE_TYPES: readonly string[] = [
  'code', // compiled code, feedback metadata: grows with optimization, not with the program
  'hidden', // "system / …" internals: contexts' and maps' storage, owned by real objects
  'object shape', // hidden classes (Maps): created as object shapes settle
  'synthetic', // the snapshot's own root nodes
  'number', // heap numbers: boxed doubles V8 reallocates as values change
  'array', // V8-internal arrays (elements, hash tables): counted through their owner instead
];
const NOISE_NAME_PREFIXES: readonly string[] = ['system / ', '(internal'];

export function findLeaks(
  baseline: HeapSnapshot,
  target: HeapAnalysis,
  final: HeapSnapshot,
  options: LeakOptions,
): LeakFindings {
  const n = options.iterations;
  const s = target.snapshot;
  const baselineIds = new IdSet(baseline.nodeId);
  const finalIds = new IdSet(final.nodeId);
  const noiseType = new Uint8Array(s.nodeTypeNames.length);
  s.nodeTypeNames.forEach((t, i) => (noiseType[i] = NOISE_TYPES.includes(t) ? 1 : 0));

  // Survivors in target, grouped by class key.
  const survivor = new Uint8Array(s.nodeCount);
  const groups = new Map<string, number[]>();
  let noiseFiltered = 0;
  let survivorCount = 0;
  for (let v = 0; v < s.nodeCount; v++) {
    const id = s.nodeId[v];
    if (baselineIds.has(id) || !finalIds.has(id)) continue;
    if (isNoise(s, v, noiseType)) {
      noiseFiltered++;
      continue;
    }
    survivor[v] = 1;
    survivorCount++;
    const key = leakClassKey(s, target.classTable, v);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(v);
  }
  // New objects per class in final (for the growth rule).
  const finalNew = new Map<string, number>();
  const finalTable = buildClassTable(final);
  const finalNoise = new Uint8Array(final.nodeTypeNames.length);
  final.nodeTypeNames.forEach((t, i) => (finalNoise[i] = NOISE_TYPES.includes(t) ? 1 : 0));
  for (let v = 0; v < final.nodeCount; v++) {
    if (baselineIds.has(final.nodeId[v]) || isNoise(final, v, finalNoise)) continue;
    const key = leakClassKey(final, finalTable, v);
    finalNew.set(key, (finalNew.get(key) ?? 0) + 1);
  }

  // Leak roots: survivors not dominated by another survivor. The walk up the dominator tree
  // passes through any new node, so V8 storage between two survivors (a Map's table, filtered
  // as noise) does not hide that one holds the other.
  const rootOf = new Int32Array(s.nodeCount).fill(-1);
  const container = new Uint8Array(s.nodeCount);
  const leakRoot = (v: number): number => {
    let root = v;
    let at = v;
    let d = target.dominator[at];
    while (d !== at && !baselineIds.has(s.nodeId[d])) {
      at = d;
      if (survivor[at] && !container[at]) root = at;
      d = target.dominator[at];
    }
    return root;
  };
  // A new collection created once (a listeners array, a grown table) can dominate every
  // per-call object: it is where they are kept, not what leaks per call. A survivor that
  // alone holds at least N survivors of another class, and most of that class, is such a
  // container (a per-call object holding many things of its own holds a share, not most).
  {
    const covered = new Map<number, Map<string, number>>();
    for (const [key, members] of groups) {
      for (const v of members) {
        const r = leakRoot(v);
        if (r === v) continue;
        let byKey = covered.get(r);
        if (!byKey) covered.set(r, (byKey = new Map()));
        byKey.set(key, (byKey.get(key) ?? 0) + 1);
      }
    }
    for (const [r, byKey] of covered) {
      const own = leakClassKey(s, target.classTable, r);
      for (const [key, count] of byKey) {
        const total = groups.get(key)?.length ?? 0;
        if (key !== own && count >= n && count >= 0.8 * total) container[r] = 1;
      }
    }
  }

  const verdicts: LeakFinding[] = [];
  const watch: LeakFindings['watch'] = [];
  for (const [key, members] of groups) {
    const className = displayName(key);
    const growth = (finalNew.get(key) ?? 0) - members.length;
    const perCall = members.length / n;
    const leaking = perCall >= 1 || (growth > 0 && growth % n === 0);
    if (!leaking) {
      if (members.length > 0 && growth > 0) watch.push({ className, survivors: members.length, growth });
      continue;
    }
    let roots = 0;
    let retained = 0;
    let self = 0;
    for (const v of members) {
      self += s.selfSize[v];
      const r = rootOf[v] >= 0 ? rootOf[v] : (rootOf[v] = leakRoot(v));
      if (r === v && !container[v]) {
        roots++;
        retained += target.retainedSize[v];
      }
    }
    verdicts.push({
      key,
      className,
      survivors: members.length,
      countPerCall: round2(perCall),
      bytesPerCall: Math.round((roots > 0 ? retained : self) / n),
      retainedSize: roots > 0 ? retained : self,
      growth,
      primary: roots > 0,
      refs: refStats(target, members),
      location: locationOf(s, members[0]),
      examples: [],
      paths: [],
      holds: [],
    });
  }
  verdicts.sort((a, b) => Number(b.primary) - Number(a.primary) || b.retainedSize - a.retainedSize);

  // What each primary leak holds: secondary classes whose roots are its survivors.
  const byKey = new Map(verdicts.map((f) => [f.key, f]));
  for (const f of verdicts) {
    if (f.primary) continue;
    const members = groups.get(f.key) ?? [];
    const holders = new Map<string, number>();
    for (const v of members) {
      const root = rootOf[v] >= 0 ? rootOf[v] : leakRoot(v);
      const holderClass = leakClassKey(s, target.classTable, root);
      holders.set(holderClass, (holders.get(holderClass) ?? 0) + 1);
    }
    for (const [holderClass, count] of holders) {
      const holder = byKey.get(holderClass);
      if (holder && holder !== f) holder.holds.push({ className: f.className, countPerCall: round2(count / n) });
    }
  }

  // Describe the top leaks in full.
  const described = verdicts.filter((f) => f.primary).slice(0, options.maxLeaks);
  for (const f of described) {
    const members = groups.get(f.key) ?? [];
    const roots = members.filter((v) => !container[v] && (rootOf[v] >= 0 ? rootOf[v] : leakRoot(v)) === v);
    const sample = roots.slice(0, 30);
    f.examples = sample.slice(0, 5).map((v) => describeNode(target, v));
    f.paths = clusterPaths(target, sample, baselineIds);
    const top = f.paths[0];
    if (top && top.culprit >= 0) {
      f.culprit = describeCulprit(target, top, f.className, roots[0]);
      f.fixHint = fixHint(f.culprit);
    } else {
      f.fixHint = 'No old object holds these directly; follow the retainer path to see what keeps them alive.';
    }
    f.graph = backReferenceGraph(target, sample.slice(0, 3), survivor, baselineIds, options, top);
  }
  // A small class leaking through the same holder as a bigger one (the map's string keys next
  // to its values) is part of that leak, not another: list it under the bigger one.
  const lead = described[0];
  for (const f of described.slice(1)) {
    if (lead?.culprit && f.culprit && f.culprit.holderId === lead.culprit.holderId && f.culprit.edgeName === lead.culprit.edgeName) {
      f.primary = false;
      lead.holds.push({ className: f.className, countPerCall: f.countPerCall });
    }
  }
  verdicts.sort((a, b) => Number(b.primary) - Number(a.primary) || b.retainedSize - a.retainedSize);
  return { leaks: verdicts, watch, noiseFiltered, survivorCount };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function isNoise(s: HeapSnapshot, v: number, noiseType: Uint8Array): boolean {
  if (noiseType[s.nodeType[v]]) return true;
  if (s.selfSize[v] === 0 && s.nodeType[v] !== s.types.object && s.nodeType[v] !== s.types.closure) return true;
  const name = s.strings.get(s.nodeName[v]);
  return NOISE_NAME_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Class of a node for grouping leaks: the DevTools class for objects (interface names such as
 * `{id, name}` included, with the constructor location), the function name and location for
 * closures, the type for strings and the rest. The part before "\0" is the display name. The
 * same key is computed in target and final, so growth compares like with like.
 */
function leakClassKey(s: HeapSnapshot, table: ClassTable, v: number): string {
  const loc = locationOf(s, v);
  const where = loc ? `\u0000${loc.scriptId}:${loc.line}:${loc.column}` : '';
  const t = s.nodeTypeNames[s.nodeType[v]];
  if (t === 'closure') return `${s.strings.get(s.nodeName[v]) || '(anonymous)'}()${where}`;
  if (t === 'object') return table.classes[table.classOf[v]].name + where;
  if (t === 'native') return s.strings.get(s.nodeName[v]) || '(native)';
  return `(${t})`;
}

function displayName(key: string): string {
  return key.split('\u0000')[0];
}

function refStats(a: HeapAnalysis, members: number[]): LeakFinding['refs'] {
  const refs = members.map((v) => strongRetainerCount(a, v)).sort((x, y) => x - y);
  const counts = new Map<number, number>();
  for (const r of refs) counts.set(r, (counts.get(r) ?? 0) + 1);
  let typical = refs[0] ?? 0;
  for (const [r, c] of counts) if (c > (counts.get(typical) ?? 0)) typical = r;
  return { min: refs[0] ?? 0, median: refs[refs.length >> 1] ?? 0, max: refs[refs.length - 1] ?? 0, typical };
}

const locationIndex = new WeakMap<HeapSnapshot, Int32Array>();

/** Source location (0-based) the snapshot records for node v: closures and located objects. */
export function locationOf(s: HeapSnapshot, v: number): SourceLocation | undefined {
  let index = locationIndex.get(s);
  if (!index) {
    index = new Int32Array(s.nodeCount).fill(-1);
    for (let r = 0; r < s.locations.length; r += 4) index[s.locations[r]] = r;
    locationIndex.set(s, index);
  }
  const r = index[v];
  if (r < 0) return undefined;
  return { scriptId: s.locations[r + 1], line: s.locations[r + 2], column: s.locations[r + 3] };
}

/**
 * Shortest path from a GC root to v: step to a strong retainer one closer to the roots each
 * time (distances are BFS levels, so such a retainer always exists on a shortest path).
 */
export function shortestPath(a: HeapAnalysis, v: number): number[] {
  const s = a.snapshot;
  const edges: number[] = [];
  let node = v;
  let guard = 0;
  while (node !== s.rootOrdinal && guard++ < 10000) {
    const d = a.distances[node];
    if (d === NO_DISTANCE || d <= 0) break;
    // The first retainer one step closer to the roots, through its first non-weak edge here.
    let best = -1;
    const closer = (r: number): boolean => {
      const rd = a.distances[r];
      return rd === d - 1 || (r === s.rootOrdinal && (d === 1 || rd === 0));
    };
    forEachRetainingEdge(
      s,
      a.retainers,
      node,
      (e) => {
        if (s.edgeType[e] === s.edgeKinds.weak) return false;
        best = e;
        return true;
      },
      closer,
    );
    if (best < 0) break;
    edges.push(best);
    node = edgeSource(s, best);
  }
  return edges.reverse();
}

function stepsOf(a: HeapAnalysis, edges: number[], baselineIds: IdSet): PathStep[] {
  const s = a.snapshot;
  const steps: PathStep[] = [];
  for (const e of edges) {
    const to = s.edgeTarget[e];
    const from = edgeSource(s, e);
    steps.push({
      fromId: s.nodeId[from],
      from: objectName(a, from),
      fromType: s.nodeTypeNames[s.nodeType[from]],
      edgeType: s.edgeTypeNames[s.edgeType[e]],
      edgeName: edgeNameText(s, e),
      toId: s.nodeId[to],
      to: objectName(a, to),
      toType: s.nodeTypeNames[s.nodeType[to]],
      fromOld: baselineIds.has(s.nodeId[from]),
    });
  }
  return steps;
}

/** Paths of the sample objects, grouped by shape (edge names with indexes blurred, classes). */
function clusterPaths(a: HeapAnalysis, sample: number[], baselineIds: IdSet): RetainerPath[] {
  const clusters = new Map<string, RetainerPath>();
  for (const v of sample) {
    const steps = stepsOf(a, shortestPath(a, v), baselineIds);
    const shape = steps.map((st) => `${st.from}|${st.edgeType}|${/^\d+$/.test(st.edgeName) ? '#' : st.edgeName}`).join('>');
    const c = clusters.get(shape);
    if (c) c.count++;
    else {
      const culprit = culpritIndex(steps);
      clusters.set(shape, { steps, count: 1, culprit, holder: culprit > 0 && isCollectionStep(steps[culprit]) ? culprit - 1 : culprit });
    }
  }
  return [...clusters.values()].sort((x, y) => y.count - x.count);
}

const INTERNAL_TYPES = ['hidden', 'array', 'object shape', 'code'];

/**
 * The culprit edge: walking from the leaked object towards the root, the first old holder that
 * is a real object (not V8 storage), and the edge it uses to reach the new objects. When that
 * holder is a collection (Map, Set, Array, plain Object) the edge into it from its own holder
 * is named instead, so the text reads "Processor.instanceMap (Map) → value → Processor".
 */
function culpritIndex(steps: PathStep[]): number {
  for (let i = steps.length - 1; i >= 0; i--) {
    const st = steps[i];
    if (!st.fromOld || INTERNAL_TYPES.includes(st.fromType) || st.edgeType === 'weak') continue;
    return i;
  }
  return -1;
}

const COLLECTIONS = ['Map', 'Set', 'Array', 'Object', 'WeakMap', 'WeakSet'];

/** A step out of a collection (Map, Set, Array, a plain or interface-named object). */
function isCollectionStep(st: PathStep): boolean {
  return COLLECTIONS.includes(st.from) || st.from.startsWith('{');
}

function describeCulprit(a: HeapAnalysis, path: RetainerPath, leaked: string, example: number): Culprit {
  const steps = path.steps;
  const i = path.culprit;
  const st = steps[i];
  const s = a.snapshot;
  const isCollection = isCollectionStep(st);
  // What kind of holder it is, judged from the culprit onwards (the way to the root is
  // irrelevant: it often passes through timers or emitters of its own).
  const near = steps.slice(Math.max(0, i - 1));
  let kind: Culprit['kind'] = 'property';
  if (leaked === 'Timeout' || near.some((x) => x.from === 'Timeout' || x.edgeName === '_onTimeout' || x.from === 'TimersList')) {
    kind = 'timer';
  } else if (near.some((x) => x.edgeName === '_events')) kind = 'listeners';
  else if (isCollection) kind = 'collection';
  else if (st.edgeType === 'context') kind = 'closure';

  // The holder of the collection, one step further up, when there is one.
  let holder = st.from;
  let holderId = st.fromId;
  let edgeName = st.edgeName;
  let collection: string | undefined;
  if (isCollection && i > 0) {
    const up = steps[i - 1];
    collection = st.from;
    holder = up.from;
    holderId = up.fromId;
    edgeName = up.edgeName;
  }
  const where = holderText(holder, steps, isCollection ? i - 1 : i, edgeName);
  let text = collection ? `${where} (${collection}) → ${entryWord(steps, i, true)} → ${leaked}` : `${where} → ${leaked}`;
  if (kind === 'listeners') {
    const events = steps.findIndex((x) => x.edgeName === '_events');
    const emitter = events >= 0 ? steps[events].from : holder;
    const eventName = events >= 0 && steps[events + 1] ? steps[events + 1].edgeName : '?';
    text = `${emitter} listeners for "${eventName}" (${emitter}._events.${eventName}) → ${leaked}`;
    holder = emitter;
    edgeName = `_events.${eventName}`;
  } else if (kind === 'timer') {
    const callback = timerCallback(a, example);
    text = `a timer that is never cleared (Timeout in Node's timer list) → _onTimeout → ${callback ?? leaked}`;
  }
  const holderNode = findById(s, holderId);
  const culprit: Culprit = { text, where, holder, holderId, edgeName, kind };
  if (collection) culprit.collection = collection;
  const loc = holderNode >= 0 ? locationOf(s, holderNode) : undefined;
  if (loc) culprit.holderLocation = loc;
  return culprit;
}

/** For a leaked Timeout: the name of its callback (`_onTimeout`), e.g. "poll()". */
function timerCallback(a: HeapAnalysis, v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = a.snapshot;
  for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e++) {
    if (s.edgeType[e] !== s.edgeKinds.property || s.strings.get(s.edgeName[e]) !== '_onTimeout') continue;
    const fn = s.edgeTarget[e];
    return `${s.strings.get(s.nodeName[fn]) || '(anonymous)'}()`;
  }
  return undefined;
}

function holderText(holder: string, steps: PathStep[], at: number, edgeName: string): string {
  const st = steps[Math.max(0, at)];
  if (st && st.edgeType === 'context') return `closure variable ${edgeName} (in ${contextOwner(steps, at)})`;
  if (st && (st.edgeType === 'element' || /^\d+$/.test(edgeName))) return `${holder}[${edgeName}]`;
  const name = st?.fromType === 'hidden' ? 'module scope' : holder;
  return `${name}.${edgeName}`;
}

function contextOwner(steps: PathStep[], at: number): string {
  for (let j = at; j >= 0; j--) if (steps[j].fromType === 'closure') return `${steps[j].from}()`;
  return 'a function';
}

function entryWord(steps: PathStep[], i: number, isCollection: boolean): string {
  if (!isCollection) return steps[i].edgeName;
  const kind = steps[i].from;
  if (kind === 'Map' || kind === 'WeakMap') return 'value';
  if (kind === 'Set' || kind === 'WeakSet') return 'entry';
  if (kind === 'Array') return '[i]';
  // A plain object used as a dictionary: name the property shape rather than one key.
  const next = steps[i + 1];
  return next ? `.${/^\d+$/.test(steps[i].edgeName) ? '[i]' : steps[i].edgeName}` : 'property';
}

function findById(s: HeapSnapshot, id: number): number {
  for (let v = 0; v < s.nodeCount; v++) if (s.nodeId[v] === id) return v;
  return -1;
}

export function fixHint(c: Culprit): string {
  switch (c.kind) {
    case 'listeners':
      return `A listener is added on every call and never removed. Remove it when done (emitter.off / removeListener), use once(), or pass an AbortSignal.`;
    case 'timer':
      return `A timer created on every call keeps its callback and what it captures alive. Keep the handle and clearInterval/clearTimeout it when the work is done.`;
    case 'closure':
      return `A closure kept alive by a long-lived function captures data from every call. Narrow what it captures, or clear the variable (${c.edgeName}) when done.`;
    case 'collection':
      return `${c.where} is a ${c.collection} that gains an entry on every call and never loses one. Hold the values weakly — store new WeakRef(value) and delete entries from a FinalizationRegistry callback — or use a WeakMap keyed by the owner, or delete the entry when the object is disposed.`;
    default:
      return `${c.where} keeps new objects alive across calls. Clear it when the object is no longer needed, or hold it through a WeakRef.`;
  }
}

/**
 * objgraph's show_backrefs: breadth-first over strong retainers from the sample objects, up to
 * maxDepth levels; per node at most tooMany retainers (closest to the roots first), the rest
 * folded into one "N more" node.
 */
function backReferenceGraph(
  a: HeapAnalysis,
  starts: number[],
  survivor: Uint8Array,
  baselineIds: IdSet,
  options: LeakOptions,
  topPath: RetainerPath | undefined,
): BackReferenceGraph {
  const s = a.snapshot;
  const nodes = new Map<number, GraphNode>();
  const edges: GraphEdge[] = [];
  let folded = 0;
  let foldId = -1;
  const culpritEdge = topPath && topPath.culprit >= 0 ? topPath.steps[topPath.culprit] : undefined;
  const culpritPairs = new Set<string>();
  if (culpritEdge) culpritPairs.add(`${culpritEdge.fromId}>${culpritEdge.toId}`);
  // Also mark the path edges from the holder to the collection.
  if (topPath && topPath.culprit > 0) {
    const up = topPath.steps[topPath.culprit - 1];
    culpritPairs.add(`${up.fromId}>${up.toId}`);
  }

  const add = (v: number): GraphNode => {
    const id = s.nodeId[v];
    let g = nodes.get(id);
    if (!g) {
      const o = describeNode(a, v);
      g = {
        id,
        name: o.name,
        type: o.type,
        selfSize: o.selfSize,
        retainedSize: o.retainedSize,
        refs: o.refs,
        distance: o.distance,
        leaked: survivor[v] === 1,
        old: baselineIds.has(id),
        isRoot: v === s.rootOrdinal || s.nodeType[v] === s.types.synthetic,
      };
      const loc = locationOf(s, v);
      if (loc) g.location = loc;
      nodes.set(id, g);
    }
    return g;
  };
  let frontier = [...new Set(starts)];
  const startIds = frontier.map((v) => add(v).id);
  const seen = new Set<number>(frontier);
  for (let depth = 0; depth < options.maxDepth && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const v of frontier) {
      const retainers: { e: number; r: number; d: number }[] = [];
      forEachRetainingEdge(s, a.retainers, v, (e, r) => {
        if (s.edgeType[e] === s.edgeKinds.weak) return;
        const d = a.distances[r];
        retainers.push({ e, r, d: d < 0 ? Number.MAX_SAFE_INTEGER : d });
      });
      retainers.sort((x, y) => x.d - y.d);
      const shown = retainers.slice(0, options.tooMany);
      for (const { e, r } of shown) {
        add(r);
        const from = s.nodeId[r];
        const to = s.nodeId[v];
        edges.push({
          from,
          to,
          name: edgeNameText(s, e),
          type: s.edgeTypeNames[s.edgeType[e]],
          culprit: culpritPairs.has(`${from}>${to}`),
        });
        if (!seen.has(r) && r !== s.rootOrdinal) {
          seen.add(r);
          next.push(r);
        }
      }
      const rest = retainers.length - shown.length;
      if (rest > 0) {
        folded += rest;
        const id = foldId--;
        nodes.set(id, {
          id,
          name: `${rest} more`,
          type: 'folded',
          selfSize: 0,
          retainedSize: 0,
          refs: 0,
          distance: null,
          leaked: false,
          old: false,
          isRoot: false,
          folded: rest,
        });
        edges.push({ from: id, to: s.nodeId[v], name: '…', type: 'folded', culprit: false });
      }
    }
    frontier = next;
  }
  return {
    starts: startIds,
    nodes: [...nodes.values()],
    edges,
    folded,
    maxDepth: options.maxDepth,
    tooMany: options.tooMany,
  };
}
