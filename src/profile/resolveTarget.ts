/**
 * Finding the function to run in the debuggee: by expression (evaluated), by name or by source
 * line (found in a heap snapshot of the process), with its receiver and arguments. A process
 * just launched may define it late, so "not there yet" is looked for again for a bounded time.
 */
import { DebuggeeThrewError, InspectorAbortError, type InspectorSession, type RemoteObject } from '../inspector/session';
import type { ClosureMatch } from '../heap/functions';
import type { HeapWorker } from '../worker/client';
import { inFile, LiveFunctionIndex } from './liveFunctions';

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
 */
export async function resolveWithRetry(
  resolve: () => Promise<ResolvedFunction>,
  retryMs: number,
  signal?: AbortSignal,
): Promise<ResolvedFunction> {
  const deadline = Date.now() + retryMs;
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
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

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
  // By name through the runtime, without a snapshot; a snapshot only where that cannot decide
  // (a line without a name, or several candidates whose files js-debug does not tell us).
  if (spec.name) {
    const live = await resolveLive(session, spec, spec.name);
    if (live) return live;
  }
  // One snapshot, looked at by location and then, if that gives nothing, by name.
  await snapshot('resolve', false);
  let atLine: Awaited<ReturnType<HeapWorker['closuresAt']>> | undefined;
  let byName: Awaited<ReturnType<HeapWorker['closuresNamed']>> | undefined;
  // Closures on the line that have the wanted name.
  let named: ClosureMatch[] = [];
  try {
    if (spec.file && spec.line) {
      atLine = await worker.closuresAt('resolve', spec.file, spec.line - 1, spec.column ? spec.column - 1 : undefined);
      if (spec.name) named = atLine.matches.filter((m) => m.name === spec.name);
    }
    // A location and a name (as a CodeLens gives them): the location first, the name if the
    // line holds no live closure of that name (e.g. the editor's line is the decorator's).
    if (spec.name && named.length === 0) {
      byName = await worker.closuresNamed('resolve', spec.name, spec.file);
    }
  } finally {
    // Not awaited bare: a failed release would replace the error that got here. The run's own
    // cleanup releases every slot again.
    await worker.release('resolve').catch(() => undefined);
  }
  if (spec.name) {
    if (named.length > 0) return { object: await session.objectForNodeId(named[0].nodeId), name: spec.name };
    const { matches, scriptIds } = byName ?? { matches: [], scriptIds: [] };
    const inFile = matches.filter((m) => scriptIds.includes(m.scriptId));
    const candidates = inFile.length > 0 ? inFile : matches;
    if (candidates.length === 0) {
      throw new ProfileError(
        `No live function named "${spec.name}" in the debuggee. It may not exist yet, or be anonymous; ` +
          'give its file and line, or an expression (e.g. --function "globalThis.app.loadApp").',
        true,
      );
    }
    if (candidates.length > 1) {
      const where = candidates.map((m) => `script ${m.scriptId} line ${m.line + 1}`).join(', ');
      throw new ProfileError(`Several functions are named "${spec.name}" (${where}); give file:line instead.`);
    }
    return { object: await session.objectForNodeId(candidates[0].nodeId), name: spec.name };
  }
  // By location alone: the live closure whose code starts on that line.
  const { matches, scriptIds } = atLine ?? { matches: [], scriptIds: [] };
  if (scriptIds.length === 0) {
    throw new ProfileError(
      `${spec.file} is not loaded in the debuggee (no script with that path has a live function). ` +
        'Check the path, or name the function with an expression instead (e.g. --function "require(\'./app\').loadApp").',
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

function describeRemote(o: RemoteObject): string {
  if (o.type === 'undefined') return 'undefined';
  if (o.subtype === 'null') return 'null';
  return `a${/^[aeiou]/.test(o.type) ? 'n' : ''} ${o.subtype ?? o.type}${o.description ? ` (${o.description.slice(0, 60)})` : ''}`;
}

/** An expression that failed only because what it reads is not defined yet. */
const NOT_DEFINED_YET = /threw (?:ReferenceError: \S+ is not defined|TypeError: Cannot read properties of (?:undefined|null))/;

/**
 * The function named `name` among the live ones, preferring the spec's file and line (a
 * CodeLens gives all three). Null when only a snapshot can tell (candidates in several
 * scripts whose URLs are not known).
 */
async function resolveLive(session: InspectorSession, spec: FunctionSpec, name: string): Promise<ResolvedFunction | null> {
  const index = new LiveFunctionIndex(session);
  const seen = new Set<string>();
  const found = (await index.named(name)).filter((f) => {
    const key = `${f.scriptId}:${f.line}:${f.column}`;
    return !seen.has(key) && (seen.add(key), true);
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
  let pool = found;
  if (spec.file && urlsKnown) {
    const here = found.filter((f) => inFile(f, spec.file as string));
    if (here.length > 0) pool = here;
  }
  if (spec.line) {
    const atLine = pool.filter((f) => f.line === (spec.line as number) - 1);
    if (atLine.length === 1) return { object: atLine[0].object, name };
  }
  if (pool.length === 1) return { object: pool[0].object, name };
  if (!urlsKnown) return null;
  const where = pool.map((f) => `${f.url || `script ${f.scriptId}`}:${f.line + 1}`).join(', ');
  throw new ProfileError(`Several functions are named "${name}" (${where}); give file:line instead.`);
}
