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
import { DEFAULT_LEAK_OPTIONS } from '../heap/verdict';
import { InspectorAbortError, InspectorError, type InspectorSession, type RemoteObject } from '../inspector/session';
import { attachToWorkers, describeWorkers } from '../inspector/workers';
import { HeapWorker } from '../worker/client';
import { fitSlope } from './fit';
import { runPhases } from './phaseRun';
import { attachUserCalls, dropStoresOnCallLines } from './userCall';
import { relabelCompiledFiles } from './originalFileLabels';
import { addOriginalPositions, SourceMaps } from './sourceMaps';
import { checkGrowth, collectionsToWatch, growthCalls } from './boundedGrowth';
import { argumentsFor, receiverFor, refuseUnsafe } from './receiver';
import { loadingProbe, ProfileError, resolveFunction, resolveWithRetry, type FunctionSpec } from './resolveTarget';
import { createSnapshotFile, prepareSnapshotFolder, writeAll } from './savedSnapshots';
import { decideVerdict } from './verdict';
import { requestName, sendRequest, waitForListening, type EndpointRequest } from './httpRequest';
import { runRequestPhases } from './requestRun';
import { DEFAULT_PROFILE_OPTIONS, LEAK_REPORT_VERSION, type LeakReport, type ProfileOptions } from '../report/types';

export { prepareSnapshotFolder, ProfileError, type FunctionSpec };

/** An endpoint instead of a function: each call is one HTTP request sent from our side. */
export interface EndpointSpec {
  request: EndpointRequest;
}

/** Below this heap use, a heap walk follows every call of the first phase (the memory series per call). */
const PER_CALL_HEAP_BYTES = 48 * 2 ** 20;

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
   * still be loading (ES modules, --import preloads load asynchronously). For an endpoint: wait
   * this long for the server to accept connections.
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

/**
 * Profiles the function where it lives: in the main thread, or else in the worker thread
 * that has it (a bare --inspect sees workers through the NodeWorker domain). A function found
 * nowhere fails naming the workers looked in, never "no leak".
 */
export async function profileFunction(
  session: InspectorSession,
  spec: FunctionSpec | EndpointSpec,
  options: Partial<ProfileOptions> = {},
  hooks: ProfileHooks = {},
): Promise<LeakReport> {
  try {
    return await profileIn(session, spec, options, hooks);
  } catch (e) {
    if (!isNotFound(e) || hooks.signal?.aborted) throw e;
    if (session.viaJsDebug) {
      // js-debug shows each worker as a debug session of its own; this one is the main thread.
      throw new ProfileError(`${(e as Error).message.replace(/([^.])$/, '$1.')} If it runs in a worker thread, profile in that worker's debug session.`);
    }
    return profileInWorkers(session, spec, options, hooks, e as ProfileError);
  }
}

/** Not found in the thread or process looked in. */
export function isNotFound(e: unknown): boolean {
  return e instanceof ProfileError && /^No live function|is not loaded in the debuggee|^"[^"]*" is undefined/.test(e.message);
}

