/**
 * The culprit edge on a leak's top retainer path, named in source terms, and the fix hint that
 * fits its shape (a collection, listeners, a timer, a closure, a property).
 */
import type { HeapAnalysis } from './analysis';
import { locationOf } from './locations';
import { withArticle, withCollection } from './names';
import type { HeapSnapshot } from './snapshot';
import type { Culprit, PathStep, RetainerPath } from '../report/types';

const INTERNAL_TYPES = ['hidden', 'array', 'object shape', 'code'];

/**
 * The culprit edge: walking from the leaked object towards the root, the first old holder that
 * is a real object (not V8 storage), and the edge it uses to reach the new objects. When that
 * holder is a collection (Map, Set, Array, plain Object) the edge into it from its own holder
 * is named instead, so the text reads "Processor.instanceMap (Map) → value → Processor".
 */
export function culpritIndex(steps: PathStep[]): number {
  for (let i = steps.length - 1; i >= 0; i--) {
    const st = steps[i];
    if (!st.fromOld || INTERNAL_TYPES.includes(st.fromType) || st.edgeType === 'weak') continue;
    return i;
  }
  return -1;
}

const COLLECTIONS = ['Map', 'Set', 'Array', 'Object', 'WeakMap', 'WeakSet'];

/** A step out of a collection (Map, Set, Array, a plain or interface-named object). */
export function isCollectionStep(st: PathStep): boolean {
  return COLLECTIONS.includes(st.from) || st.from.startsWith('{');
}

export function describeCulprit(a: HeapAnalysis, path: RetainerPath, leaked: string, example: number): Culprit {
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
  let text = collection ? `${withCollection(where, collection)} → ${entryWord(steps, i, true)} → ${leaked}` : `${where} → ${leaked}`;
  if (kind === 'listeners') {
    // The emitter next to the culprit: the way from the root often crosses other emitters
    // (an HTTP server's "request" listener) before it reaches the one that grows.
    const from = Math.max(0, i - 1);
    const after = steps.slice(from).findIndex((x) => x.edgeName === '_events');
    const events = after >= 0 ? from + after : -1;
    const emitter = events >= 0 ? steps[events].from : holder;
    const eventName = events >= 0 && steps[events + 1] ? steps[events + 1].edgeName : '?';
    // Its variable or property name when the step before names it ("bus"), else its class.
    const named = events > 0 ? steps[events - 1] : undefined;
    const variable = named && (named.edgeType === 'context' || named.edgeType === 'property') && /^[A-Za-z_$][\w$]*$/.test(named.edgeName) ? named.edgeName : emitter;
    text = `${emitter} listeners for "${eventName}" (${variable}._events.${eventName}) → ${leaked}`;
    holder = emitter;
    edgeName = `_events.${eventName}`;
  } else if (kind === 'timer') {
    const callback = timerCallback(a, example);
    text = `a timer that is never cleared (Timeout in Node's timer list) → _onTimeout → ${callback ?? leaked}`;
  }
  const holderNode = findById(s, holderId);
  const culprit: Culprit = { text, where, holder, holderId, edgeName, kind };
  if (collection) culprit.collection = collection;
  if (collection && entryWord(steps, i, true) === 'key') culprit.entry = 'key';
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
  // The step's source-terms label names the scope: "entries in lib/cache.js (module variable)".
  if (st && st.edgeType === 'context') return st.label || `closure variable ${edgeName} (in ${contextOwner(steps, at)})`;
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
  if (kind === 'Map' || kind === 'WeakMap') return steps.slice(i, i + 3).some((x) => x.label === `${kind} → key`) ? 'key' : 'value';
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

export function fixHint(c: Culprit, leaked = ''): string {
  switch (c.kind) {
    case 'listeners':
      return `A listener is added on every call and never removed. Remove it when done (emitter.off / removeListener), use once(), or pass an AbortSignal.`;
    case 'timer':
      return `A timer created on every call keeps its callback and what it captures alive. Keep the handle and clearInterval/clearTimeout it when the work is done.`;
    case 'closure':
      return `A closure kept alive by a long-lived function captures data from every call. Narrow what it captures, or clear the variable (${c.edgeName}) when done.`;
    case 'chain':
      if (c.sharedWith) {
        return `Each call's object keeps the one before it alive through ${c.edgeName}, so every call keeps all earlier ones alive (a chain). The closures made in one call share one scope: one of them uses ${c.edgeName}, so the scope keeps it as long as ${c.sharedWith} (held by the newest object) lives. Set ${c.edgeName} = null at the end of the call, or don't use it in a closure made beside ${c.sharedWith}.`;
      }
      return `Each call's object keeps the one before it alive through ${c.where}, so every call keeps all earlier ones alive (a chain). Cut the link when the older one is no longer needed (set ${c.edgeName} to null), or keep only a bounded number of them.`;
    case 'collection':
      // Node's module loader: a module loaded again after `delete require.cache[…]`.
      if (c.holder === 'Module' && c.edgeName === 'children') {
        return 'Node keeps every module a module requires in its module.children, and deleting it from require.cache does not take it out: each reload adds one. Load it once and reuse it; or, when reloading, also remove the old module from its parent\'s children (module.children.splice(module.children.indexOf(old), 1)); or load it in a worker or vm context that you drop.';
      }
      // A string cannot be held weakly: the collection itself needs a bound.
      if (/^\((?:[a-z]+ )?string\)$/.test(leaked)) {
        return `${c.where} is ${withArticle(c.collection ?? 'collection')} that gains a string on every call and never loses one. Strings cannot be held weakly: keep only the last N (a ring buffer), or write them out (a file, a stream, a log transport) and clear it, or delete each entry when done with it.`;
      }
      if (c.entry === 'key') {
        return `${c.where} is ${withArticle(c.collection ?? 'Map')} keyed by the leaked objects, and it gains a key on every call and never loses one. Make it a WeakMap, so that an entry goes when its key object does, or delete the entry when the object is disposed.`;
      }
      return `${c.where} is ${withArticle(c.collection ?? 'collection')} that gains an entry on every call and never loses one. Hold the values weakly — store new WeakRef(value) and delete entries from a FinalizationRegistry callback — or use a WeakMap keyed by the owner, or delete the entry when the object is disposed.`;
    default:
      return `${c.where} keeps new objects alive across calls. Clear it when the object is no longer needed, or hold it through a WeakRef.`;
  }
}
