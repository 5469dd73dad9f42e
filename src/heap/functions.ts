/**
 * Snapshot queries that find functions (closures) by name or by source location.
 *
 * V8 records a location row (node ordinal, script id, line, column; all 0-based) for every
 * closure in the snapshot. The position is the start of the function's *parameter list*: for
 * `function loadApp(a) {` it is the `(`, for `(a) => a` the `(`, for `foo() {}` the `(`. An
 * editor usually points at the name or the `function` keyword instead, so columns are treated
 * as a hint for ordering, never as an exact filter.
 *
 * Several closures can share one location: every evaluation of a function expression creates a
 * new closure with the same code (the same SharedFunctionInfo). All of them are reported.
 */
import { edgeNameIsIndex, type HeapSnapshot } from './snapshot';
import { normalizeScriptLocation } from '../report/scriptLocation';

export interface ClosureMatch {
  /** The snapshot node id: pass it to `InspectorSession.objectForNodeId`. */
  nodeId: number;
  /** Node ordinal in this snapshot (index into the typed arrays). */
  ordinal: number;
  /** The function's name ("" for anonymous functions). */
  name: string;
  scriptId: number;
  /** 0-based. */
  line: number;
  /** 0-based; the start of the parameter list. */
  column: number;
}

/**
 * Closures at `line` (0-based) of any of `scriptIds`, as full matches. Without `column` they
 * are ordered by column (smallest first). With `column`, closures starting at or after it come
 * first (nearest first), then those before it (nearest first). Ties keep node order.
 */
export function findClosureMatches(
  snapshot: HeapSnapshot,
  scriptIds: readonly number[],
  line: number,
  column?: number,
): ClosureMatch[] {
  if (scriptIds.length === 0) return [];
  const wanted = new Set(scriptIds);
  const loc = snapshot.locations;
  const out: ClosureMatch[] = [];
  forEachLocatedClosure(snapshot, (r, ordinal) => {
    if (loc[r + 2] !== line || !wanted.has(loc[r + 1])) return;
    out.push({
      nodeId: snapshot.nodeId[ordinal],
      ordinal,
      name: snapshot.strings.get(snapshot.nodeName[ordinal]),
      scriptId: loc[r + 1],
      line,
      column: loc[r + 3],
    });
  });
  const rank = (c: number): number => {
    if (column === undefined) return c;
    // After (or at) the hint: 0, 1, 2, …; before it: after every "after" candidate.
    return c >= column ? c - column : 2 ** 32 + (column - c);
  };
  // Array.prototype.sort is stable, so equal ranks keep snapshot (node) order.
  out.sort((a, b) => rank(a.column) - rank(b.column));
  return out;
}

/**
 * Node ids of the `closure` nodes whose location is on `line` (0-based) of one of `scriptIds`;
 * see findClosureMatches for the order (best candidate first). Empty when nothing matches.
 */
export function findClosuresAt(
  snapshot: HeapSnapshot,
  scriptIds: readonly number[],
  line: number,
  column?: number,
): number[] {
  return findClosureMatches(snapshot, scriptIds, line, column).map((m) => m.nodeId);
}

/** Names (`strings.get(nodeName)`) of the given node ids, in order; undefined for unknown ids. */
export function nodeNames(snapshot: HeapSnapshot, nodeIds: readonly number[]): (string | undefined)[] {
  const ordinals = ordinalsOf(snapshot, nodeIds);
  return nodeIds.map((id) => {
    const o = ordinals.get(id);
    return o === undefined ? undefined : snapshot.strings.get(snapshot.nodeName[o]);
  });
}

/** One pass over the node ids; cheaper than one lookup per id when there are several. */
function ordinalsOf(snapshot: HeapSnapshot, nodeIds: readonly number[]): Map<number, number> {
  const wanted = new Set(nodeIds);
  const found = new Map<number, number>();
  const ids = snapshot.nodeId;
  for (let n = 0; n < snapshot.nodeCount && found.size < wanted.size; n++) {
    if (wanted.has(ids[n]) && !found.has(ids[n])) found.set(ids[n], n);
  }
  return found;
}

/**
 * Script ids whose script is `fileUrlOrPath`, read from the snapshot alone: closure → `shared`
 * (SharedFunctionInfo) → `script_or_debug_info` (or `script` in other V8 versions; through a
 * DebugInfo when the function has breakpoints) → the Script, whose name is the script's URL
 * (an absolute path for CommonJS, a file:// URL for ES modules). The script id comes from the
 * closure's location row.
 *
 * Needs no Debugger domain, so it works where `Debugger.scriptParsed` is not replayed (a
 * js-debug CDP proxy, whose session already has Debugger enabled). Scripts with no live
 * closure are invisible here, but a function we want to call is a live closure by definition.
 */
export function scriptIdsInSnapshot(snapshot: HeapSnapshot, fileUrlOrPath: string): number[] {
  const want = normalizeScriptLocation(fileUrlOrPath);
  if (!want) return [];
  const names = scriptNamesInSnapshot(snapshot);
  const out: number[] = [];
  for (const [id, name] of names) if (normalizeScriptLocation(name) === want) out.push(id);
  return out.sort((a, b) => a - b);
}

