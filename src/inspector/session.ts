/**
 * InspectorSession: typed helpers over one CDP connection to a Node.js debuggee, for the
 * profiler (src/profile/). No `vscode` here. Create one with `connectInspector` (connect.ts).
 *
 * Facts this code relies on (measured on Node 20, V8 11.3):
 * - Heap object ids exist only for objects that were in a snapshot (`getHeapObjectId` answers
 *   "0" before). They survive GCs while V8 tracks object moves, and are cleared by
 *   `HeapProfiler.disable` AND whenever *any* inspector session of the process disconnects
 *   (V8 disables every agent of a session being torn down). So: keep this connection open
 *   for the whole run, and don't open and close a second direct connection mid-run.
 * - `Runtime.evaluate('1')` answers even while the debuggee is paused at a breakpoint (the
 *   pause loop dispatches protocol messages) and even during a long synchronous task (Node
 *   dispatches through V8 interrupts). Only work that needs the microtask queue or the event
 *   loop (awaited promises, `HeapProfiler.collectGarbage`) stalls. Hence the probe in
 *   `checkResponsive` awaits a promise.
 * - `process.exit()` during an awaited call fails the call with "Execution context was
 *   destroyed." and Node then keeps the process alive "Waiting for the debugger to
 *   disconnect...". The transport turns that into a closed connection and disconnects, so
 *   Leak Lens never keeps a dying debuggee alive.
 * - `Runtime.callFunctionOn` results without an explicit `objectGroup` inherit the target
 *   object's group; we always pass one of ours, so `releaseAll` frees everything we created.
 * - While a call into the debuggee runs synchronously (`while (true) {}`), the inspector
 *   answers nothing else on that session, not even `Runtime.evaluate('1')`: it is still
 *   dispatching the call's message. Cleanup therefore uses short timeouts (CLEANUP_TIMEOUT_MS)
 *   and sends its messages together, so a stuck debuggee delays the end of a run by about one
 *   such timeout, not by the sum of the default ones.
 * - A call that timed out still gets its answer when the function finally settles, and V8 then
 *   holds the result in the call's object group for as long as the session lives (through
 *   js-debug: the whole debug session). Each call has its own group, released when such a late
 *   answer arrives.
 */
import { normalizeScriptLocation } from '../report/scriptLocation';
import { InspectorAbortError, InspectorError, pausedError, shorten, threw } from './errors';
import { streamSnapshot } from './snapshotStream';
import type {
  CallOptions,
  CdpTransport,
  EvaluateOptions,
  EvaluateResult,
  ExceptionDetails,
  HeapUsage,
  RemoteObject,
  SessionInit,
  SnapshotOptions,
  SnapshotStats,
} from './types';

export * from './errors';
export type * from './types';

// ---------------------------------------------------------------------------------------------

/**
 * Calls `fn` with `this` = the target object. The declaration only forwards, so sync functions
 * return their value and async ones their promise, which `awaitPromise` then waits for.
 * Reflect.apply: array-likes work as argument lists, and `fn.apply` overridden by the program
 * does not matter.
 */
const CALL_WITH_THIS = 'function (fn, args) { return Reflect.apply(fn, this, args === undefined ? [] : args); }';
/** The target object is the function itself; `this` inside it is undefined (global in sloppy code). */
const CALL_WITHOUT_THIS = 'function (args) { return Reflect.apply(this, undefined, args === undefined ? [] : args); }';
const NAME_OF_FUNCTION = 'function () { return typeof this === "function" ? String(this.name) : ""; }';
/** Resolves only if the debuggee runs its microtasks, which it does not while paused. */
const RESPONSIVE_PROBE = 'Promise.resolve(1)';

/**
 * Timeout of each cleanup call (releasing objects, HeapProfiler.disable), ms. A debuggee that
 * answers at all answers these in milliseconds; one stuck in a synchronous call answers none.
 */
export const CLEANUP_TIMEOUT_MS = 1500;

let groupCounter = 0;

export class InspectorSession {
  /** The object group of every RemoteObject this session creates; see releaseAll. */
  readonly objectGroup = `leak-lens-${process.pid}-${++groupCounter}`;
  readonly viaJsDebug: boolean;
  readonly timeoutMs: number;

