/**
 * Retention by the runtime: objects that only V8's own state or an attached inspector keeps
 * alive. A heap snapshot shows them as reachable from the GC roots like anything else, but the
 * program holds no reference to them: they are not the program's leak, and a fix in the
 * program cannot free them. They are decided from the retainer graph, never by class name.
 *
 * THE RULE. An object is held by the runtime when every strong path from the snapshot's root to
 * it passes through runtime state. Strong: not a weak edge, and not a shortcut other than the
 * root's (a shortcut repeats a path that exists anyway). Runtime state is, one entry per kind:
 *
 * 1. 'jit' — any node of type "code". V8's snapshot writer gives that type to compiled code and
 *    everything the compiler keeps beside it: SharedFunctionInfo, bytecode and its constant
 *    pool, FeedbackCell and FeedbackVector (a closure's `feedback_cell` edge), AllocationSite
 *    (the boilerplate V8 copies object and array literals from, its `transition_info` edge),
 *    scope infos and scripts. A program reaches none of these; what only they reach is a
 *    literal's template, a constant, or a value a call site saw. It stops growing once each code
 *    path has run (lazy feedback, a literal's boilerplate made on its second run).
 *    With it, V8's string tables: the "(Internalized strings)" and "(External strings)" GC
 *    roots. V8 holds those strings weakly (a string only the table has dies at the next GC),
 *    but the snapshot shows the edges as strong, so the constants of newly compiled code would
 *    look held by a root.
 * 2. 'console' — edges out of "(Global handles)" named "<n> / DevTools console". V8's inspector
 *    labels its global handles so: the arguments of console calls, kept while an inspector
 *    session is attached so a debugger's console can show them (the last 1000 messages), and
 *    the remote objects an inspector client holds. Without an inspector they are freed.
 * 3. 'debugger' — other "DevTools …" handle labels ("DevTools debugger": the scripts the
 *    debugger keeps a record of), and the "(Debugger)" GC root.
 *
 * THE PASS. One depth-first walk from the root over the strong edges that does not cross into
 * runtime state marks what the program reaches (PROGRAM). Each crossing it refuses is put aside
 * with its reason; a second walk from those marks what only the runtime reaches, each node with
 * the reason of the first crossing that reaches it. Every edge is looked at once or twice: two
 * typed stacks of one word per node, no object per node.
 */
import type { HeapAnalysis } from './analysis';
import { Scratch } from './memory';
import { clusterPaths } from './retainerPaths';
import type { HeapSnapshot } from './snapshot';
import type { OldIds } from './verdict';
import type { PathStep, RuntimeHeld } from '../report/types';

/** A node's mark: not reached by a strong path (only weakly held, or garbage). */
export const UNREACHED = 0;
/** Reached by a strong path that crosses no runtime state: the program holds it. */
export const PROGRAM = 1;
const JIT = 2;
const CONSOLE = 3;
const DEBUGGER = 4;
/** Added to a reason while the node waits, put aside, for the second walk. */
const PENDING = 8;

const REASONS: Record<number, RuntimeHeld['reason']> = { [JIT]: 'jit', [CONSOLE]: 'console', [DEBUGGER]: 'debugger' };

/** The snapshot's handles on runtime state: the two synthetic roots whose edges carry labels. */
export interface RuntimeRules {
  readonly codeType: number;
  /** "(Global handles)" and "(GC roots)", or -1. */
  readonly globalHandles: number;
  readonly gcRoots: number;
  /** Their edges into runtime state, by edge index, with the reason. */
  readonly labelled: ReadonlyMap<number, number>;
}

export interface RuntimeRetention {
  /** Per node: UNREACHED, PROGRAM, or a runtime reason (see reasonOf). */
  readonly marks: Uint8Array;
  readonly rules: RuntimeRules;
}

export function runtimeRules(s: HeapSnapshot): RuntimeRules {
  const labelled = new Map<number, number>();
  const gcRoots = childNamed(s, s.rootOrdinal, '(GC roots)');
  const globalHandles = gcRoots >= 0 ? childNamed(s, gcRoots, '(Global handles)') : -1;
  if (gcRoots >= 0) {
    for (let e = s.firstEdge[gcRoots]; e < s.firstEdge[gcRoots + 1]; e++) {
      const name = nameOf(s, s.edgeTarget[e]);
      if (name === '(Debugger)') labelled.set(e, DEBUGGER);
      else if (name === '(Internalized strings)' || name === '(External strings)') labelled.set(e, JIT);
    }
  }
  if (globalHandles >= 0) {
    for (let e = s.firstEdge[globalHandles]; e < s.firstEdge[globalHandles + 1]; e++) {
      const reason = handleReason(s, e);
      if (reason) labelled.set(e, reason);
    }
  }
  return { codeType: s.types.code, globalHandles, gcRoots, labelled };
}

