/**
 * The measured calls of a one-snapshot run. Tracking is on; V8 gives an object its heap id only
 * when the inspector walks the heap (on a turn of the event loop, at most every 50 ms) or writes
 * a snapshot, so ids tell which walk first saw an object, and a walk between two calls splits
 * the final snapshot's objects into those born before and after it.
 *
 * No CDP call can mark such a walk: while tracking, a message may wait for the walk in progress
 * (about a second on a server-sized heap) or for the next tick of the inspector's timer. So the
 * 2N calls run in one `Runtime.callFunctionOn`, and each boundary is made in the debuggee: a
 * mark object, a pause until a heap walk has run, and a second mark. In the final snapshot the
 * first mark's id falls in that walk's range and the second's after it (heap/phaseMarks.ts);
 * the walk's reported last id is the boundary. Marks are objects of classes named for the run.
 *
 * Boundaries come before the first call and before call N+1 (the phases), and, where a heap walk
 * is quick, before every call of the first phase (the memory series per call). The second phase
 * has none, so its objects keep their allocation stacks (see allocationTrace.ts). V8 keeps a
 * stack only until a walk gives the object an id and a GC moves it, and the inspector's timer,
 * overdue after a phase longer than 50 ms, walks at the first turn of the event loop. So when
 * the function returned no promise in the first phase, the second phase is one synchronous
 * `Runtime.callFunctionOn` with the snapshot request sent right behind it: the inspector runs
 * queued messages one after another, and the snapshot is written before the loop turns.
 *
 * Progress and the per-call timeout come from a small state object the loop updates, read by
 * polling: the inspector answers those reads while the loop runs (through interrupts). A
 * cancelled run sets the state's `stopped`, so the loop makes no further call.
 */
import { randomBytes } from 'node:crypto';
import { InspectorAbortError, InspectorError, type InspectorSession, type RemoteObject } from '../inspector/session';
import type { PhaseMarks } from '../heap/phaseMarks';

/** Longer than the inspector's 50 ms walk timer: a pause between phases sees at least one walk. */
const PHASE_PAUSE_MS = 55;
/** Between two calls of a phase: a pause that usually ends at the next walk; see runCalls. */
const CALL_PAUSE_MS = 0;
/** A pause gives up waiting for a walk after this long; the boundary check then fails. */
const WALK_WAIT_LIMIT_MS = 60_000;

/**
 * `this` is the state object. Makes the calls, awaiting each. Before the calls named in
 * `boundaries` ([call, before, after, pauseMs]) it leaves a mark, pauses at least `pauseMs`
 * and until a GC has cleared a WeakRef to a fresh object (the heap walk is a full GC; in a
 * short pause a scavenge can end it first, and the boundary check then drops that boundary),
 * and leaves another mark. The pause polls every millisecond, so that it ends in the same
 * turn of the loop as the walk: the inspector's timer, due again at once after a long walk,
 * would otherwise walk a second time first.
 */
const runCalls = (markClasses: string[]) => `async function (fn, thisArg, args, first, last, boundaries, limitMs) {
  const state = this;
  const list = args === undefined ? [] : args;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  ${markClasses.map((c) => `class ${c} {}`).join(' ')}
  const classes = { ${markClasses.join(', ')} };
  const mark = (name) => { state.marks.push(new classes[name]()); };
  for (let call = first; call <= last + 1 && !state.stopped; call++) {
    for (const [at, before, after, pauseMs] of boundaries) {
      if (at !== call) continue;
      state.call = call - 0.5;
      mark(before);
      const probe = new WeakRef({});
      const since = Date.now();
      do await sleep(1);
      while ((probe.deref() !== undefined || Date.now() - since < pauseMs) && Date.now() - since < limitMs && !state.stopped);
      mark(after);
    }
    if (call > last || state.stopped) break;
    state.call = call;
    const result = Reflect.apply(fn, thisArg, list);
    if (result !== null && (typeof result === 'object' || typeof result === 'function') && typeof result.then === 'function') {
      state.async = true;
      await result;
    }
  }
  return state.async === true;
}`;

/** The second phase of a function that returned no promise: its calls, in one go. */
const SYNC_CALLS = `function (fn, thisArg, args, first, last) {
  const list = args === undefined ? [] : args;
  for (let call = first; call <= last; call++) {
    this.call = call;
    Reflect.apply(fn, thisArg, list);
  }
}`;

const NEW_STATE = '({ call: 0, marks: [] })';
const READ_STATE = 'function () { return this.call; }';
/** A cancelled run ends its loop in the debuggee: no call starts after this. */
const STOP_STATE = 'function () { this.stopped = true; }';
const POLL_MS = 200;

export interface PhaseRunOptions {
  /** N: the calls of each phase (2N in all). */
  iterations: number;
  /** A heap walk after every call (the memory series per call), else only between phases. */
  perCall: boolean;
  callTimeoutMs: number;
  /** The function's name, for messages. */
  name: string;
  signal?: AbortSignal;
  /** The measured call now running, 1..2N. */
  onCall?: (call: number) => void;
  /** Starts tracking heap objects; sent just before the run. */
  startTracking: () => Promise<void>;
  /** Takes the final snapshot; called once the last call is sent (see the module comment). */
  takeSnapshot: () => Promise<void>;
}

