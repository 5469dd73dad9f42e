/**
 * The use case: run a function N times in a live process, snapshot before/after, and report
 * what survived, who holds it, and how to fix it. Snapshots stream from CDP straight into the
 * heap worker; nothing here parses or analyzes on the caller's thread.
 *
 * Protocol (design.md): warm-up W calls → GC → baseline snapshot → N calls, each followed by
 * GC and a heap-use sample → target snapshot → N more calls (sampled) → final snapshot.
 * Every RemoteObject is released and HeapProfiler is disabled again unless the caller says it
 * must stay enabled; nothing is added to the debuggee's globals.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_LEAK_OPTIONS } from '../heap/verdict';
import { DebuggeeThrewError, InspectorAbortError, InspectorError, type InspectorSession, type RemoteObject } from '../inspector/session';
import type { ClosureMatch } from '../heap/functions';
import { HeapWorker } from '../worker/client';
import { fitSlope } from './fit';
import { decideVerdict } from './verdict';
import { DEFAULT_PROFILE_OPTIONS, LEAK_REPORT_VERSION, type LeakReport, type ProfileOptions } from '../report/types';

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

export interface ProfileHooks {
  /** Phase names: resolve, warmup, baseline, calls, target, final, analysis. */
  onProgress?: (phase: string, done?: number, total?: number) => void;
  signal?: AbortSignal;
  /** Keep HeapProfiler enabled afterwards (someone else relies on it). */
  leaveHeapProfilerEnabled?: boolean;
  /** Save the three snapshots here as .heapsnapshot files DevTools can open. */
  saveSnapshotsDir?: string;
  /** How the target was reached, for the report ("node app.js", "127.0.0.1:9229", …). */
  targetDescription?: string;
  targetKind?: LeakReport['target']['kind'];
  /** A heap worker to use (the caller keeps it); one is started and stopped otherwise. */
  worker?: HeapWorker;
  /**
   * For a process just launched: keep looking for the function this long. Its main script may
   * still be loading (ES modules, --import preloads load asynchronously).
   */
  resolveRetryMs?: number;
}

/**
 * A just-launched process can accept an inspector connection before its main script has run,
 * and then the function does not exist yet. The event loop's first turn comes after the main
 * script's synchronous part: wait for it.
 */