  private readonly transport: CdpTransport;
  private heapProfilerEnabled = false;
  private debuggerEnabledByUs = false;
  /** From Debugger.paused / resumed; undefined while we don't see Debugger events. */
  private paused: boolean | undefined;
  /** Normalized script URL → script ids, from every Debugger.scriptParsed we have seen. */
  private readonly scripts = new Map<string, Set<number>>();
  private readonly scriptUrls = new Map<number, string>();
  /** Script id → the sourceMapURL its scriptParsed named (a data: URL or a path relative to the script). */
  private readonly sourceMapUrls = new Map<number, string>();
  /** Scripts a scriptParsed replay did not report (see scriptSourceMapUrl). */
  private readonly unreported = new Set<number>();
  private snapshotRunning = false;
  private trackingHeapObjects = false;
  private debuggerPrimed = false;
  /** The last takeHeapSnapshot call: a new snapshot must not start before V8 finished it. */
  private snapshotTail: Promise<unknown> = Promise.resolve();
  /** Object groups of calls whose results (RemoteObjects) were handed out; see releaseAll. */
  private readonly callGroups = new Set<string>();
  private callCounter = 0;
  /**
   * A cleanup call timed out: the debuggee answers nothing (stuck in a synchronous call).
   * Further cleanup is not waited for; cleared by the next answer we get.
   */
  private unresponsive = false;

  constructor(init: SessionInit) {
    this.transport = init.transport;
    this.viaJsDebug = init.viaJsDebug;
    this.timeoutMs = init.timeoutMs;
    this.transport.on('Debugger.paused', () => (this.paused = true));
    this.transport.on('Debugger.resumed', () => (this.paused = false));
    this.transport.on<{ scriptId: string; url: string; sourceMapURL?: string }>('Debugger.scriptParsed', (p) => {
      const key = normalizeScriptLocation(p.url ?? '');
      const id = Number(p.scriptId);
      if (!key || !Number.isFinite(id)) return;
      if (typeof p.sourceMapURL === 'string' && p.sourceMapURL !== '') this.sourceMapUrls.set(id, p.sourceMapURL);
      this.scriptUrls.set(id, p.url);
      let ids = this.scripts.get(key);
      if (!ids) this.scripts.set(key, (ids = new Set()));
      ids.add(id);
    });
  }

  /** The WebSocket URL we are connected to. */
  get url(): string {
    return this.transport.url;
  }

  get closed(): boolean {
    return this.transport.closed;
  }

  /**
   * True / false when we see Debugger events (js-debug forwards them; on a direct connection
   * only while this session has Debugger enabled); undefined when unknown. `checkResponsive`
   * is the reliable check.
   */
  get isPaused(): boolean | undefined {
    return this.paused;
  }

  /** Any CDP method, with the session's timeout unless given. The escape hatch. */
  call<T = unknown>(method: string, params?: object, timeoutMs = this.timeoutMs): Promise<T> {
    return this.send<T>(method, params, timeoutMs);
  }

  private async send<T>(method: string, params: object | undefined, timeoutMs: number, onLate?: (result: T) => void): Promise<T> {
    const result = await this.transport.send<T>(method, params, timeoutMs, onLate);
    this.unresponsive = false;
    return result;
  }

  /**
   * A cleanup call: short timeout; not sent at all once the debuggee was found unresponsive
   * (messages sent before are queued there and run when it is free again).
   */
  private async cleanupCall(method: string, params: object, timeoutMs: number): Promise<void> {
    if (this.closed || this.unresponsive) return;
    try {
      await this.send(method, params, timeoutMs);
    } catch (e) {
      if (e instanceof InspectorError && e.code === 'TIMEOUT') this.unresponsive = true;
      throw e;
    }
  }

  /** Listens to a CDP event (on a js-debug proxy only subscribed events arrive). */
  onEvent<P = unknown>(event: string, listener: (params: P) => void): () => void {
    return this.transport.on(event, listener);
  }

  /** Called once when the connection closes. */
  onClose(listener: (error: InspectorError) => void): () => void {
    return this.transport.onClose(listener);
  }

  // -------------------------------------------------------------------------------------------
  // Heap

  /** `Runtime.getHeapUsage().usedSize`: bytes of the JS heap in use (garbage included). */
  async heapUsage(): Promise<number> {
    return (await this.heapUsageDetails()).usedSize;
  }

