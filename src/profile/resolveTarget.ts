/**
 * Finding the function to run in the debuggee: by expression (evaluated), by name or by source
 * line (found in a heap snapshot of the process), with its receiver and arguments. A process
 * just launched may define it late, so "not there yet" is looked for again for a bounded time.
 */
import { DebuggeeThrewError, InspectorAbortError, type InspectorSession, type RemoteObject } from '../inspector/session';
import type { ClosureMatch } from '../heap/functions';
import type { HeapWorker } from '../worker/client';
import * as path from 'node:path';
import { normalizeScriptLocation } from '../report/scriptLocation';
import { inFile, LiveFunctionIndex } from './liveFunctions';
import { isRuntimeScript, SourceMaps } from './sourceMaps';

/** Which function to run, and with what. */
export interface FunctionSpec {
  /** An expression giving the function in the debuggee, e.g. `globalThis.app.loadApp`. */
  expression?: string;
  /** Or the function's name: a live closure with that name (in `file` first, when given). */
  name?: string;
  /** Or a source location: a file path or file:// URL and a 1-based line (as an editor shows it). */
  file?: string;
  line?: number;
  /** 1-based column, to choose among functions on one line. */
  column?: number;
  /** An expression giving the arguments array, e.g. `["bot-1", {fast: true}]`. */
  args?: string;
  /** An expression giving `this` (methods need their receiver). */
  thisArg?: string;
}

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    message: string,
    /** The function may only not be loaded yet: worth looking again while the program starts. */
    readonly notYet = false,
  ) {
    super(message);
  }
}

/**
 * Looks for the function again while the program may still be starting (`retryMs` > 0: a
 * process just launched), for names, locations and expressions alike: an ES module with
 * top-level await, or a main script loaded after an --import preload, defines it late.
 * With `stillLoading` (is the program loading code: new scripts, or its main module still
 * evaluating?), a missing function fails once the program has loaded nothing new for
 * QUIET_MS, not after all of `retryMs`, which stays the outer bound.
 */
