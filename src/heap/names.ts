/**
 * Names a person reads, decided from the snapshot's edges: the global object as `globalThis`,
 * a bound function by its target ("bound handle"), a scope by its module or function and file
 * ("entries in lib/cache.js (module variable)"), and each retainer-path step in source terms
 * (`globalThis.registry → Map → value → Processor`). Also English articles ("an Array").
 * Pure: reads the snapshot and its analysis, nothing else.
 */
import type { SourceLocation } from '../report/types';
import type { HeapAnalysis } from './analysis';
import { scriptNamesInSnapshot } from './functions';
import { locationOf } from './locations';
import { edgeSource, forEachRetainingEdge } from './retainers';
import { edgeNameIsIndex, edgeNameText, type HeapSnapshot } from './snapshot';

// ---------------------------------------------------------------------------------------------
// Words

/** Letters whose spoken name starts with a vowel sound: "an HTTPParser", "an SVG", "a URL". */
const VOWEL_SOUND_LETTERS = 'AEFHILMNORSX';

/**
 * The noun with "a" or "an": "an Array", "an Object", "a Map", "a promise", "a Uint8Array",
 * "an HTTPParser", "a (string)". An interface name such as `{id, name}` reads "an object {id, name}".
 */
export function withArticle(noun: string): string {
  if (noun.startsWith('{')) return `an object ${noun}`;
  return `${articleFor(noun)} ${noun}`;
}

export function articleFor(noun: string): 'a' | 'an' {
  const word = noun.replace(/^[^A-Za-z0-9]+/, '');
  if (word === '') return 'a';
  // An acronym (two capitals, or a capital and a digit) is read letter by letter.
  if (/^[A-Z][A-Z0-9]/.test(word)) return VOWEL_SOUND_LETTERS.includes(word[0]) ? 'an' : 'a';
  if (/^[0-9]/.test(word)) return /^(8|11|18|80)/.test(word) ? 'an' : 'a';
  const lower = word.toLowerCase();
  // "u" read as "you" (a Uint8Array, a URL, a unique key), "o" read as "w" (a one-off).
  if (/^(uint|uni|use|usa|usu|uti|ure|uri|utf|eu|ewe|one|once)/.test(lower)) return 'a';
  if (/^(hour|honest|honou?r|heir)/.test(lower)) return 'an';
  return 'aeiou'.includes(lower[0]) ? 'an' : 'a';
}

/** `holder` with its collection: "Processor.instanceMap (Map)", "entries in a.js (module variable, Array)". */
export function withCollection(where: string, collection: string): string {
  return where.endsWith(')') ? `${where.slice(0, -1)}, ${collection})` : `${where} (${collection})`;
}

/** `.name` for an identifier, `[3]` for an index, `["a b"]` otherwise. */
export function propertyAccess(name: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(name)) return `.${name}`;
  if (/^\d+$/.test(name)) return `[${name}]`;
  return `[${JSON.stringify(name)}]`;
}

// ---------------------------------------------------------------------------------------------
// Edges

/** Target of the first string-named edge `name` of `from` (any type), or -1. */
export function namedEdgeTarget(s: HeapSnapshot, from: number, name: string): number {
  for (let e = s.firstEdge[from]; e < s.firstEdge[from + 1]; e++) {
    if (edgeNameIsIndex(s, s.edgeType[e])) continue;
    if (s.strings.get(s.edgeName[e]) === name) return s.edgeTarget[e];
  }
  return -1;
}

/** The function a bound function calls (its `bound_function` edge), or -1 when v is not one. */
export function boundTarget(s: HeapSnapshot, v: number): number {
  if (s.nodeType[v] !== s.types.closure) return -1;
  for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e++) {
    if (s.edgeType[e] === s.edgeKinds.internal && s.strings.get(s.edgeName[e]) === 'bound_function') return s.edgeTarget[e];
  }
  return -1;
}

