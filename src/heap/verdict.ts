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
 * - For the top classes: shortest retainer paths from the GC roots, clustered
 *   (retainerPaths.ts); the culprit edge where an old (pre-baseline) holder points into new
 *   objects, with a fix hint by shape (culprit.ts); and objgraph-style back-reference graphs
 *   (backReferences.ts).
 * - For every leaking class, when the snapshot carries allocation stacks: the survivors' most
 *   common one, with how many survivors had one (allocationTrace.ts).
 */
import { allocationSiteOf } from './allocationTrace';
import type { HeapAnalysis } from './analysis';
import { backReferenceGraph } from './backReferences';
import { buildClassTable, type ClassTable } from './classes';
import { describeCulprit, fixHint } from './culprit';
import { IdSet } from './idSet';
import { locationOf } from './locations';
import { codeLocation, functionClassKey } from './names';
import { chainCulprit, chainPath, findChains } from './chains';
import { clusterPaths } from './retainerPaths';
import { describeRuntimeHeld, isRuntimeHeld, markRuntimeRetention, RUNTIME_KEY } from './runtimeRetention';
import type { HeapSnapshot } from './snapshot';
import { describeNode, strongRetainerCount } from './summary';
import type { LeakFinding, RuntimeHeld } from '../report/types';

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