/** 'console' or 'debugger' for an inspector's global handle ("12 / DevTools console"), else 0. */
function handleReason(s: HeapSnapshot, e: number): number {
  const t = s.edgeType[e];
  if (t !== s.edgeKinds.internal && t !== s.edgeKinds.property) return 0;
  const label = /^\d+ \/ (DevTools .*)$/.exec(s.strings.get(s.edgeName[e]))?.[1];
  if (!label) return 0;
  return label === 'DevTools console' ? CONSOLE : DEBUGGER;
}

/** The reason an edge from node n crosses into runtime state, or 0. */
export function crossing(s: HeapSnapshot, rules: RuntimeRules, n: number, e: number): number {
  if (s.nodeType[s.edgeTarget[e]] === rules.codeType) return JIT;
  if (n === rules.globalHandles || n === rules.gcRoots) return rules.labelled.get(e) ?? 0;
  return 0;
}

export function markRuntimeRetention(s: HeapSnapshot): RuntimeRetention {
  const rules = runtimeRules(s);
  const { nodeCount, firstEdge, edgeType, edgeTarget, rootOrdinal } = s;
  const weak = s.edgeKinds.weak;
  const shortcut = s.edgeKinds.shortcut;
  const marks = new Uint8Array(nodeCount);
  const scratch = new Scratch(2 * nodeCount);
  const stack = scratch.words.subarray(0, nodeCount);
  const aside = scratch.words.subarray(nodeCount);
  let top = 0;
  let asideTop = 0;
  marks[rootOrdinal] = PROGRAM;
  stack[top++] = rootOrdinal;
  while (top > 0) {
    const n = stack[--top];
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      const t = edgeType[e];
      if (t === weak || (t === shortcut && n !== rootOrdinal)) continue;
      const target = edgeTarget[e];
      const m = marks[target];
      if (m === PROGRAM) continue;
      const reason = crossing(s, rules, n, e);
      if (reason) {
        if (m === UNREACHED) {
          marks[target] = PENDING + reason;
          aside[asideTop++] = target;
        }
        continue;
      }
      marks[target] = PROGRAM;
      stack[top++] = target;
    }
  }
  // What only the runtime reaches: from each crossing put aside, in order.
  for (let k = 0; k < asideTop; k++) {
    const start = aside[k];
    if (marks[start] < PENDING) continue;
    marks[start] -= PENDING;
    const reason = marks[start];
    stack[top++] = start;
    while (top > 0) {
      const n = stack[--top];
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        const t = edgeType[e];
        if (t === weak || (t === shortcut && n !== rootOrdinal)) continue;
        const target = edgeTarget[e];
        const m = marks[target];
        if (m !== UNREACHED && m < PENDING) continue;
        marks[target] = reason;
        stack[top++] = target;
      }
    }
  }
  scratch.release();
  return { marks, rules };
}

/** The reason only the runtime holds node v, or undefined when the program holds it (or nothing strong does). */
export function reasonOf(r: RuntimeRetention, v: number): RuntimeHeld['reason'] | undefined {
  return REASONS[r.marks[v]];
}

export function isRuntimeHeld(r: RuntimeRetention, v: number): boolean {
  return r.marks[v] > PROGRAM;
}

/**
 * Where a retainer path (root first) enters runtime state: the index of the step that crosses,
 * or -1. The path's own step names decide, as the walk above does.
 */
export function runtimeStep(steps: PathStep[]): number {
  return steps.findIndex(
    (st) => st.toType === 'code' || /^\d+ \/ DevTools /.test(st.edgeName) || (st.from === '(GC roots)' && st.to === '(Debugger)'),
  );
}

/**
 * "route.feedback_cell → FeedbackCell → FeedbackVector → AllocationSite.transition_info": the
 * path from where it enters runtime state to the object, V8's "system / " prefixes dropped.
 */
export function viaText(steps: PathStep[]): string {
  const at = runtimeStep(steps);
  if (at < 0) return steps.length ? `${plain(steps[steps.length - 1].from)}.${steps[steps.length - 1].edgeName}` : '';
  const parts = [`${plain(steps[at].from)}.${handleName(steps[at].edgeName)}`];
  for (let i = at + 1; i < steps.length; i++) {
    const st = steps[i];
    parts.push(i === steps.length - 1 ? `${plain(st.from)}.${st.edgeName}` : plain(st.from));
  }
  // A long walk through code (bytecode, constant pools) says no more than its two ends.
  return (parts.length > 5 ? [...parts.slice(0, 2), '…', ...parts.slice(-2)] : parts).join(' → ');
}