  async heapUsageDetails(): Promise<HeapUsage> {
    const r = await this.call<HeapUsage>('Runtime.getHeapUsage');
    return { usedSize: r.usedSize, totalSize: r.totalSize };
  }

  /**
   * Full GCs through `HeapProfiler.collectGarbage`, `passes` times (at least 2). One is not
   * enough for a stable heap: memory held by native wrappers is released by V8's second-pass
   * weak callbacks after a GC, FinalizationRegistry callbacks and WeakRef targets kept alive
   * "during the current job" are only let go between tasks, and Node closes handles from the
   * event loop. Each collectGarbage is its own protocol message, so the debuggee gets a turn
   * between the passes and the second GC collects what the first one's callbacks released.
   * V8 runs the GC from a task, so it waits while the debuggee is paused.
   */
  async collectGarbage(passes = 2): Promise<void> {
    for (let i = 0; i < Math.max(2, passes); i++) await this.call('HeapProfiler.collectGarbage');
  }

  /**
   * `HeapProfiler.enable`, once per session. Call it at the start of a run: from then on node
   * ids stay stable between this session's snapshots (until HeapProfiler.disable or a session
   * disconnect). Whether HeapProfiler was already enabled is not observable through CDP, so
   * the caller says it in `finishHeapProfiler`.
   */
  async enableHeapProfiler(): Promise<void> {
    if (this.heapProfilerEnabled) return;
    await this.call('HeapProfiler.enable');
    this.heapProfilerEnabled = true;
  }

  /**
   * `HeapProfiler.startTrackingHeapObjects`: one GC and heap walk gives every live object an
   * id, and with `trackAllocations` the snapshots taken while tracking carry each object's
   * allocation stack. An object gets its id only at a heap walk (or a snapshot), never when it
   * is allocated: ids tell which walk first saw an object. While tracking, the inspector walks
   * again on each turn of the event loop, at most every 50 ms, and reports each walk's last id
   * (`HeapProfiler.lastSeenObjectId`, see `recordHeapWalks`). finishHeapProfiler ends tracking.
   */
  startTrackingHeapObjects(trackAllocations: boolean): Promise<void> {
    if (!this.heapProfilerEnabled) return this.enableHeapProfiler().then(() => this.startTrackingHeapObjects(trackAllocations));
    // Sent before this returns, so a call made next reaches the inspector after it.
    this.trackingHeapObjects = true;
    return this.call('HeapProfiler.startTrackingHeapObjects', { trackAllocations }, 0).then(() => undefined);
  }

  /**
   * Collects the last id of every heap walk reported from now on, in order (ids only grow).
   * Call `stop` when done.
   */
  recordHeapWalks(): { readonly ids: readonly number[]; stop(): void } {
    const ids: number[] = [];
    const stop = this.transport.on<{ lastSeenObjectId: number }>('HeapProfiler.lastSeenObjectId', (p) => {
      if (Number.isSafeInteger(p.lastSeenObjectId)) ids.push(p.lastSeenObjectId);
    });
    return { ids, stop };
  }

  /** Tracking was started and not yet ended (finishHeapProfiler ends it). */
  get isTrackingHeapObjects(): boolean {
    return this.trackingHeapObjects;
  }

  /**
   * End of a run: `HeapProfiler.disable` unless `leaveEnabled` (say true when someone else —
   * e.g. the user in DevTools, or a js-debug session you share — relied on it being enabled).
   * Disabling clears every node id, so call this only after the run's last snapshot.
   */
  async finishHeapProfiler(options: { leaveEnabled: boolean; timeoutMs?: number }): Promise<void> {
    if (!this.heapProfilerEnabled || this.closed) return;
    const tracking = this.trackingHeapObjects;
    if (options.leaveEnabled && !tracking) return;
    this.heapProfilerEnabled = false;
    this.trackingHeapObjects = false;
    // Disabling also ends allocation tracking without the snapshot stopTrackingHeapObjects
    // would write; enable again when someone else relies on it.
    await this.cleanupCall('HeapProfiler.disable', {}, options.timeoutMs ?? CLEANUP_TIMEOUT_MS);
    if (options.leaveEnabled) await this.cleanupCall('HeapProfiler.enable', {}, options.timeoutMs ?? CLEANUP_TIMEOUT_MS);
  }