export async function waitUntilStarted(session: InspectorSession, timeoutMs = 30_000): Promise<void> {
  await session.evaluateValue('new Promise((resolve) => setImmediate(() => resolve(true)))', { awaitPromise: true, timeoutMs });
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

export async function profileFunction(
  session: InspectorSession,
  spec: FunctionSpec,
  options: Partial<ProfileOptions> = {},
  hooks: ProfileHooks = {},
): Promise<LeakReport> {
  const opts: ProfileOptions = { ...DEFAULT_PROFILE_OPTIONS, ...options };
  // A zero or negative timeout would mean none at all: never wait forever.
  opts.callTimeoutMs = Math.max(1, opts.callTimeoutMs);
  opts.maxDepth = Math.max(1, opts.maxDepth);
  opts.tooMany = Math.max(1, opts.tooMany);
  if (!Number.isInteger(opts.iterations) || opts.iterations < 2) throw new ProfileError('iterations must be a whole number ≥ 2');
  if (!Number.isInteger(opts.warmup) || opts.warmup < 0) throw new ProfileError('warmup must be a whole number ≥ 0');
  const progress = hooks.onProgress ?? (() => undefined);
  const signal = hooks.signal;
  const checkCancelled = () => {
    if (signal?.aborted) throw new InspectorAbortError('the profile run was cancelled');
  };
  // The snapshot folder first: if it cannot be made, nothing has started yet. Each file is
  // created when its snapshot is taken, under a fresh name (see createSnapshotFile).
  const saveDir = hooks.saveSnapshotsDir;
  if (saveDir) await prepareSnapshotFolder(saveDir);
  const saved: { baseline: string; target: string; final: string } | undefined = saveDir
    ? { baseline: '', target: '', final: '' }
    : undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const worker = hooks.worker ?? new HeapWorker((phase, bytes, slot) => progress(`${slot}:${phase}`, bytes));
  const started = performance.now();
  const timings = { resolveMs: 0, callsMs: 0, snapshotMs: 0, analysisMs: 0, totalMs: 0 };

  const snapshot = async (slot: string, analyze: boolean, save?: keyof NonNullable<typeof saved>) => {
    checkCancelled();
    const t = performance.now();
    const out = save && saveDir && saved ? await createSnapshotFile(saveDir, `leak-lens-${stamp}-${save}`) : null;
    if (out && save && saved) saved[save] = out.file;
    try {
      // Each chunk goes to the parser and the file at once; a write error (disk full) ends the
      // run with that error. Awaited writes on a FileHandle: no stream, no listeners per chunk.
      await session.takeSnapshot(
        async (chunk) => {
          await Promise.all([worker.write(chunk, slot), out ? writeAll(out.handle, chunk, out.file) : undefined]);
        },
        { signal, onProgress: (done, total) => progress(slot, done, total) },
      );
    } finally {
      await out?.handle.close().catch(() => undefined);
    }
    timings.snapshotMs += performance.now() - t;
    const a = performance.now();
    progress('analysis');
    const info = await worker.end(slot, analyze);
    timings.analysisMs += performance.now() - a;
    return info;
  };

  try {
    await session.checkResponsive();
    await session.enableHeapProfiler();

    // Resolve the function, its receiver and arguments.
    progress('resolve');
    const t0 = performance.now();
    const fn = await resolveWithRetry(() => resolveFunction(session, worker, spec, snapshot), hooks.resolveRetryMs ?? 0, signal);
    const thisObject = spec.thisArg ? await session.evaluate(spec.thisArg) : undefined;
    const argsObject = spec.args ? await argumentsArray(session, spec.args) : undefined;
    timings.resolveMs = performance.now() - t0;

    const samples: { call: number; usedBytes: number }[] = [];
    let calls = 0;
    // Cancel must not wait for a slow call to finish (V8 cannot stop it; we stop waiting).
    const cancelled = new Promise<never>((_, reject) => {
      const abort = () => reject(new InspectorAbortError('the profile run was cancelled'));
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
    cancelled.catch(() => undefined);
    const callOnce = async () => {
      checkCancelled();
      const t = performance.now();
      const watchdog = watchForExit(session, fn.name);
      let result: RemoteObject;
      try {
        result = await Promise.race([
          session.callFunction(fn.object.objectId as string, thisObject?.objectId, argsObject?.objectId, {
            timeoutMs: opts.callTimeoutMs,
            name: fn.name,
            checkResponsive: calls === 0,
          }),
          watchdog.exited,
          cancelled,
        ]);
      } finally {
        watchdog.stop();
      }
      // The result must not stay referenced from our object group, or it would look leaked.
      if (result.objectId) await session.call('Runtime.releaseObject', { objectId: result.objectId });
      timings.callsMs += performance.now() - t;
      calls++;
    };
    const measuredCall = async (n: number) => {
      await callOnce();
      await session.collectGarbage();
      samples.push({ call: n, usedBytes: await session.heapUsage() });
    };

    for (let i = 0; i < opts.warmup; i++) {
      progress('warmup', i + 1, opts.warmup);
      await callOnce();
    }
    await session.collectGarbage();
    await snapshot('baseline', false, 'baseline');
    const n = opts.iterations;
    for (let i = 1; i <= n; i++) {
      progress('calls', i, 2 * n);
      await measuredCall(i);
    }
    await snapshot('target', true, 'target');
    for (let i = n + 1; i <= 2 * n; i++) {
      progress('calls', i, 2 * n);
      await measuredCall(i);
    }
    await snapshot('final', false, 'final');

    progress('analysis');
    const a = performance.now();
    const { findings, scripts } = await worker.leaks('baseline', 'target', 'final', {
      ...DEFAULT_LEAK_OPTIONS,
      iterations: n,
      maxDepth: opts.maxDepth,
      tooMany: opts.tooMany,
    });
    timings.analysisMs += performance.now() - a;
    const slope = fitSlope(samples);
    const { verdict, confirmed } = decideVerdict(findings.leaks, slope);
    const usedScripts = pickScripts(findings.leaks, scripts);
    timings.totalMs = performance.now() - started;
    const report: LeakReport = {
      version: LEAK_REPORT_VERSION,
      createdAt: new Date().toISOString(),
      target: { kind: hooks.targetKind ?? 'attach', description: hooks.targetDescription ?? 'inspector session' },
      function: {
        name: fn.name,
        ...(spec.file ? { file: spec.file, line: spec.line } : {}),
        ...(spec.expression ? { expression: spec.expression } : {}),
      },
      options: opts,
      samples,
      slope,
      verdict,
      summary: summarize(fn.name, verdict, confirmed, slope, n),
      // Unconfirmed classes stay in the list, as context, but are not reported as leaks.
      leaks: findings.leaks.map((l) => (l.primary && !confirmed.includes(l) ? { ...l, primary: false } : l)),
      watch: findings.watch,
      noiseFiltered: findings.noiseFiltered,
      scripts: usedScripts,
      timings: roundTimings(timings),
      ...(saved ? { snapshots: saved } : {}),
    };
    return report;
  } finally {
    // Leave the debuggee as found: no RemoteObjects held, HeapProfiler as it was. Bounded (about
    // 1.5 s): a debuggee stuck in a synchronous call answers nothing, and the run must end.
    await session.finishRun({ leaveHeapProfilerEnabled: hooks.leaveHeapProfilerEnabled ?? false });
    if (hooks.worker) {
      for (const slot of ['resolve', 'baseline', 'target', 'final']) await worker.release(slot).catch(() => undefined);
    } else {
      await worker.dispose();
    }
  }
}

/**
 * A call into a process that exits (process.exit inside the function) never gets an answer:
 * Node keeps the process alive for the debugger, but its JavaScript context is gone. Probing
 * once a second tells that apart from a slow call, so the run ends at once with a clear error.
 */
function watchForExit(session: InspectorSession, name: string): { exited: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      session.call('Runtime.evaluate', { expression: '0', returnByValue: true, silent: true }, 5000).catch((e: Error) => {
        if (/Cannot find context|context was destroyed/i.test(e.message)) {
          reject(new InspectorError(`the debuggee exited while ${name} was running (process.exit?)`, 'CLOSED'));
        }
      });
    }, 1000);
  });
  exited.catch(() => undefined);
  return { exited, stop: () => clearInterval(timer) };
}