/**
 * Runs the 2N calls and takes the final snapshot: the first phase with its boundaries in one
 * `Runtime.callFunctionOn`, the second in another (synchronous when the function is). Returns
 * how the snapshot finds the boundaries; the caller records the heap walks
 * (`session.recordHeapWalks`) from before tracking starts until that snapshot is written and
 * adds them.
 */
export async function runPhases(
  session: InspectorSession,
  fn: RemoteObject,
  thisObject: RemoteObject | undefined,
  argsObject: RemoteObject | undefined,
  options: PhaseRunOptions,
): Promise<Omit<PhaseMarks, 'walks'>> {
  const n = options.iterations;
  const tag = `LeakLensMark${randomBytes(6).toString('hex')}`;
  const boundaries: [number, string, string, number][] = [];
  // No walk in the second phase: V8 keeps an object's allocation stack only until a walk gives
  // it an id and a GC then moves it, so the report reads the stacks of that phase's objects.
  for (let call = 1; call <= n + 1; call++) {
    const phase = call === 1 || call === n + 1;
    if (phase || options.perCall) boundaries.push([call, `${tag}Before${call}`, `${tag}After${call}`, phase ? PHASE_PAUSE_MS : CALL_PAUSE_MS]);
  }
  const declaration = runCalls(boundaries.flatMap(([, before, after]) => [before, after]));
  const state = await session.evaluate(NEW_STATE);
  const remoteArg = (o: RemoteObject | undefined) => (o?.objectId ? { objectId: o.objectId } : {});
  options.onCall?.(1);
  // Sent together: the inspector starts the run right after the walk that starts tracking,
  // before its timer's first walk (a message sent later waits for that walk).
  const started = options.startTracking();
  started.catch(() => undefined);
  const callArgs = [{ objectId: fn.objectId }, remoteArg(thisObject), remoteArg(argsObject)];
  const phase = (first: number, last: number, marks: typeof boundaries) =>
    session.callOn(state.objectId as string, declaration, [...callArgs, { value: first }, { value: last }, { value: marks }, { value: WALK_WAIT_LIMIT_MS }], { label: options.name });
  const first = phase(1, n, boundaries);
  let returnedPromise = true;
  await Promise.all([started, watched(session, state, first.then((r) => ((returnedPromise = r.value !== false), r)), options)]);
  if (options.signal?.aborted) throw new InspectorAbortError('the profile run was cancelled');
  options.onCall?.(n + 1);
  if (returnedPromise) {
    await watched(session, state, phase(n + 1, 2 * n, []), options);
    await options.takeSnapshot();
  } else {
    // Sent back to back: the snapshot runs right after the calls, before any heap walk.
    const second = session.callOn(state.objectId as string, SYNC_CALLS, [...callArgs, { value: n + 1 }, { value: 2 * n }], {
      label: options.name,
      timeoutMs: n * options.callTimeoutMs,
    });
    const snapshot = options.takeSnapshot();
    const [calls, written] = await Promise.allSettled([second, snapshot]);
    if (calls.status === 'rejected') throw calls.reason;
    if (written.status === 'rejected') throw written.reason;
    options.onCall?.(2 * n);
  }
  return {
    boundaries: boundaries.map(([call, before, after, pauseMs]) => ({ call, before, after, required: pauseMs === PHASE_PAUSE_MS })),
  };
}

/** Waits for a step, failing when its current call runs longer than the timeout. */
async function watched(
  session: InspectorSession,
  state: RemoteObject,
  step: Promise<RemoteObject>,
  options: PhaseRunOptions,
): Promise<void> {
  step.catch(() => undefined); // Raced below; a late failure after a timeout is not unhandled.
  let stop = () => undefined as void;
  const watch = new Promise<never>((_, reject) => {
    let lastCall = Number.NaN;
    let since = performance.now();
    let polling = false;
    const timer = setInterval(() => {
      if (options.signal?.aborted) {
        // Sent before the run's cleanup releases the state object; the call in progress finishes.
        void session.callOnValue(state.objectId as string, STOP_STATE, [], 1500).catch(() => undefined);
        return reject(new InspectorAbortError('the profile run was cancelled'));
      }
      if (polling) return;
      polling = true;
      session
        .callOnValue<number>(state.objectId as string, READ_STATE, [], 5000)
        .then((current) => {
          // A pause between calls reads as call - 0.5; it may wait for a long heap walk.
          const limit = Number.isInteger(current) ? options.callTimeoutMs : WALK_WAIT_LIMIT_MS + options.callTimeoutMs;
          if (current !== lastCall) {
            lastCall = current;
            since = performance.now();
            options.onCall?.(Math.max(1, Math.ceil(current)));
          } else if (performance.now() - since > limit) {
            reject(
              new InspectorError(
                `${options.name} did not settle within ${options.callTimeoutMs} ms (call ${Math.ceil(current)} of ${2 * options.iterations}). ` +
                  'V8 cannot cancel a call: if it returned a promise, that promise stays pending in the debuggee.',
                'TIMEOUT',
              ),
            );
          }
        })
        .catch((e: unknown) => {
          if (e instanceof Error && /Cannot find context|context was destroyed/i.test(e.message)) {
            reject(new InspectorError(`the debuggee exited while ${options.name} was running (process.exit?)`, 'CLOSED'));
          }
        })
        .finally(() => (polling = false));
    }, POLL_MS);
    stop = () => clearInterval(timer);
  });
  watch.catch(() => undefined);
  try {
    await Promise.race([step, watch]);
  } finally {
    stop();
  }
}