  /**
   * End of a run: `releaseAll` and `finishHeapProfiler`, sent together (the inspector runs them
   * in order) and waited for at most `timeoutMs` (default CLEANUP_TIMEOUT_MS) in all. Never
   * throws: a debuggee stuck in a call answers nothing, and the run must end all the same.
   */
  async finishRun(options: { leaveHeapProfilerEnabled: boolean; timeoutMs?: number }): Promise<void> {
    const timeoutMs = options.timeoutMs ?? CLEANUP_TIMEOUT_MS;
    await Promise.all([
      this.releaseAll(timeoutMs).catch(() => undefined),
      this.finishHeapProfiler({ leaveEnabled: options.leaveHeapProfilerEnabled, timeoutMs }).catch(() => undefined),
    ]);
  }

  /**
   * Takes a heap snapshot, handing each `HeapProfiler.addHeapSnapshotChunk` to `sink` as it
   * arrives (snapshotStream.ts). Enables HeapProfiler first if needed. Taken while tracking,
   * it carries the allocation stacks; tracking goes on until finishHeapProfiler.
   */
  async takeSnapshot(
    sink: (chunk: string) => void | Promise<void>,
    options: SnapshotOptions = {},
  ): Promise<SnapshotStats> {
    if (options.signal?.aborted) throw new InspectorAbortError('the heap snapshot was cancelled');
    if (this.snapshotRunning) throw new InspectorError('a heap snapshot is already being taken on this session', 'BUSY');
    this.snapshotRunning = true;
    try {
      // A snapshot cancelled or timed out earlier may still be streaming: wait for V8 to end it.
      await this.snapshotTail.catch(() => undefined);
      await this.enableHeapProfiler();
      if (options.signal?.aborted) throw new InspectorAbortError('the heap snapshot was cancelled');
      const params = { reportProgress: true, captureNumericValue: options.captureNumericValue ?? false };
      return await streamSnapshot(this.transport, sink, options, options.idleTimeoutMs ?? this.timeoutMs, () => {
        // Not stopTrackingHeapObjects: it walks the heap once more before writing.
        const call = this.transport.send('HeapProfiler.takeHeapSnapshot', params, 0);
        this.snapshotTail = call;
        return call;
      });
    } finally {
      this.snapshotRunning = false;
    }
  }


  // -------------------------------------------------------------------------------------------
  // Remote objects and calls

  /** `Runtime.evaluate` in the global scope; the result lives in this session's object group. */
  async evaluate(expression: string, options: EvaluateOptions = {}): Promise<RemoteObject> {
    return this.runEvaluate(expression, options, false);
  }

  /** `Runtime.evaluate` returning the JSON value of the result (nothing stays in the debuggee). */
  async evaluateValue<T = unknown>(expression: string, options: EvaluateOptions = {}): Promise<T> {
    return (await this.runEvaluate(expression, options, true)).value as T;
  }

  private async runEvaluate(expression: string, options: EvaluateOptions, byValue: boolean): Promise<RemoteObject> {
    const r = await this.send<EvaluateResult>('Runtime.evaluate', {
      expression,
      ...(byValue ? {} : { objectGroup: this.objectGroup }),
      awaitPromise: options.awaitPromise ?? false,
      returnByValue: byValue,
      silent: true,
    }, options.timeoutMs ?? this.timeoutMs, (late) => this.releaseLate(late));
    if (r.exceptionDetails) throw threw(`evaluating ${shorten(expression)}`, r.exceptionDetails);
    return r.result;
  }

  /**
   * The live object behind a snapshot node id (`HeapProfiler.getObjectByHeapObjectId`). The
   * id must come from a snapshot taken while the ids were valid: they are lost on
   * HeapProfiler.disable and when any inspector session disconnects, and an object collected
   * since is gone (NOT_AVAILABLE).
   */
  async objectForNodeId(heapSnapshotObjectId: number | string): Promise<RemoteObject> {
    try {
      const r = await this.send<{ result: RemoteObject }>('HeapProfiler.getObjectByHeapObjectId', {
        objectId: String(heapSnapshotObjectId),
        objectGroup: this.objectGroup,
      }, this.timeoutMs, (late) => this.releaseLate(late));
      return r.result;
    } catch (e) {
      if (e instanceof InspectorError && e.code === 'PROTOCOL') {
        throw new InspectorError(
          `heap object @${heapSnapshotObjectId} is not available: it was collected, or the heap ids were reset ` +
            '(HeapProfiler.disable, or an inspector session disconnected since the snapshot)',
          'NOT_AVAILABLE',
          { cause: e },
        );
      }
      throw e;
    }
  }