/**
 * Looks for the function again while the program may still be starting (`retryMs` > 0: a
 * process just launched), for names, locations and expressions alike: an ES module with
 * top-level await, or a main script loaded after an --import preload, defines it late.
 */
async function resolveWithRetry(
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

interface ResolvedFunction {
  object: RemoteObject;
  name: string;
}

async function resolveFunction(
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

async function argumentsArray(session: InspectorSession, expression: string): Promise<RemoteObject> {
  const args = await session.evaluate(expression);
  if (args.subtype !== 'array') {
    throw new ProfileError(`The arguments expression "${expression}" must give an array, not ${describeRemote(args)}`);
  }
  return args;
}

function describeRemote(o: RemoteObject): string {
  if (o.type === 'undefined') return 'undefined';
  if (o.subtype === 'null') return 'null';
  return `a${/^[aeiou]/.test(o.type) ? 'n' : ''} ${o.subtype ?? o.type}${o.description ? ` (${o.description.slice(0, 60)})` : ''}`;
}

/** An expression that failed only because what it reads is not defined yet. */
const NOT_DEFINED_YET = /threw (?:ReferenceError: \S+ is not defined|TypeError: Cannot read properties of (?:undefined|null))/;

/**
 * Makes the snapshot folder (with its parents) and checks it can take files, so a bad folder
 * fails before anything runs, in one sentence.
 */
export async function prepareSnapshotFolder(dir: string): Promise<void> {
  const cannot = `Cannot save snapshots in ${dir}:`;
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new ProfileError(`${cannot} it (or a folder above it) is a file, not a folder; give a folder.`);
    }
    throw new ProfileError(`${cannot} the folder cannot be created (${errorText(e)}); give a folder you can write to.`);
  }
  const stat = await fs.stat(dir);
  if (!stat.isDirectory()) throw new ProfileError(`${cannot} it is not a folder; give a folder.`);
  try {
    await fs.access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new ProfileError(`${cannot} the folder is not writable; give a folder you can write to.`);
  }
}