export async function resolveWithRetry(
  resolve: () => Promise<ResolvedFunction>,
  retryMs: number,
  signal?: AbortSignal,
  stillLoading?: () => Promise<boolean>,
): Promise<ResolvedFunction> {
  const started = Date.now();
  const deadline = started + retryMs;
  let lastProgress = started;
  for (;;) {
    try {
      return await resolve();
    } catch (e) {
      if (!(e instanceof ProfileError && e.notYet) || Date.now() >= deadline) {
        if (e instanceof ProfileError && e.notYet && retryMs > 0) {
          throw new ProfileError(`${e.message} (still so after waiting ${Math.round(retryMs / 1000)} s for the program to start)`);
        }
        throw e;
      }
      if (signal?.aborted) throw new InspectorAbortError('the profile run was cancelled');
      if (stillLoading) {
        if (await stillLoading()) lastProgress = Date.now();
        else if (Date.now() - lastProgress >= QUIET_MS) throw new ProfileError(`${e.message} (still so once the program had finished starting)`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A program that loaded no code for this long, its main module evaluated, has finished starting. */
const QUIET_MS = 1000;

/**
 * For resolveWithRetry: true while the program loads code. New scripts since the last look,
 * or its main module still evaluating: a CommonJS main not yet `loaded`, or an ES module main
 * (or --import preload) still pending, which Node marks with its internal `handleProcessExit`
 * exit listener (Node 20 and 22; on later versions only new scripts tell).
 */
export function loadingProbe(session: InspectorSession): () => Promise<boolean> {
  let scripts = -1;
  return async () => {
    const count = await session.loadedScriptCount().catch(() => scripts);
    const grew = count > scripts;
    scripts = count;
    const evaluating = await session
      .evaluateValue(MAIN_EVALUATING, { timeoutMs: 2000 })
      .then((v) => v === true)
      .catch(() => false);
    return grew || evaluating;
  };
}

const MAIN_EVALUATING =
  "(() => { const m = process.mainModule; if (m && !m.loaded) return true; return process.listeners('exit').some((f) => f.name === 'handleProcessExit'); })()";

export interface ResolvedFunction {
  object: RemoteObject;
  name: string;
}

export async function resolveFunction(
  session: InspectorSession,
  worker: HeapWorker,
  spec: FunctionSpec,
  snapshot: (slot: string, analyze: boolean) => Promise<unknown>,
): Promise<ResolvedFunction> {
  if (spec.expression) {
    let object: RemoteObject;
    try {
      object = await session.evaluate(spec.expression);
    } catch (e) {
      // `globalThis.app.load` before `app` exists: not there yet, as much as undefined is.
      if (e instanceof DebuggeeThrewError && NOT_DEFINED_YET.test(e.message)) throw new ProfileError(e.message, true);
      throw e;
    }
    if (object.type !== 'function') {
      // Undefined may only mean "not yet": the program has not reached the line that sets it.
      const notYet = object.type === 'undefined';
      if (object.objectId) await session.call('Runtime.releaseObject', { objectId: object.objectId }).catch(() => undefined);
      throw new ProfileError(`"${spec.expression}" is ${describeRemote(object)}, not a function`, notYet);
    }
    const name = (object.description ?? '').match(/^(?:async\s+)?(?:function\s*\*?\s*|class\s+)?([\w$]+)/)?.[1] ?? spec.expression;
    return { object, name };
  }
  if (!spec.name && !(spec.file && spec.line)) {
    throw new ProfileError('Say which function to run: an expression, a name, or a file and line');
  }
  // Lines in a .ts file (or any file a running script's source map names) are read through
  // the maps: the running script's own lines are the compiled code's.
  const maps = new SourceMaps(session);
  // By name through the runtime, without a snapshot; a snapshot only where that cannot decide
  // (a line without a name, several candidates whose files js-debug does not tell us, or
  // several namesakes where the spec's line decides).
  if (spec.name) {
    const live = await resolveLive(session, maps, spec, spec.name);
    if (live) return live;
  }
  // One snapshot, looked at by location and then, if that gives nothing, by name.
  await snapshot('resolve', false);
  let atLine: FileClosures | undefined;
  let byName: Awaited<ReturnType<HeapWorker['closuresNamed']>> | undefined;
  let scripts: Record<string, string> = {};
  let fileScripts: number[] = [];
  // Closures on the line that have the wanted name.
  let named: ClosureMatch[] = [];
  try {
    if (spec.file) {
      const inFile = await closuresOfFile(worker, maps, session.viaJsDebug, spec.file, spec.line);
      scripts = inFile.scripts;
      fileScripts = inFile.scriptIds;
      if (spec.line) atLine = inFile;
      if (spec.name) named = inFile.matches.filter((m) => m.name === spec.name);
    }
    // A location and a name (as a CodeLens gives them): the location first, the name if the
    // line holds no live closure of that name (e.g. the editor's line is the decorator's).
    if (spec.name && named.length === 0) {
      byName = await worker.closuresNamed('resolve', spec.name, spec.file);
      if (!spec.file) scripts = (await worker.scriptClosures('resolve', [])).scripts;
    }
  } finally {
    // Not awaited bare: a failed release would replace the error that got here. The run's own
    // cleanup releases every slot again.
    await worker.release('resolve').catch(() => undefined);
  }
  if (spec.name) {
    if (named.length > 0) return { object: await session.objectForNodeId(named[0].nodeId), name: spec.name };
    const users = (byName?.matches ?? []).filter((m) => !isRuntimeScript(scripts[String(m.scriptId)] ?? ''));
    const inFile = users.filter((m) => fileScripts.includes(m.scriptId) || (byName?.scriptIds ?? []).includes(m.scriptId));
    const candidates = inFile.length > 0 ? inFile : users;
    if (candidates.length === 1) return { object: await session.objectForNodeId(candidates[0].nodeId), name: spec.name };
    // The spec's line wins over a name that is missing there or shared: it is what was clicked.
    if (atLine && atLine.matches.length > 0) {
      const match = atLine.matches[0];
      return { object: await session.objectForNodeId(match.nodeId), name: match.name || spec.name };
    }
    if (candidates.length === 0) {
      throw new ProfileError(
        `No live function named "${spec.name}" in the debuggee. It may not exist yet, or be anonymous; ` +
          'give its file and line, or an expression (e.g. --function "globalThis.app.loadApp").',
        true,
      );
    }
    const where: string[] = [];
    for (const m of candidates) where.push(await placeText(maps, m.scriptId, scripts[String(m.scriptId)], m.line, m.column));
    throw new ProfileError(`Several functions are named "${spec.name}" (${where.join(', ')}); give file:line instead.`);
  }
  // By location alone: the live closure whose code starts on that line.
  const { matches, scriptIds } = atLine ?? { matches: [], scriptIds: [] };
  if (scriptIds.length === 0) {
    throw new ProfileError(
      `${spec.file} is not loaded in the debuggee (no running script, and no source map of one, names that path and has a live function). ` +
        'Check the path, or name the function with an expression instead (e.g. --function "globalThis.app.loadApp").',
      true,
    );
  }
  if (matches.length === 0) {
    throw new ProfileError(
      `No live function starts on line ${spec.line} of ${spec.file}. The function may not exist yet (its module or ` +
        'enclosing function has not run) or the line is not where it starts; name it with an expression instead ' +
        '(e.g. --function "globalThis.app.loadApp").',
      true,
    );
  }
  const match = matches[0];
  const object = await session.objectForNodeId(match.nodeId);
  return { object, name: match.name || `(anonymous at line ${spec.line})` };
}

interface FileClosures {
  /** Closures starting on the line, best first (empty without a line). */
  matches: ClosureMatch[];
  /** The running scripts that are the file, or whose source map names it. */
  scriptIds: number[];
  /** Every script of the snapshot, id → name. */
  scripts: Record<string, string>;
}

/**
 * The closures of the snapshot in 'resolve' that start on `line` (1-based) of `file`: in a
 * script that is the file (its own lines), or whose source map names the file (lines read
 * back through the map, which bundles and tsx need: much of their code is on one line).
 */
async function closuresOfFile(worker: HeapWorker, maps: SourceMaps, viaJsDebug: boolean, file: string, line: number | undefined): Promise<FileClosures> {
  const { scripts } = await worker.scriptClosures('resolve', []);
  const want = normalizeScriptLocation(file);
  const own: number[] = [];
  const mapped: number[] = [];
  for (const [key, name] of Object.entries(scripts)) {
    if (isRuntimeScript(name)) continue;
    const id = Number(key);
    const same = normalizeScriptLocation(name) === want;
    // Through js-debug a script's map is found by reading its source: dependencies are skipped.
    if (!same && viaJsDebug && /[\\/]node_modules[\\/]/.test(name)) continue;
    if (await maps.namesFile(id, name, file)) mapped.push(id);
    else if (same) own.push(id);
  }
  const scriptIds = [...own, ...mapped];
  if (line === undefined || scriptIds.length === 0) return { matches: [], scriptIds, scripts };
  const all = (await worker.scriptClosures('resolve', scriptIds)).matches;
  const ranked: { match: ClosureMatch; column: number }[] = [];
  for (const m of all) {
    if (own.includes(m.scriptId)) {
      if (m.line === line - 1) ranked.push({ match: m, column: m.column });
      continue;
    }
    const o = await maps.original(m.scriptId, scripts[String(m.scriptId)], m.line, m.column);
    if (o && o.line === line && normalizeScriptLocation(o.file) === want) ranked.push({ match: m, column: o.column });
  }
  // The function that starts first on the line: the outer one, not a callback inside it.
  ranked.sort((a, b) => a.column - b.column);
  return { matches: ranked.map((r) => r.match), scriptIds, scripts };
}

/** "src/app.ts:7" (through the script's map when it has one), else the script's path and line. */
async function placeText(maps: SourceMaps, scriptId: number, url: string | undefined, line: number, column: number): Promise<string> {
  const o = url ? await maps.original(scriptId, url, line, column).catch(() => undefined) : undefined;
  if (o) return `${displayPath(o.file)}:${o.line}`;
  return url ? `${displayPath(url)}:${line + 1}` : `an unnamed script, line ${line + 1}`;
}

/** A path relative to the current folder when inside it: what a person typed. */
function displayPath(fileOrUrl: string): string {
  const full = normalizeScriptLocation(fileOrUrl);
  if (!path.isAbsolute(full)) return fileOrUrl;
  const rel = path.relative(process.cwd(), full);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : full;
}

function describeRemote(o: RemoteObject): string {
  if (o.type === 'undefined') return 'undefined';
  if (o.subtype === 'null') return 'null';
  return `a${/^[aeiou]/.test(o.type) ? 'n' : ''} ${o.subtype ?? o.type}${o.description ? ` (${o.description.slice(0, 60)})` : ''}`;
}

/** An expression that failed only because what it reads is not defined yet. */
const NOT_DEFINED_YET = /threw (?:ReferenceError: \S+ is not defined|TypeError: Cannot read properties of (?:undefined|null))/;

/**
 * The function named `name` among the live ones, preferring the spec's file and line (a
 * CodeLens gives all three; through source maps, a .ts file and line). Null when only a
 * snapshot can tell: candidates in several scripts whose URLs are not known, or several
 * namesakes and a line that holds none of them alone (the line then decides).
 */
async function resolveLive(session: InspectorSession, maps: SourceMaps, spec: FunctionSpec, name: string): Promise<ResolvedFunction | null> {
  const index = new LiveFunctionIndex(session);
  const seen = new Set<string>();
  const found = (await index.named(name)).filter((f) => {
    const key = `${f.scriptId}:${f.line}:${f.column}`;
    // Node's own scripts are never the user's function.
    return !seen.has(key) && (seen.add(key), true) && !(f.url !== undefined && isRuntimeScript(f.url));
  });
  if (found.length === 0) {
    const close = await index.closestNames(name).catch(() => []);
    throw new ProfileError(
      `No live function named "${name}" in the debuggee.` +
        (close.length > 0 ? ` Did you mean ${close.map((n) => `"${n}"`).join(', ')}?` : '') +
        ' It may not exist yet, or be anonymous; give its file and line, or an expression (e.g. --function "globalThis.app.loadApp").',
      true,
    );
  }
  const urlsKnown = found.every((f) => f.url !== undefined);
  if (!urlsKnown) return found.length === 1 ? { object: found[0].object, name } : null;
  // Each one where the user wrote it: through its script's map when it has one.
  const placed = [];
  for (const f of found) placed.push({ f, original: await maps.original(f.scriptId, f.url, f.line, f.column).catch(() => undefined) });
  let pool = placed;
  if (spec.file) {
    const want = normalizeScriptLocation(spec.file);
    const here = placed.filter((p) => inFile(p.f, spec.file as string) || (p.original && normalizeScriptLocation(p.original.file) === want));
    if (here.length > 0) pool = here;
  }
  if (spec.line) {
    const line = spec.line;
    const atLine = pool.filter((p) => (p.original ? p.original.line === line : p.f.line === line - 1));
    if (atLine.length === 1) return { object: atLine[0].f.object, name };
    // Several on the line, or namesakes elsewhere: the snapshot reads the line itself.
    if (atLine.length > 1 || pool.length > 1) return null;
  }
  if (pool.length === 1) return { object: pool[0].f.object, name };
  const where: string[] = [];
  for (const p of pool) where.push(await placeText(maps, p.f.scriptId, p.f.url, p.f.line, p.f.column));
  throw new ProfileError(`Several functions are named "${name}" (${where.join(', ')}); give file:line instead.`);
}