async function profileInWorkers(
  session: InspectorSession,
  spec: FunctionSpec | EndpointSpec,
  options: Partial<ProfileOptions>,
  hooks: ProfileHooks,
  notInMain: ProfileError,
): Promise<LeakReport> {
  const found = await attachToWorkers(session).catch(() => undefined);
  if (!found || found.workers.length === 0) throw notInMain;
  try {
    for (const { target, session: inWorker } of found.workers) {
      try {
        return await profileIn(inWorker, spec, options, {
          ...hooks,
          resolveRetryMs: 0,
          targetDescription: `${hooks.targetDescription ?? 'inspector session'}, in worker thread ${describeWorkers([target])}`,
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    const workers = found.workers.map((w) => w.target);
    throw new ProfileError(
      `${notInMain.message.replace(/([^.])$/, '$1.')} It was looked for in the main thread and in the program's ${workers.length} worker thread` +
        `${workers.length === 1 ? '' : 's'} (${describeWorkers(workers)}), and none has it.`,
    );
  } finally {
    await found.release();
  }
}

async function profileIn(
  session: InspectorSession,
  spec: FunctionSpec | EndpointSpec,
  options: Partial<ProfileOptions>,
  hooks: ProfileHooks,
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
  const saved: NonNullable<LeakReport['snapshots']> | undefined = saveDir ? { final: '' } : undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const worker = hooks.worker ?? new HeapWorker((phase, bytes, slot) => progress(`${slot}:${phase}`, bytes));
  const started = performance.now();
  const timings = { resolveMs: 0, callsMs: 0, snapshotMs: 0, analysisMs: 0, totalMs: 0 };

  /** The file a saved snapshot goes to, made before the snapshot is asked for. */
  const snapshotFile = async (save?: 'baseline' | 'target' | 'final') => {
    const out = save && saveDir && saved ? await createSnapshotFile(saveDir, `leak-lens-${stamp}-${save}`) : null;
    if (out && save && saved) saved[save] = out.file;
    return out;
  };
  const snapshot = async (slot: string, analyze: boolean, save?: 'baseline' | 'target' | 'final', prepared?: Awaited<ReturnType<typeof snapshotFile>>) => {
    checkCancelled();
    const t = performance.now();
    // No await before the request when the file is ready: it may have to follow a call at once.
    const out = prepared !== undefined ? prepared : await snapshotFile(save);
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

    // Resolve the function, its receiver and arguments; or wait for the endpoint's server.
    progress('resolve');
    const t0 = performance.now();
    const request = 'request' in spec ? spec.request : undefined;
    const fnSpec: FunctionSpec = 'request' in spec ? {} : spec;
    if (fnSpec.expression) refuseUnsafe(fnSpec.expression, '--function');
    const retryMs = hooks.resolveRetryMs ?? 0;
    const loading = retryMs > 0 && !session.viaJsDebug ? loadingProbe(session) : undefined;
    if (request) await waitForListening(request, retryMs, signal);
    const fn = request
      ? { name: requestName(request), object: undefined }
      : await resolveWithRetry(() => resolveFunction(session, worker, fnSpec, snapshot), retryMs, signal, loading);
    // In the function's own scope: an ES module's bindings resolve (design: no global to add).
    const thisObject = fn.object && fnSpec.thisArg ? await receiverFor(session, fn.object, fnSpec.thisArg) : undefined;
    const argsObject = fn.object && fnSpec.args ? await argumentsFor(session, fn.object, fnSpec.args) : undefined;
    timings.resolveMs = performance.now() - t0;

    let calls = 0;
    // Cancel must not wait for a slow call to finish (V8 cannot stop it; we stop waiting).
    const cancelled = new Promise<never>((_, reject) => {
      const abort = () => reject(new InspectorAbortError('the profile run was cancelled'));
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
    cancelled.catch(() => undefined);
    const sendOnce = async (req: EndpointRequest) => {
      checkCancelled();
      const t = performance.now();
      await Promise.race([sendRequest(req, opts.callTimeoutMs, signal), cancelled]);
      timings.callsMs += performance.now() - t;
      calls++;
    };
    const callOnce = async () => {
      if (request) return sendOnce(request);
      checkCancelled();
      const t = performance.now();
      const watchdog = watchForExit(session, fn.name);
      let result: RemoteObject;
      try {
        result = await Promise.race([
          session.callFunction(fn.object?.objectId as string, thisObject?.objectId, argsObject?.objectId, {
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

    /** Baseline, target and final snapshots, with a GC and a heap-use sample after each call. */
    async function threeSnapshotRun() {
      const samples: { call: number; usedBytes: number }[] = [];
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
      const { findings, scripts } = await worker.leaks('baseline', 'target', 'final', leakOptions);
      timings.analysisMs += performance.now() - a;
      return { findings, scripts, samples, watched: await collectionsToWatch(session, findings.leaks) };
    }

    /**
     * One snapshot: tracking gives objects heap ids at each heap walk, the calls run in one go
     * with walks between them (phaseRun.ts), and the snapshot taken at the end is split by
     * those walks' ids: the phases for the verdict, the calls for the memory series.
     */
    async function oneSnapshotRun() {
      const t = performance.now();
      // The warm-up runs before tracking: its objects are old when the phases begin.
      for (let i = 0; i < opts.warmup; i++) {
        progress('warmup', i + 1, opts.warmup);
        await callOnce();
      }
      progress('tracking');
      await session.primeScriptLines();
      // A heap walk takes about 3 ms per MB of heap: after every call where that is cheap.
      const perCall = (await session.heapUsage()) < PER_CALL_HEAP_BYTES;
      const walks = session.recordHeapWalks();
      try {
        const startTracking = () => session.startTrackingHeapObjects(true);
        const onCall = (c: number) => progress('calls', c, 2 * n);
        const file = await snapshotFile('final');
        let snapshotStarted = 0;
        const takeSnapshot = async () => {
          snapshotStarted = performance.now();
          await snapshot('final', true, 'final', file);
        };
        let marks;
        if (request || !fn.object) {
          marks = await runRequestPhases(session, { iterations: n, perCall, name: fn.name, signal, onCall, startTracking, send: callOnce });
          timings.callsMs += performance.now() - t;
          await takeSnapshot();
        } else {
          marks = await runPhases(session, fn.object, thisObject, argsObject, {
            iterations: n,
            perCall,
            callTimeoutMs: opts.callTimeoutMs,
            name: fn.name,
            signal,
            onCall,
            startTracking,
            takeSnapshot,
          });
          // The snapshot's own time is counted by snapshot(); the calls are what came before it.
          timings.callsMs += (snapshotStarted || performance.now()) - t;
        }
        progress('analysis');
        const a = performance.now();
        const result = await worker.phaseLeaks('final', { ...marks, walks: [...walks.ids] }, leakOptions).catch((e: Error) => {
          throw new ProfileError(e.message.replace(/^Heap worker: /, ''));
        });
        timings.analysisMs += performance.now() - a;
        // The leaks' collections, found by id before tracking ends (ending it resets the ids).
        const watched = await collectionsToWatch(session, result.findings.leaks);
        await session.finishHeapProfiler({ leaveEnabled: hooks.leaveHeapProfilerEnabled ?? false }).catch(() => undefined);
        return { ...result, watched };
      } finally {
        walks.stop();
      }
    }

    const n = opts.iterations;
    const leakOptions = { ...DEFAULT_LEAK_OPTIONS, iterations: n, maxDepth: opts.maxDepth, tooMany: opts.tooMany };
    const run = opts.snapshots === 3
      ? await threeSnapshotRun()
      : await oneSnapshotRun();
    const { findings, scripts, samples } = run;
    // Growth that stops is not a leak: watch each leak's collection over further calls.
    progress('growth');
    const g = performance.now();
    const runMore = request || !fn.object
      ? async (count: number) => {
        for (let i = 0; i < count; i++) await callOnce();
      }
      : growthCalls(session, fn.object, thisObject, argsObject);
    await checkGrowth(session, runMore, run.watched, opts.warmup + 2 * n, {
      calls: opts.growthCalls ?? 0,
      ms: opts.growthMs ?? 0,
      callTimeoutMs: opts.callTimeoutMs,
    }, signal);
    timings.callsMs += performance.now() - g;
    for (const f of findings.leaks) if (f.growthCheck?.outcome === 'bounded') f.primary = false;
    // The user's line behind each leak, from its allocation stack and the script's source.
    await attachUserCalls(session, findings.leaks, scripts, request ? 'request' : 'call');
    // Every location also in the file the user wrote, where the script has a source map.
    const maps = new SourceMaps(session);
    await addOriginalPositions(maps, findings.leaks, scripts);
    await relabelCompiledFiles(maps, findings.leaks, scripts);
    dropStoresOnCallLines(findings.leaks);
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
        ...(fnSpec.file ? { file: fnSpec.file, line: fnSpec.line } : {}),
        ...(fnSpec.expression ? { expression: fnSpec.expression } : {}),
        ...(request ? { request: { method: request.method, url: request.url } } : {}),
      },
      options: opts,
      samples,
      slope,
      verdict,
      summary: summarize(fn.name, verdict, confirmed, slope, n, opts.snapshots === 3, request ? 'request' : 'call'),
      // Unconfirmed classes stay in the list, as context, but are not reported as leaks.
      leaks: findings.leaks.map((l) => (l.primary && !confirmed.includes(l) ? { ...l, primary: false } : l)),
      watch: findings.watch,
      runtimeHeld: findings.runtimeHeld,
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

function pickScripts(leaks: LeakReport['leaks'], all: Record<string, string>): Record<string, string> {
  const used: Record<string, string> = {};
  const use = (id: number | undefined) => {
    if (id !== undefined && all[String(id)]) used[String(id)] = all[String(id)];
  };
  for (const l of leaks) {
    use(l.location?.scriptId);
    use(l.culprit?.holderLocation?.scriptId);
    use(l.userCall?.scriptId);
    use(l.storedAt?.scriptId);
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
  threeSnapshots: boolean,
  unit: 'call' | 'request',
): string {
  if (verdict === 'clean') return `No leak in ${2 * n} ${unit}s of ${name}.`;
  const top = confirmed[0];
  return (
    `${name} leaks ${top.countPerCall} ${top.className} per ${unit} (${formatKb(top.bytesPerCall)}/${unit} retained` +
    `${slope ? `, ${threeSnapshots ? 'heap use' : 'left alive'} +${formatKb(slope.bytesPerCall)}/${unit}` : ''})` +
    (top.culprit ? ` — held by ${top.culprit.text}.` : '.')
  );
}

function formatKb(bytes: number): string {
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`;
}