/**
 * A new file `<base>.heapsnapshot` in `dir`, created exclusively: never through a symlink, never
 * over an existing file (someone else who can write to a shared folder could plant either
 * there to have another file overwritten). If the name is taken, a fresh random one is used.
 * Readable by the owner only: a snapshot holds the process's memory, secrets included.
 */
async function createSnapshotFile(dir: string, base: string): Promise<{ handle: FileHandle; file: string }> {
  // O_NOFOLLOW is redundant with O_EXCL on POSIX, kept for belt and braces; Windows lacks it.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  for (let attempt = 0; attempt < 8; attempt++) {
    const file = path.join(dir, `${base}${attempt === 0 ? '' : `-${randomBytes(6).toString('hex')}`}.heapsnapshot`);
    try {
      return { handle: await fs.open(file, flags, 0o600), file };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ELOOP') continue;
      throw new ProfileError(`Cannot save the snapshot ${file}: ${errorText(e)}.`);
    }
  }
  throw new ProfileError(`Cannot save snapshots in ${dir}: every new file name tried was taken; give a folder only you can write to.`);
}

/** Writes all of `chunk` (a write may take only part of it). */
async function writeAll(handle: FileHandle, chunk: string, file: string): Promise<void> {
  try {
    let bytes = Buffer.from(chunk, 'utf8');
    while (bytes.length > 0) {
      const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
      bytes = bytes.subarray(bytesWritten);
    }
  } catch (e) {
    throw new ProfileError(`Cannot save the snapshot ${file}: ${errorText(e)}.`);
  }
}

/** "no space left on device" from "ENOSPC: no space left on device, write". */
function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$|, \w+$/, '');
}

function pickScripts(leaks: LeakReport['leaks'], all: Record<string, string>): Record<string, string> {
  const used: Record<string, string> = {};
  const use = (id: number | undefined) => {
    if (id !== undefined && all[String(id)]) used[String(id)] = all[String(id)];
  };
  for (const l of leaks) {
    use(l.location?.scriptId);
    use(l.culprit?.holderLocation?.scriptId);
    for (const n of l.graph?.nodes ?? []) use(n.location?.scriptId);
  }
  return used;
}

function roundTimings<T extends Record<string, number>>(t: T): T {
  const out = { ...t };
  for (const k of Object.keys(out) as (keyof T)[]) out[k] = Math.round(out[k] as number) as T[keyof T];
  return out;
}

function summarize(
  name: string,
  verdict: 'leak' | 'clean',
  confirmed: LeakReport['leaks'],
  slope: LeakReport['slope'],
  n: number,
): string {
  if (verdict === 'clean') return `No leak in ${2 * n} calls of ${name}.`;
  const top = confirmed[0];
  return (
    `${name} leaks ${top.countPerCall} ${top.className} per call (${formatKb(top.bytesPerCall)}/call retained` +
    `${slope ? `, heap use +${formatKb(slope.bytesPerCall)}/call` : ''})` +
    (top.culprit ? ` — held by ${top.culprit.text}.` : '.')
  );
}

function formatKb(bytes: number): string {
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`;
}