/** A function's own name, a bound function's as "bound <target>" (bound twice: "bound bound f"). */
export function functionName(s: HeapSnapshot, v: number): string {
  let name = '';
  let prefix = '';
  let at = v;
  for (let guard = 0; guard < 8; guard++) {
    const target = boundTarget(s, at);
    if (target < 0) {
      name = s.strings.get(s.nodeName[at]);
      break;
    }
    prefix += 'bound ';
    at = target;
  }
  return `${prefix}${name || '(anonymous)'}`;
}

/**
 * The grouping key of a closure: its name and location. A bound function has no code of its
 * own: it is keyed by its target's name and location, so one `obj.handle.bind(obj)` per call
 * is one class ("bound handle()"), apart from the bound functions Node makes for itself.
 */
export function functionClassKey(s: HeapSnapshot, v: number): string {
  const loc = locationOf(s, codeOf(s, v));
  const where = loc ? `\u0000${loc.scriptId}:${loc.line}:${loc.column}` : '';
  return `${functionName(s, v)}()${where}`;
}

/** The function whose code runs when v is called: v itself, or a bound function's target. */
function codeOf(s: HeapSnapshot, v: number): number {
  let code = v;
  for (let guard = 0; guard < 8; guard++) {
    const target = boundTarget(s, code);
    if (target < 0) break;
    code = target;
  }
  return code;
}

/** Where a node is in the source: a bound function where its target is defined, others as locationOf. */
export function codeLocation(s: HeapSnapshot, v: number): SourceLocation | undefined {
  return locationOf(s, s.nodeType[v] === s.types.closure ? codeOf(s, v) : v);
}

/** The global object: the root holds it by a shortcut edge (DevTools' "user root"). */
export function isGlobalObject(a: HeapAnalysis, v: number): boolean {
  const s = a.snapshot;
  if (s.nodeType[v] !== s.types.object) return false;
  const root = s.rootOrdinal;
  for (let e = s.firstEdge[root]; e < s.firstEdge[root + 1]; e++) {
    if (s.edgeTarget[e] === v && s.edgeType[e] === s.edgeKinds.shortcut) return true;
  }
  return false;
}

/** A native context: it links to its global proxy. */
function isNativeContext(s: HeapSnapshot, v: number): boolean {
  return namedEdgeTarget(s, v, 'global_proxy_object') >= 0 || s.strings.get(s.nodeName[v]) === 'system / NativeContext';
}

/** A function context: it has a scope_info and a `previous` context. */
export function isContext(s: HeapSnapshot, v: number): boolean {
  return s.nodeType[v] !== s.types.closure && namedEdgeTarget(s, v, 'scope_info') >= 0 && namedEdgeTarget(s, v, 'previous') >= 0;
}

// ---------------------------------------------------------------------------------------------
// Files

const labelsOf = new WeakMap<HeapSnapshot, Map<number, string>>();

/**
 * Short names of the program's scripts: file paths relative to the folder that holds them all
 * (`lib/cache.js`), Node's own as V8 names them (`node:events`). From the snapshot alone.
 */
export function scriptLabel(s: HeapSnapshot, scriptId: number): string | undefined {
  let labels = labelsOf.get(s);
  if (!labels) {
    labels = new Map();
    const names = scriptNamesInSnapshot(s);
    const paths = new Map<number, string>();
    for (const [id, name] of names) {
      const p = filePath(name);
      if (p) paths.set(id, p);
    }
    // The program's own files set the root; packages and Leak Lens' preload may live elsewhere
    // (a global tsx, the extension's folder) and would widen it to the filesystem root.
    const own = [...paths.values()].filter((p) => !p.includes('/node_modules/') && !p.endsWith(KEEP_ALIVE_FILE));
    const root = commonFolder(own.length > 0 ? own : [...paths.values()]);
    for (const [id, name] of names) {
      const p = paths.get(id);
      labels.set(id, p ? fileLabel(p, root) : name);
    }
    labelsOf.set(s, labels);
  }
  return labels.get(scriptId);
}

/** The file name of the keep-alive preload `leak-lens profile` adds to a program it launches. */
export const KEEP_ALIVE_FILE = 'leak-lens-keep-alive.cjs';