/** What the runtime state is, and how to tell, for a person; `owner` names the code (jit). */
export function runtimeNote(reason: RuntimeHeld['reason'], steps: PathStep[]): string {
  if (reason === 'console') {
    return (
      'held by the runtime, not by your program: the inspector keeps what is passed to console.log (and the objects a ' +
      'debugger client is looking at) while it is attached. To confirm, run the same without the console.log, or clear ' +
      'the debugger\'s console; without an inspector these are freed.'
    );
  }
  if (reason === 'debugger') {
    return 'held by the runtime, not by your program: the debugger keeps a record of it (scripts, break points) while it is attached.';
  }
  const at = runtimeStep(steps);
  const owner = at >= 0 && steps[at].fromType === 'closure' ? `${steps[at].from}()` : 'a function';
  const literal = steps.some((st) => st.from === 'system / AllocationSite' || st.from === 'AllocationSite');
  return (
    `held by the runtime, not by your program: V8's compiled code and feedback for ${owner} keep it` +
    (literal ? ' (the template V8 copies an object or array literal from, made when the literal runs again)' : '') +
    '. It stops growing once each code path has run.'
  );
}

function plain(name: string): string {
  return name.startsWith('system / ') ? name.slice('system / '.length) : name;
}

function handleName(edgeName: string): string {
  const m = /^\d+ \/ (DevTools .*)$/.exec(edgeName);
  return m ? m[1] : edgeName;
}

function childNamed(s: HeapSnapshot, n: number, name: string): number {
  for (let e = s.firstEdge[n]; e < s.firstEdge[n + 1]; e++) {
    if (nameOf(s, s.edgeTarget[e]) === name) return s.edgeTarget[e];
  }
  return -1;
}

function nameOf(s: HeapSnapshot, n: number): string {
  return s.nodeType[n] === s.types.synthetic ? s.strings.get(s.nodeName[n]) : '';
}

/** Prefix of the class key of a survivor the runtime holds, so it is counted apart. */
export const RUNTIME_KEY = '\u0001';

/**
 * The runtime-held classes that the leak rule would have reported (one or more per call, or
 * growth by a multiple of N), each with what holds it: the report's `runtimeHeld`. Only classes
 * with an object that no other runtime-held survivor holds are listed (what those hold, such as
 * a logged object's arrays, goes with them). `groups` are keyed without RUNTIME_KEY; `growth`
 * gives each key's growth.
 */
export function describeRuntimeHeld(
  a: HeapAnalysis,
  runtime: RuntimeRetention,
  groups: ReadonlyMap<string, number[]>,
  growthOf: (key: string, members: number) => number,
  n: number,
  old: OldIds,
): RuntimeHeld[] {
  const s = a.snapshot;
  const held = new Set<number>();
  const heldIds = new Set<number>();
  for (const members of groups.values()) {
    for (const v of members) {
      held.add(v);
      heldIds.add(s.nodeId[v]);
    }
  }
  const isRoot = (v: number): boolean => {
    let at = v;
    for (let guard = 0; guard < 10000; guard++) {
      const d = a.dominator[at];
      if (d === at || old.has(s.nodeId[d])) return true;
      if (held.has(d)) return false;
      at = d;
    }
    return true;
  };
  const out: RuntimeHeld[] = [];
  for (const [key, members] of groups) {
    const perCall = members.length / n;
    const growth = growthOf(key, members.length);
    if (!(perCall >= 1 || (growth > 0 && growth % n === 0))) continue;
    const roots = members.filter(isRoot);
    if (roots.length === 0) continue;
    const steps = clusterPaths(a, roots.slice(0, 1), old)[0]?.steps ?? [];
    // Reached through another runtime-held survivor (a literal's template holds its nested
    // literals' templates): part of that one's entry.
    if (steps.some((st) => heldIds.has(st.fromId))) continue;
    const reason = reasonOf(runtime, roots[0]) ?? 'jit';
    out.push({
      className: key.split('\u0000')[0],
      count: members.length,
      countPerCall: Math.round(perCall * 100) / 100,
      retainedSize: roots.reduce((sum, v) => sum + a.retainedSize[v], 0),
      reason,
      via: viaText(steps),
      note: runtimeNote(reason, steps),
    });
  }
  return out.sort((x, y) => y.retainedSize - x.retainedSize).slice(0, 10);
}