export interface LeakFindings {
  leaks: LeakFinding[];
  /** Classes that grew but did not meet the rule, for context. */
  watch: { className: string; survivors: number; growth: number }[];
  noiseFiltered: number;
  survivorCount: number;
  /** Classes the leak rule would report but only the runtime holds (runtimeRetention.ts): never leaks. */
  runtimeHeld: RuntimeHeld[];
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

/** Which objects existed before the measured calls, by node id. */
export interface OldIds {
  has(id: number): boolean;
}

/**
 * The objects' ages the verdict reads, from three snapshots or from id ranges in one. `newAtEnd`
 * counts, per class key, the new objects alive at the end (for the growth rule).
 */
interface Ages {
  old: OldIds;
  isSurvivor(v: number): boolean;
  newAtEnd(keyOf: (v: number) => string): Map<string, number>;
  /**
   * Where to read a class's allocation stacks, when not from its survivors: V8 keeps an
   * object's trace only while the object has no heap id, so a one-snapshot run reads them
   * from the objects born after the last heap walk (allocationTrace.ts).
   */
  traced?(key: string, keyOf: (v: number) => string): number[];
}

/** Three snapshots of one process: survivors are in target and final but not in baseline. */
export function findLeaks(
  baseline: HeapSnapshot,
  target: HeapAnalysis,
  final: HeapSnapshot,
  options: LeakOptions,
): LeakFindings {
  const old = new IdSet(baseline.nodeId);
  const finalIds = new IdSet(final.nodeId);
  const s = target.snapshot;
  return judge(target, options, {
    old,
    isSurvivor: (v) => !old.has(s.nodeId[v]) && finalIds.has(s.nodeId[v]),
    newAtEnd: () => {
      const counts = new Map<string, number>();
      const finalTable = buildClassTable(final);
      const finalNoise = noiseTypes(final);
      const finalRuntime = markRuntimeRetention(final);
      for (let v = 0; v < final.nodeCount; v++) {
        if (old.has(final.nodeId[v]) || isNoise(final, v, finalNoise)) continue;
        const key = (isRuntimeHeld(finalRuntime, v) ? RUNTIME_KEY : '') + leakClassKey(final, finalTable, v);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    },
  });
}

/**
 * Phase boundaries as heap object ids in one snapshot taken at the end: the last ids of the
 * tracking inspector's heap walks. After a walk every live object has an id of at most its
 * last id, and objects born later get larger ones.
 */
export interface PhaseWalks {
  /** walks[0] before the first call, then one after each step of `callsPerStep` calls. */
  walks: readonly number[];
  callsPerStep: number;
}

/**
 * One snapshot, taken after 2N calls: objects born in the first N calls (ids in (B0, B1]) and
 * alive at the end are the first phase's survivors; they were alive at B1 too, which is
 * memlab's rule without a baseline or target snapshot. Those born in the next N calls and
 * alive give the growth. Native objects (even ids) get their ids at snapshot time, not at a
 * walk, so they count as old here.
 */
export function findLeaksInPhases(analysis: HeapAnalysis, phases: PhaseWalks, options: LeakOptions): LeakFindings {
  const s = analysis.snapshot;
  const steps = phases.walks.length - 1;
  if (steps < 2 || steps % 2 !== 0 || steps * phases.callsPerStep !== 2 * options.iterations) {
    throw new Error(`${steps} steps of ${phases.callsPerStep} calls do not make two phases of ${options.iterations}`);
  }
  const b0 = phases.walks[0];
  const b1 = phases.walks[steps / 2];
  const b2 = phases.walks[steps];
  const bornIn = (id: number, from: number, to: number): boolean => (id & 1) === 1 && id > from && id <= to;
  const old: OldIds = { has: (id) => !bornIn(id, b0, b2) };
  const lastWalk = phases.walks[steps - 1];
  let late: Map<string, number[]> | undefined;
  return judge(analysis, options, {
    old,
    isSurvivor: (v) => bornIn(s.nodeId[v], b0, b1),
    traced: (key, keyOf) => {
      if (!late) {
        late = new Map();
        const noise = noiseTypes(s);
        for (let v = 0; v < s.nodeCount; v++) {
          if (!bornIn(s.nodeId[v], lastWalk, b2) || isNoise(s, v, noise)) continue;
          const k = keyOf(v);
          let list = late.get(k);
          if (!list) late.set(k, (list = []));
          list.push(v);
        }
      }
      return late.get(key) ?? [];
    },
    newAtEnd: (keyOf) => {
      const counts = new Map<string, number>();
      const noise = noiseTypes(s);
      for (let v = 0; v < s.nodeCount; v++) {
        if (!bornIn(s.nodeId[v], b0, b2) || isNoise(s, v, noise)) continue;
        const key = keyOf(v);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    },
  });
}

function noiseTypes(s: HeapSnapshot): Uint8Array {
  const noise = new Uint8Array(s.nodeTypeNames.length);
  s.nodeTypeNames.forEach((t, i) => (noise[i] = NOISE_TYPES.includes(t) ? 1 : 0));
  return noise;
}

function judge(target: HeapAnalysis, options: LeakOptions, ages: Ages): LeakFindings {
  const n = options.iterations;
  const s = target.snapshot;
  const baselineIds = ages.old;
  const noiseType = noiseTypes(s);

  // Survivors, grouped by class key; those only the runtime holds apart (runtimeRetention.ts).
  const survivor = new Uint8Array(s.nodeCount);
  const groups = new Map<string, number[]>();
  const runtime = markRuntimeRetention(s);
  const runtimeGroups = new Map<string, number[]>();
  let noiseFiltered = 0;
  let survivorCount = 0;
  for (let v = 0; v < s.nodeCount; v++) {
    if (!ages.isSurvivor(v)) continue;
    if (isNoise(s, v, noiseType)) {
      noiseFiltered++;
      continue;
    }
    const key = leakClassKey(s, target.classTable, v);
    const byRuntime = isRuntimeHeld(runtime, v);
    if (!byRuntime) {
      survivor[v] = 1;
      survivorCount++;
    }
    const into = byRuntime ? runtimeGroups : groups;
    let list = into.get(key);
    if (!list) into.set(key, (list = []));
    list.push(v);
  }
  // New objects per class at the end (for the growth rule), the runtime's counted apart.
  const finalNew = ages.newAtEnd((v) => (isRuntimeHeld(runtime, v) ? RUNTIME_KEY : '') + leakClassKey(s, target.classTable, v));
  // Classes whose survivors each hold the one before (chains.ts): their newest is no container.
  const chains = findChains(target, groups, survivor, (v) => leakClassKey(s, target.classTable, v), baselineIds, n);

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
        if (key !== own && count >= n && count >= 0.8 * total && !chains.has(own)) container[r] = 1;
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
    let heldByOther = 0;
    for (const v of members) {
      self += s.selfSize[v];
      const r = rootOf[v] >= 0 ? rootOf[v] : (rootOf[v] = leakRoot(v));
      if (r === v && !container[v]) {
        roots++;
        retained += target.retainedSize[v];
      } else if (r !== v && leakClassKey(s, target.classTable, r) !== key) heldByOther++;
    }
    // Survivors that another class's leak holds are part of that leak. When those are most of
    // the class and the rest is less than one per call (a request's URL strings inside its
    // leaked Session, beside one date string a runtime cache replaced), the rest is no leak.
    const ownPerCall = (members.length - heldByOther) / n;
    const primary = roots > 0 && (heldByOther === 0 || ownPerCall >= 1);
    const allocation = allocationSiteOf(s, ages.traced ? ages.traced(key, (v) => leakClassKey(s, target.classTable, v)) : members);
    verdicts.push({
      key,
      className,
      survivors: members.length,
      countPerCall: round2(perCall),
      bytesPerCall: Math.round((roots > 0 ? retained : self) / n),
      retainedSize: roots > 0 ? retained : self,
      growth,
      primary,
      refs: refStats(target, members),
      location: codeLocation(s, members[0]),
      examples: [],
      paths: [],
      holds: [],
      ...(allocation ? { allocation } : {}),
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
    // A chain is named at its link, not where the newest object is held (chains.ts).
    const chain = chains.get(f.key);
    const link = chain ? chainPath(target, chain, baselineIds) : undefined;
    if (link) f.paths.unshift(link);
    const top = f.paths[0];
    if (link) {
      f.culprit = chainCulprit(target, link, f.className);
      f.fixHint = fixHint(f.culprit, f.className);
    } else if (top && top.culprit >= 0) {
      f.culprit = describeCulprit(target, top, f.className, roots[0]);
      f.fixHint = fixHint(f.culprit, f.className);
    } else {
      f.fixHint = 'No old object holds these directly; follow the retainer path to see what keeps them alive.';
    }
    // A chain's graph starts at a linked survivor, so that it shows the link.
    const starts = link && chain ? [chain.linked, ...sample.filter((v) => v !== chain.linked)] : sample;
    f.graph = backReferenceGraph(target, starts.slice(0, 3), survivor, baselineIds, options, top);
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
  const runtimeHeld = describeRuntimeHeld(
    target,
    runtime,
    runtimeGroups,
    (key, count) => (finalNew.get(RUNTIME_KEY + key) ?? 0) - count,
    n,
    baselineIds,
  );
  return { leaks: verdicts, watch, noiseFiltered, survivorCount, runtimeHeld };
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
  if (t === 'closure') return functionClassKey(s, v); // a bound function by its target (names.ts)
  if (t === 'object') {
    const name = table.classes[table.classOf[v]].name;
    // Node's timers are one class: told apart by their callback, the user's per-call timer is
    // not mixed with the runtime's own (http's date cache renews one every second).
    return name === 'Timeout' ? name + where + timerCallbackKey(s, v) : name + where;
  }
  if (t === 'native') return s.strings.get(s.nodeName[v]) || '(native)';
  return `(${t})`;
}

function timerCallbackKey(s: HeapSnapshot, v: number): string {
  for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e++) {
    if (s.edgeType[e] !== s.edgeKinds.property || s.strings.get(s.edgeName[e]) !== '_onTimeout') continue;
    const loc = locationOf(s, s.edgeTarget[e]);
    return loc ? `\u0000on ${loc.scriptId}:${loc.line}:${loc.column}` : '';
  }
  return '';
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