/** Per snapshot, once: a CodeLens run asks by location and then by name, each with the file. */
const scriptNamesOf = new WeakMap<HeapSnapshot, ReadonlyMap<number, string>>();

/** Script id → script name (URL or path) for every script with a located closure. */
export function scriptNamesInSnapshot(snapshot: HeapSnapshot): ReadonlyMap<number, string> {
  let names = scriptNamesOf.get(snapshot);
  if (!names) {
    names = findScriptNames(snapshot);
    scriptNamesOf.set(snapshot, names);
  }
  return names;
}

function findScriptNames(snapshot: HeapSnapshot): Map<number, string> {
  const out = new Map<number, string>();
  const misses = new Map<number, number>();
  forEachLocatedClosure(snapshot, (r, ordinal) => {
    const scriptId = snapshot.locations[r + 1];
    if (out.has(scriptId)) return;
    // Each try scans a few edge lists; give up on a script after a handful of misses.
    const missed = misses.get(scriptId) ?? 0;
    if (missed >= 8) return;
    const name = scriptNameOfClosure(snapshot, ordinal);
    if (name !== undefined) out.set(scriptId, name);
    else misses.set(scriptId, missed + 1);
  });
  return out;
}

function scriptNameOfClosure(s: HeapSnapshot, closure: number): string | undefined {
  const shared = edgeTo(s, closure, 'shared');
  if (shared < 0) return undefined;
  let script = edgeTo(s, shared, 'script_or_debug_info');
  if (script < 0) script = edgeTo(s, shared, 'script');
  if (script < 0) return undefined;
  // A DebugInfo sits in between when the function has break points; it links to the script.
  if (edgeTo(s, script, 'source') < 0) {
    const inner = edgeTo(s, script, 'script');
    if (inner < 0) return undefined;
    script = inner;
  }
  const nameNode = edgeTo(s, script, 'name');
  if (nameNode < 0 || nameNode >= s.nodeCount || s.nodeType[nameNode] !== s.types.string) {
    // Some V8 versions name the Script node itself after its URL.
    const own = s.strings.get(s.nodeName[script]);
    return own.length > 0 && !own.startsWith('system /') ? own : undefined;
  }
  return s.strings.get(s.nodeName[nameNode]);
}

/** Ordinal of the target of the first named (string-keyed) edge `name` from `from`, or -1. */
function edgeTo(s: HeapSnapshot, from: number, name: string): number {
  for (let e = s.firstEdge[from]; e < s.firstEdge[from + 1]; e++) {
    if (edgeNameIsIndex(s, s.edgeType[e])) continue;
    if (s.strings.get(s.edgeName[e]) === name) return s.edgeTarget[e];
  }
  return -1;
}

/**
 * Located closures named `name`. Those in `preferScripts` come first; then those from
 * other scripts. Closures of the same code (same location) are reported once each, so a
 * caller can tell "one function" from "several functions with that name".
 */
export function findClosuresNamed(snapshot: HeapSnapshot, name: string, preferScripts: readonly number[] = []): ClosureMatch[] {
  const loc = snapshot.locations;
  const prefer = new Set(preferScripts);
  // Compares stored lengths first: no closure's name is decoded (and kept) just to be skipped.
  const isName = snapshot.strings.matcher(name);
  const seen = new Set<string>();
  const out: ClosureMatch[] = [];
  forEachLocatedClosure(snapshot, (r, ordinal) => {
    if (!isName(snapshot.nodeName[ordinal])) return;
    const key = `${loc[r + 1]}:${loc[r + 2]}:${loc[r + 3]}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ nodeId: snapshot.nodeId[ordinal], ordinal, name, scriptId: loc[r + 1], line: loc[r + 2], column: loc[r + 3] });
  });
  return out.sort((a, b) => Number(prefer.has(b.scriptId)) - Number(prefer.has(a.scriptId)));
}

/**
 * Every located closure of `scriptIds`, one per location (closures of the same code share it),
 * in node order: the candidates a source map reads back to the user's line.
 */
export function findClosuresInScripts(snapshot: HeapSnapshot, scriptIds: readonly number[]): ClosureMatch[] {
  const wanted = new Set(scriptIds);
  const loc = snapshot.locations;
  const seen = new Set<string>();
  const out: ClosureMatch[] = [];
  forEachLocatedClosure(snapshot, (r, ordinal) => {
    if (!wanted.has(loc[r + 1])) return;
    const key = `${loc[r + 1]}:${loc[r + 2]}:${loc[r + 3]}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      nodeId: snapshot.nodeId[ordinal],
      ordinal,
      name: snapshot.strings.get(snapshot.nodeName[ordinal]),
      scriptId: loc[r + 1],
      line: loc[r + 2],
      column: loc[r + 3],
    });
  });
  return out;
}

/** Each location row (its offset in `locations`) that belongs to a closure, with the closure's ordinal. */
function forEachLocatedClosure(snapshot: HeapSnapshot, visit: (row: number, ordinal: number) => void): void {
  const closure = snapshot.types.closure;
  if (closure < 0) return;
  const loc = snapshot.locations;
  for (let r = 0; r + 3 < loc.length; r += 4) {
    const ordinal = loc[r];
    if (ordinal < snapshot.nodeCount && snapshot.nodeType[ordinal] === closure) visit(r, ordinal);
  }
}