/** A path relative to the program's root; a package outside it from its node_modules folder on. */
function fileLabel(p: string, root: string | undefined): string {
  if (root && p.startsWith(root)) return p.slice(root.length);
  const packages = p.lastIndexOf('/node_modules/');
  return packages >= 0 ? p.slice(packages + 1) : p;
}

/** An absolute path for a CommonJS path or a file:// URL (with / separators); undefined otherwise. */
function filePath(name: string): string | undefined {
  let p = name;
  if (p.startsWith('file://')) {
    try {
      p = decodeURIComponent(p.slice('file://'.length).replace(/[?#].*$/, ''));
    } catch {
      return undefined;
    }
    if (/^\/[A-Za-z]:\//.test(p)) p = p.slice(1);
  }
  p = p.replace(/\\/g, '/');
  return p.startsWith('/') || /^[A-Za-z]:\//.test(p) ? p : undefined;
}

/** The longest folder (ending in "/") that holds every path; undefined when that is a filesystem root. */
function commonFolder(paths: string[]): string | undefined {
  if (paths.length === 0) return undefined;
  let root = paths[0].slice(0, paths[0].lastIndexOf('/') + 1);
  for (const p of paths) {
    while (root && !p.startsWith(root)) root = root.slice(0, root.lastIndexOf('/', root.length - 2) + 1);
  }
  return root === '' || root === '/' || /^[A-Za-z]:\/$/.test(root) ? undefined : root;
}

/** The file of a closure, by its location. */
function fileOfClosure(s: HeapSnapshot, closure: number): string | undefined {
  const loc = locationOf(s, closure);
  return loc ? scriptLabel(s, loc.scriptId) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Scopes

export interface Scope {
  kind: 'module' | 'function' | 'unknown';
  /** The script of the module, or of the function. */
  file?: string;
  /** The function whose scope it is (kind 'function'), when V8 kept its code. */
  fn?: string;
  /** A closure that keeps the scope alive. */
  capturedBy?: string;
}

/**
 * What scope a Context is. A module's (or script's) top-level scope links straight to the native
 * context; its file is that of the closures made in it. A function's scope shares its ScopeInfo
 * with the function's code (SharedFunctionInfo `name_or_scope_info`), which names the function.
 */
export function scopeOf(a: HeapAnalysis, context: number): Scope {
  const s = a.snapshot;
  const previous = namedEdgeTarget(s, context, 'previous');
  let closure = -1;
  let file: string | undefined;
  forEachRetainingEdge(s, a.retainers, context, (e, source) => {
    if (s.nodeType[source] !== s.types.closure || s.strings.get(s.edgeName[e]) !== 'context') return false;
    if (closure < 0) closure = source;
    file = fileOfClosure(s, source);
    if (file !== undefined) closure = source;
    return file !== undefined;
  });
  const capturedBy = closure >= 0 ? functionName(s, closure) : undefined;
  if (previous >= 0 && isNativeContext(s, previous)) return { kind: 'module', file, capturedBy };
  const info = namedEdgeTarget(s, context, 'scope_info');
  let fn: string | undefined;
  if (info >= 0) {
    forEachRetainingEdge(s, a.retainers, info, (e, source) => {
      if (s.nodeType[source] !== s.types.code || s.strings.get(s.edgeName[e]) !== 'name_or_scope_info') return false;
      const name = s.strings.get(s.nodeName[source]);
      if (name !== '' && !name.startsWith('(') && !name.startsWith('system /')) fn = name;
      const script = namedEdgeTarget(s, source, 'script_or_debug_info');
      if (file === undefined && script >= 0) file = scriptNameLabel(s, script);
      return true;
    });
  }
  if (previous < 0) return { kind: 'unknown', file, capturedBy };
  return { kind: 'function', file, fn, capturedBy };
}

/** A Script node's name as a label: the path of the scripts table when it is one of them. */
function scriptNameLabel(s: HeapSnapshot, script: number): string | undefined {
  let own = s.strings.get(s.nodeName[script]);
  const nameNode = namedEdgeTarget(s, script, 'name');
  if (nameNode >= 0 && s.nodeType[nameNode] === s.types.string) own = s.strings.get(s.nodeName[nameNode]);
  if (own === '' || own.startsWith('system /')) return undefined;
  for (const [id, name] of scriptNamesInSnapshot(s)) if (name === own) return scriptLabel(s, id);
  return own;
}

/** "entries in lib/cache.js (module variable)", "seen in makeCounter() (closure variable, counter.js)". */
export function variableText(a: HeapAnalysis, context: number, name: string): string {
  const scope = scopeOf(a, context);
  if (scope.kind === 'module') return scope.file ? `${name} in ${scope.file} (module variable)` : `${name} (module variable)`;
  const file = scope.file ? `, ${scope.file}` : '';
  if (scope.fn) return `${name} in ${scope.fn}() (closure variable${file})`;
  if (scope.capturedBy) return `${name} (closure variable of ${scope.capturedBy}()${file})`;
  return `${name} (closure variable${file})`;
}

/** A Context as a node name: "lib/cache.js (module scope)", "makeCounter() scope (counter.js)". */
export function scopeName(a: HeapAnalysis, context: number): string {
  const scope = scopeOf(a, context);
  const file = scope.file ? ` (${scope.file})` : '';
  if (scope.kind === 'module') return scope.file ? `${scope.file} (module scope)` : 'module scope';
  if (scope.fn) return `${scope.fn}() scope${file}`;
  if (scope.capturedBy) return `scope of ${scope.capturedBy}()${file}`;
  return `function scope${file}`;
}

/**
 * A name for the nodes whose snapshot name is not one a person reads: the global object, bound
 * functions, and function contexts. Undefined for the rest (they keep their class or name).
 */
export function readableName(a: HeapAnalysis, v: number): string | undefined {
  const s = a.snapshot;
  const t = s.nodeType[v];
  if (t === s.types.closure) return boundTarget(s, v) >= 0 ? functionName(s, v) : undefined;
  if (t === s.types.object && s.strings.get(s.nodeName[v]).startsWith('system / Context') && isContext(s, v)) return scopeName(a, v);
  if (t === s.types.object && isGlobalObject(a, v)) return 'globalThis';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Paths in source terms

/**
 * Whether a slot of a Map's hash table holds a key. V8's OrderedHashMap is 3 header slots, then
 * one bucket per two entries, then (key, value, chain) per entry; its slot count follows from
 * its size (16-byte header, 8-byte slots). When the table's size was counted in its Map's
 * (shallowSizes.ts), it is the Map's less the Map's own 32 bytes. Undefined when the size does
 * not fit that layout.
 */
function isMapKeySlot(s: HeapSnapshot, map: number, table: number, index: number): boolean | undefined {
  const bytes = s.selfSize[table] > 0 ? s.selfSize[table] : s.selfSize[map] - 32;
  const slots = (bytes - 16) / 8;
  const capacity = (slots - 3) / 3.5;
  if (!Number.isInteger(slots) || !Number.isInteger(capacity) || capacity <= 0 || !Number.isInteger(index)) return undefined;
  const first = 3 + capacity / 2;
  return index >= first ? (index - first) % 3 === 0 : undefined;
}

/** How a collection's entries are named when its hash table is on the path. */
function entryWord(collection: string): string {
  return collection === 'Set' || collection === 'WeakSet' ? 'entry' : 'value';
}

/**
 * Each edge of a retainer path (GC root first) in source terms. The step that ends a segment
 * gets its text: "globalThis.registry", "Map → value", "entries in lib/cache.js (module
 * variable)", "Array[3]", "handle()". Steps that lead into it get "" (the root's link to the
 * global object, a scope's link to its outer scope, a hash table before its slot, a run of V8's
 * own links), so a view joins each "" step to the next labelled one.
 */
export function sourceStepLabels(a: HeapAnalysis, edges: readonly number[], nameOf: (v: number) => string): string[] {
  const s = a.snapshot;
  const k = s.edgeKinds;
  const labels: string[] = [];
  // A segment the previous steps opened and a later step completes: a backing store's slot, or
  // a run of V8-internal links (named by its first holder and the links' names).
  let pending: ((e: number) => string) | null = null;
  let internals: { holder: string; names: string[] } | null = null;
  edges.forEach((e, i) => {
    const from = edgeSource(s, e);
    const to = s.edgeTarget[e];
    const type = s.edgeType[e];
    const name = edgeNameText(s, e);
    const holder = nameOf(from);
    if (pending) {
      labels.push(pending(e));
      pending = null;
      return;
    }
    if (isEngineLink(s, e, from)) {
      internals ??= { holder, names: [] };
      internals.names.push(name);
      // The run ends where the next step is a link a person knows (or the path ends).
      const next = edges[i + 1];
      const ends = next === undefined || !isEngineLink(s, next, s.edgeTarget[e]);
      labels.push(ends ? `${internals.holder} → V8 internals (${internals.names.join(' → ')})` : '');
      if (ends) internals = null;
      return;
    }
    if (s.nodeType[from] === s.types.synthetic) {
      // The roots: only the last synthetic node before real objects is worth a word.
      const quiet = s.nodeType[to] === s.types.synthetic || (from === s.rootOrdinal && isGlobalObject(a, to));
      labels.push(quiet ? '' : holder);
    } else if (type === k.context) {
      labels.push(variableText(a, from, name));
    } else if (type === k.internal && name === 'context') {
      // A function's scope; a generator's or async function's, while it is suspended.
      labels.push(s.nodeType[from] === s.types.closure ? `${holder}()` : `${holder} → its scope`);
    } else if (type === k.internal && name === 'previous' && isContext(s, from)) {
      labels.push('');
    } else if (type === k.property || (type === k.shortcut && !name.startsWith('bound_argument'))) {
      // V8 names an accessor's functions "get x" and "set x".
      const accessor = /^(get|set) (.+)$/.exec(name);
      labels.push(
        accessor && s.nodeType[to] === s.types.closure
          ? `${holder}${propertyAccess(accessor[2])} (${accessor[1]}ter)`
          : `${holder}${propertyAccess(name)}`,
      );
    } else if (type === k.element) {
      labels.push(`${holder}[${name}]`);
    } else if (type === k.internal && name === 'table' && s.nodeType[to] === s.types.array) {
      labels.push('');
      pending = (slot) => `${holder} → ${(holder === 'Map' || holder === 'WeakMap') && isMapKeySlot(s, from, to, Number(edgeNameText(s, slot))) ? 'key' : entryWord(holder)}`;
    } else if (type === k.internal && name === 'elements' && s.nodeType[to] === s.types.array) {
      labels.push('');
      pending = (slot) => `${holder}[${edgeNameText(s, slot)}]`;
    } else if (type === k.internal && name === 'properties' && s.nodeType[to] === s.types.array) {
      labels.push('');
      pending = () => `${holder} → a property`;
    } else if (type === k.internal && name === 'bound_this') {
      labels.push(`${holder}() → this`);
    } else if (type === k.internal && name === 'bound_function') {
      labels.push(`${holder}() → target`);
    } else if (type === k.shortcut) {
      labels.push(`${holder}() → argument ${name.replace(/^bound_argument_/, '')}`);
    } else {
      labels.push(`${holder} (${s.edgeTypeNames[type] ?? 'edge'} ${name})`);
    }
  });
  return labels;
}

/** Internal links with no source meaning a reader knows. */
const KNOWN_LINKS = new Set(['context', 'previous', 'table', 'elements', 'properties', 'bound_this', 'bound_function']);

/** A link of V8's own (code, shared function info, module records, cells): internal or hidden, not one of KNOWN_LINKS. */
function isEngineLink(s: HeapSnapshot, e: number, from: number): boolean {
  const type = s.edgeType[e];
  if (s.nodeType[from] === s.types.synthetic) return false;
  if (type === s.edgeKinds.hidden) return true;
  if (type !== s.edgeKinds.internal) return false;
  return !KNOWN_LINKS.has(edgeNameText(s, e));
}