  /**
   * Calls the function `fnObjectId` with `this` = `thisObjectId` (undefined when omitted) and
   * the elements of the array `argsArrayObjectId` as arguments (none when omitted). Async
   * functions are awaited. Returns the (resolved) result as a RemoteObject in our group.
   *
   * A call that does not settle within the timeout fails with TIMEOUT naming the function.
   * V8 cannot cancel it: a pending promise (and whatever it holds) stays in the debuggee. The
   * call has its own object group; when its answer arrives after all, the group is released
   * at once, so the inspector does not keep the late result alive.
   * A throw or rejection fails with DebuggeeThrewError (message, remote stack, details).
   * Runs `silent`: a throw does not trigger "pause on exceptions" in an attached debugger.
   */
  async callFunction(
    fnObjectId: string,
    thisObjectId: string | undefined,
    argsArrayObjectId: string | undefined,
    options: CallOptions = {},
  ): Promise<RemoteObject> {
    if (options.checkResponsive ?? true) await this.checkResponsive(options.responsiveTimeoutMs);
    const args = argsArrayObjectId ? { objectId: argsArrayObjectId } : {};
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const params = thisObjectId
      ? { objectId: thisObjectId, functionDeclaration: CALL_WITH_THIS, arguments: [{ objectId: fnObjectId }, args] }
      : { objectId: fnObjectId, functionDeclaration: CALL_WITHOUT_THIS, arguments: [args] };
    const group = `${this.objectGroup}:call-${++this.callCounter}`;
    let r: EvaluateResult;
    try {
      r = await this.send<EvaluateResult>('Runtime.callFunctionOn', {
        ...params,
        objectGroup: group,
        awaitPromise: true,
        returnByValue: false,
        silent: true,
      }, timeoutMs, () => this.dropGroup(group));
    } catch (e) {
      if (e instanceof InspectorError && e.code === 'TIMEOUT') {
        const label = await this.functionLabel(fnObjectId, options.name);
        throw new InspectorError(
          `${label} did not settle within ${timeoutMs} ms (Runtime.callFunctionOn timed out). ` +
            'V8 cannot cancel a call: if it returned a promise, that promise stays pending in the debuggee.',
          'TIMEOUT',
          { cause: e },
        );
      }
      throw e;
    }
    if (r.exceptionDetails) {
      // The thrown value is in the call's group, and nobody gets a handle to it.
      this.dropGroup(group);
      throw threw(await this.functionLabel(fnObjectId, options.name), r.exceptionDetails);
    }
    if (r.result.objectId) this.callGroups.add(group);
    return r.result;
  }

