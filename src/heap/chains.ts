/**
 * Chains: leaks where each call's object keeps the previous call's object alive, so the newest
 * one holds all of them. The classic case is Meteor's "replaceThing": the closures made in one
 * call share one scope (one V8 Context), so when any of them uses `originalThing` (the previous
 * object), the scope keeps it for as long as any closure of that call lives, and the new
 * object's method is such a closure. The variable the program still holds (`theThing`) only
 * points at the newest object; what makes the leak grow is the link from each object to the one
 * before it, and that is the edge to name.
 *
 * Detection, from the dominator tree: walking up from a survivor through new objects only, a
 * survivor of the same class is reached (the one that holds it). A class is a chain when most
 * of its survivors are held so, each by a different one (a single object of the class holding
 * all the others is a container, not a chain), and the chain runs across calls: fewer unheld
 * survivors (chain heads) than calls. Parts nested within each call's object (the pieces of a
 * string built from a template) have a head per call. The link is then the last edge, on the retainer
 * path of a linked survivor, that leaves a real object (not V8 storage) after the survivor that
 * holds it.
 */
import type { HeapAnalysis } from './analysis';
import { clusterPaths } from './retainerPaths';
import { locationOf } from './locations';
import type { OldIds } from './verdict';
import type { Culprit, PathStep, RetainerPath } from '../report/types';

export interface Chain {
  /** A survivor held by another survivor of its class (`holder`). */
  linked: number;
  holder: number;
  /** Of the survivors looked at, how many are held by one of their class. */
  count: number;
}

/** Survivors looked at per class: the rule needs a share, not every one. */
const SAMPLE = 256;
/** Dominator steps walked up from one survivor before giving up. */
const MAX_STEPS = 256;
/** Survivors of other classes passed on the way (a closure, its scope's owner) before giving up. */
const MAX_HOPS = 8;

/**
 * The classes (by key) whose survivors form chains. `survivor` marks the survivors; `keyOf`
 * gives a survivor's class key; old nodes end a walk; `calls` made the survivors.
 */
export function findChains(
  a: HeapAnalysis,
  groups: ReadonlyMap<string, number[]>,
  survivor: Uint8Array,
  keyOf: (v: number) => string,
  old: OldIds,
  calls: number,
): Map<string, Chain> {
  const chains = new Map<string, Chain>();
  for (const [key, members] of groups) {
    if (members.length < 3) continue;
    const stride = Math.max(1, Math.floor(members.length / SAMPLE));
    let looked = 0;
    let count = 0;
    const holders = new Set<number>();
    let best: { linked: number; holder: number } | null = null;
    for (let k = 0; k < members.length; k += stride) {
      const v = members[k];
      looked++;
      const holder = sameClassHolder(a, v, key, survivor, keyOf, old);
      if (holder < 0) continue;
      count++;
      holders.add(holder);
      // The link nearest the roots gives the shortest path to show.
      if (!best || a.distances[v] < a.distances[best.linked]) best = { linked: v, holder };
    }
    const heads = ((looked - count) * members.length) / looked;
    if (best && count >= 2 && count * 2 >= looked && holders.size * 2 >= count && heads < Math.max(2, calls / 2)) {
      chains.set(key, { ...best, count: Math.round((count * members.length) / looked) });
    }
  }
  return chains;
}

/** The nearest survivor of class `key` that dominates v through new objects only, or -1. */
function sameClassHolder(
  a: HeapAnalysis,
  v: number,
  key: string,
  survivor: Uint8Array,
  keyOf: (v: number) => string,
  old: OldIds,
): number {
  const s = a.snapshot;
  let at = v;
  let hops = 0;
  for (let step = 0; step < MAX_STEPS; step++) {
    const d = a.dominator[at];
    if (d === at || old.has(s.nodeId[d])) return -1;
    at = d;
    if (!survivor[at]) continue;
    if (keyOf(at) === key) return at;
    if (++hops > MAX_HOPS) return -1;
  }
  return -1;
}

const STORAGE_TYPES = ['hidden', 'array', 'object shape', 'code'];

/**
 * The retainer path of the chain's linked survivor, with the culprit at the link: the last
 * edge after its holder that leaves a real object (a scope, an object, an array), not storage.
 */
export function chainPath(a: HeapAnalysis, chain: Chain, old: OldIds): RetainerPath | undefined {
  const path = clusterPaths(a, [chain.linked], old)[0];
  if (!path) return undefined;
  const holderId = a.snapshot.nodeId[chain.holder];
  let from = -1;
  for (let i = path.steps.length - 1; i >= 0; i--) {
    if (path.steps[i].fromId === holderId) {
      from = i;
      break;
    }
  }
  if (from < 0) return undefined;
  for (let i = path.steps.length - 1; i >= from; i--) {
    const st = path.steps[i];
    if (STORAGE_TYPES.includes(st.fromType) || st.edgeType === 'weak') continue;
    return { ...path, count: 1, culprit: i, holder: i };
  }
  return undefined;
}

/**
 * The culprit of a chain, named at its link: "originalThing in replaceThing() (closure
 * variable), shared with someMethod() → the previous {longStr, someMethod}, a chain: …".
 */
export function chainCulprit(a: HeapAnalysis, path: RetainerPath, className: string): Culprit {
  const steps = path.steps;
  const i = path.culprit;
  const st = steps[i];
  const s = a.snapshot;
  let where: string;
  let sharedWith: string | undefined;
  let located = -1;
  if (st.edgeType === 'context') {
    const closure = closureOf(steps, i);
    sharedWith = closure >= 0 ? `${steps[closure].from}()` : undefined;
    const variable = st.label || `closure variable ${st.edgeName}`;
    where = sharedWith ? `${variable}, in the scope ${sharedWith} shares` : variable;
    if (closure >= 0) located = nodeById(a, steps[closure].fromId);
  } else {
    where = st.edgeType === 'element' || /^\d+$/.test(st.edgeName) ? `${st.from}[${st.edgeName}]` : `${st.from}.${st.edgeName}`;
    located = nodeById(a, st.fromId);
  }
  const culprit: Culprit = {
    text: `${where} → the previous ${className}, a chain: each call's ${className} keeps all earlier ones alive`,
    where,
    holder: st.from,
    holderId: st.fromId,
    edgeName: st.edgeName,
    kind: 'chain',
  };
  if (sharedWith) culprit.sharedWith = sharedWith;
  const loc = located >= 0 ? locationOf(s, located) : undefined;
  if (loc) culprit.holderLocation = loc;
  return culprit;
}

/** The closure whose `context` edge leads to the scope left at step i, or -1. */
function closureOf(steps: PathStep[], i: number): number {
  const j = i - 1;
  return j >= 0 && steps[j].fromType === 'closure' && steps[j].edgeName === 'context' ? j : -1;
}

function nodeById(a: HeapAnalysis, id: number): number {
  const ids = a.snapshot.nodeId;
  for (let v = 0; v < a.snapshot.nodeCount; v++) if (ids[v] === id) return v;
  return -1;
}