  /**
   * `Runtime.callFunctionOn` of a declaration of ours on `objectId`, awaited, with `args` as
   * CDP call arguments. The result stays in the session's group (releaseAll frees it); a
   * throw fails with DebuggeeThrewError naming `label`. `timeoutMs` 0: the caller bounds it.
   */
  async callOn(
    objectId: string,
    declaration: string,
    args: object[],
    options: { label: string; timeoutMs?: number },
  ): Promise<RemoteObject> {
    const r = await this.send<EvaluateResult>('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: declaration,
      arguments: args,
      objectGroup: this.objectGroup,
      awaitPromise: true,
      returnByValue: false,
      silent: true,
    }, options.timeoutMs ?? 0, (late) => this.releaseLate(late as EvaluateResult));
    if (r.exceptionDetails) {
      this.releaseLate({ exceptionDetails: r.exceptionDetails });
      throw threw(options.label, r.exceptionDetails);
    }
    return r.result;
  }

  /** A declaration of ours called on `objectId`, returning its JSON value (nothing is kept). */
  async callOnValue<T>(objectId: string, declaration: string, args: object[], timeoutMs = this.timeoutMs): Promise<T> {
    const r = await this.call<EvaluateResult>('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: declaration,
      arguments: args,
      returnByValue: true,
      silent: true,
    }, timeoutMs);
    if (r.exceptionDetails) throw threw('a Leak Lens probe', r.exceptionDetails);
    return r.result.value as T;
  }

  /**
   * `Runtime.releaseObjectGroup` for our groups (the session's and each call's): every
   * RemoteObject we handed out dies. Sent together; each waits at most `timeoutMs` (default
   * CLEANUP_TIMEOUT_MS).
   */
  async releaseAll(timeoutMs = CLEANUP_TIMEOUT_MS): Promise<void> {
    if (this.closed) return;
    const groups = [this.objectGroup, ...this.callGroups];
    this.callGroups.clear();
    const results = await Promise.allSettled(groups.map((g) => this.cleanupCall('Runtime.releaseObjectGroup', { objectGroup: g }, timeoutMs)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Fails with PAUSED when the debuggee is paused (breakpoint, `debugger`, step) and with
   * NOT_RESPONDING when it answers but does not run its microtasks within `timeoutMs` (busy in
   * a long synchronous task). A plain `Runtime.evaluate('1')` is not enough: it is answered
   * even while paused, so the probe awaits a promise.
   */
  async checkResponsive(timeoutMs = 2000): Promise<void> {
    // A session can start paused for a moment (js-debug holds a new worker until it has set
    // its breakpoints): give it that moment before saying so.
    if (this.paused && !(await this.resumedWithin(timeoutMs))) throw pausedError();
    try {
      await this.call('Runtime.evaluate', { expression: RESPONSIVE_PROBE, awaitPromise: true, returnByValue: true, silent: true }, timeoutMs);
      return;
    } catch (e) {
      if (!(e instanceof InspectorError) || e.code !== 'TIMEOUT') throw e;
    }
    if (await this.probePaused(timeoutMs)) throw pausedError();
    throw new InspectorError(
      `the debuggee did not run a microtask within ${timeoutMs} ms: it is busy (a long synchronous task) or stopped`,
      'NOT_RESPONDING',
    );
  }

  private resumedWithin(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const off = this.transport.on('Debugger.resumed', () => done(true));
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (resumed: boolean) => {
        clearTimeout(timer);
        off();
        resolve(resumed);
      };
    });
  }

  /**
   * Ids of the scripts loaded from `fileUrlOrPath` (a path or a file:// URL; both normalized),
   * from `Debugger.scriptParsed`. On a direct connection Debugger is enabled briefly (V8
   * replays scriptParsed for every loaded script before answering `Debugger.enable`, with
   * pauses skipped so a `debugger` statement can't stop the program meanwhile) and disabled
   * again if we enabled it. Through js-debug the session's Debugger is js-debug's, which does
   * not replay, and its scriptParsed events are not subscribed: none are known; use
   * `scriptIdsInSnapshot` (heap/functions.ts) there. Several ids: the file was loaded more than once.
   */
  /**
   * The URL of a script by its id, from `Debugger.scriptParsed` as in `scriptIdsForFile`;
   * undefined through js-debug (its scripts are not replayed to us) or when unknown.
   */
  async scriptUrl(scriptId: number): Promise<string | undefined> {
    if (!this.viaJsDebug && !this.scriptUrls.has(scriptId)) await this.withDebugger(async () => undefined);
    return this.scriptUrls.get(scriptId);
  }

  /**
   * The source map URL a script names, as `Debugger.scriptParsed` gave it; undefined when it
   * names none or scriptParsed is not seen (through js-debug: read the script's source instead).
   */
  async scriptSourceMapUrl(scriptId: number): Promise<string | undefined> {
    if (this.viaJsDebug) return undefined;
    // One replay of scriptParsed per unknown script at most: a lookup over every script of a
    // snapshot must not replay them all again for each one V8 no longer reports.
    if (!this.scriptUrls.has(scriptId) && !this.unreported.has(scriptId)) {
      await this.withDebugger(async () => undefined);
      if (!this.scriptUrls.has(scriptId)) this.unreported.add(scriptId);
    }
    return this.sourceMapUrls.get(scriptId);
  }

  /** A script's source text (`Debugger.getScriptSource`), or undefined when V8 has none. */
  async scriptSource(scriptId: number): Promise<string | undefined> {
    const get = () =>
      this.call<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: String(scriptId) })
        .then((r) => r.scriptSource)
        .catch(() => undefined);
    return this.viaJsDebug ? get() : this.withDebugger(get);
  }

  /** How many scripts with a URL the debuggee has loaded so far (direct connections; 0 through js-debug). */
  async loadedScriptCount(): Promise<number> {
    if (!this.viaJsDebug) await this.withDebugger(async () => undefined);
    return this.scriptUrls.size;
  }

  async scriptIdsForFile(fileUrlOrPath: string): Promise<number[]> {
    const key = normalizeScriptLocation(fileUrlOrPath);
    if (!this.viaJsDebug) await this.withDebugger(async () => undefined);
    return [...(this.scripts.get(key) ?? [])].sort((a, b) => a - b);
  }

  /**
   * V8 finds each function's line while writing a snapshot, which is slow (seconds per large
   * script, over 30 s with a bundle like the TypeScript compiler loaded) until the debugger
   * has run once in the isolate and computed the scripts' line ends. Enabling Debugger once
   * (and disabling it again if it was ours) leaves that behind. Through js-debug the debugger
   * is enabled already.
   */
  async primeScriptLines(): Promise<void> {
    if (this.viaJsDebug || this.debuggerPrimed) return;
    await this.withDebugger(async () => undefined);
    this.debuggerPrimed = true;
  }

  /**
   * Releases our objects (best effort, at most CLEANUP_TIMEOUT_MS; skipped when the debuggee
   * was found unresponsive) and closes the connection.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.releaseAll().catch(() => undefined);
    await this.transport.close();
  }

  /** Releases one call's group now, not waiting (a late answer, a thrown value nobody gets). */
  private dropGroup(group: string): void {
    this.callGroups.delete(group);
    if (this.closed) return;
    this.transport.send('Runtime.releaseObjectGroup', { objectGroup: group }, CLEANUP_TIMEOUT_MS).catch(() => undefined);
  }

  /** A late answer in the session's group: release the objects it carries (fire and forget). */
  private releaseLate(late: { result?: RemoteObject; exceptionDetails?: ExceptionDetails }): void {
    for (const o of [late?.result, late?.exceptionDetails?.exception]) {
      if (o?.objectId && !this.closed) {
        this.transport.send('Runtime.releaseObject', { objectId: o.objectId }, CLEANUP_TIMEOUT_MS).catch(() => undefined);
      }
    }
  }

  // -------------------------------------------------------------------------------------------

  /**
   * Runs `fn` with Debugger enabled. On a direct connection Debugger is ours alone: enable
   * it with pauses skipped, disable it after (only if we enabled it). Through js-debug it is
   * already enabled by the debugger: `Debugger.enable` is a no-op for V8 (js-debug replays
   * its last `Debugger.paused` to us) and we never disable or skip pauses there.
   */
  private async withDebugger<T>(fn: () => Promise<T>): Promise<T> {
    const enableHere = !this.debuggerEnabledByUs;
    if (enableHere) {
      if (this.viaJsDebug) {
        await this.call('Debugger.enable', {});
      } else {
        // Sent together so no JS runs between them: Node dispatches queued messages in one go.
        await Promise.all([
          this.call('Debugger.enable', {}),
          this.call('Debugger.setSkipAllPauses', { skip: true }),
        ]);
        this.debuggerEnabledByUs = true;
      }
    }
    try {
      return await fn();
    } finally {
      if (enableHere && this.debuggerEnabledByUs && !this.closed) {
        this.debuggerEnabledByUs = false;
        await this.call('Debugger.disable', {}).catch(() => undefined);
        this.paused = undefined; // No more Debugger events on this session.
      }
    }
  }

  /** Enabling Debugger makes V8 (or js-debug's replay) report a current pause at once. */
  private async probePaused(timeoutMs: number): Promise<boolean> {
    let saw = false;
    const off = this.transport.on('Debugger.paused', () => (saw = true));
    try {
      await this.withDebugger(async () => undefined).catch(() => undefined);
      // The replayed event precedes the enable reply; allow for a slow proxy all the same.
      if (!saw) await new Promise((r) => setTimeout(r, Math.min(200, timeoutMs)));
      return saw;
    } finally {
      off();
    }
  }

  private async functionLabel(fnObjectId: string, given: string | undefined): Promise<string> {
    if (given) return given;
    try {
      const r = await this.call<EvaluateResult>('Runtime.callFunctionOn', {
        objectId: fnObjectId,
        functionDeclaration: NAME_OF_FUNCTION,
        returnByValue: true,
        silent: true,
      }, 1000);
      const name = typeof r.result.value === 'string' ? r.result.value : '';
      return name ? `${name}()` : 'the function';
    } catch {
      return 'the function';
    }
  }
}
