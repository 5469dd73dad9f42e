/**
 * The measured calls of a one-snapshot run, in steps: each step is one `Runtime.callFunctionOn`
 * that makes a number of calls, awaiting each, then pauses so that the tracking inspector
 * walks the heap once. A walk gives every live object an id, and objects born later get
 * larger ids, so the walk's `lastSeenObjectId` splits the final snapshot's objects into those
 * born before and after the step (heap/verdict.ts, findLeaksInPhases). The boundary is the last
 * walk reported before the step's reply: events and replies come in order, and nothing runs
 * between the pause and the reply.
 *
 * (Allocation tracking would give each object its id as it is allocated, but V8 does not
 * report every allocation: optimized code allocates several objects at once, and some
 * allocations get no id until the next walk. Only walks are reliable boundaries.)
 *
 * The inspector walks on each turn of the debuggee's event loop, at most every 50 ms: a GC and
 * a walk, about a second on a server-sized heap. So steps follow each other at once (the next
 * starts before the idle loop's timer fires again), and the last step has no pause: the walk
 * that ending tracking makes before its snapshot is its boundary. On a small heap a step is
 * one call, so the report has bytes per call; on a large one a step is a phase of N calls.
 *
 * Progress and the per-call timeout come from a small state object the loop updates, read by
 * polling: the inspector answers those reads even while the loop runs (through interrupts).
 */
import { InspectorAbortError, InspectorError, type InspectorSession, type RemoteObject } from '../inspector/session';

/** Longer than the inspector's 50 ms walk timer: one turn of the loop in it lets a walk run. */
const WALK_PAUSE_MS = 60;

/** `this` is the state object; makes `count` calls numbered from `first`, then pauses. */
const RUN_CALLS = `async function (fn, thisArg, args, first, count, pauseMs) {
  const state = this;
  const list = args === undefined ? [] : args;
  for (let i = 0; i < count; i++) {
    state.call = first + i;
    await Reflect.apply(fn, thisArg, list);
  }
  if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
}`;

const READ_STATE = 'function () { return this.call; }';
const POLL_MS = 200;

export interface PhaseRunOptions {
  /** All measured calls (2N), and how many one step makes (1, or N). */
  calls: number;
  callsPerStep: number;
  callTimeoutMs: number;
  /** The function's name, for messages. */
  name: string;
  signal?: AbortSignal;
  /** The measured call now running, 1..calls. */
  onCall?: (call: number) => void;
}

/**
 * Runs the calls in steps. Returns the walk ids before the first call and after each step but
 * the last; the caller ends tracking at once and takes that walk (`session.nextHeapWalk`) as
 * the last boundary.
 */
export async function runCallsInSteps(
  session: InspectorSession,
  fn: RemoteObject,
  thisObject: RemoteObject | undefined,
  argsObject: RemoteObject | undefined,
  options: PhaseRunOptions,
): Promise<number[]> {
  const state = await session.evaluate('({ call: 0 })');
  const remoteArg = (o: RemoteObject | undefined) => (o?.objectId ? { objectId: o.objectId } : {});
  const step = async (first: number, count: number, pause: boolean): Promise<number | undefined> => {
    const before = session.heapWalks.count;
    if (count > 0) options.onCall?.(first);
    const call = session.callOn(state.objectId as string, RUN_CALLS, [
      { objectId: fn.objectId },
      remoteArg(thisObject),
      remoteArg(argsObject),
      { value: first },
      { value: count },
      { value: pause ? WALK_PAUSE_MS : 0 },
    ], { label: options.name });
    await watched(session, state, call, options);
    if (!pause) return undefined;
    // A walk in the pause, reported before the reply; else (the loop did not turn in time)
    // the next one, which runs before the next step.
    return session.heapWalks.count > before ? session.heapWalks.lastId : session.nextHeapWalk(Math.max(options.callTimeoutMs, 30_000));
  };
  const walks = [(await step(1, 0, true)) as number];
  for (let first = 1; first <= options.calls; first += options.callsPerStep) {
    const count = Math.min(options.callsPerStep, options.calls - first + 1);
    const last = first + count > options.calls;
    const walk = await step(first, count, !last);
    if (walk !== undefined) walks.push(walk);
  }
  return walks;
}

/** Waits for a step, failing when its current call runs longer than the timeout. */
async function watched(session: InspectorSession, state: RemoteObject, step: Promise<RemoteObject>, options: PhaseRunOptions): Promise<void> {
  step.catch(() => undefined); // Raced below; a late failure after a timeout is not unhandled.
  let stop = () => undefined as void;
  const watch = new Promise<never>((_, reject) => {
    let lastCall = Number.NaN;
    let since = performance.now();
    let polling = false;
    const timer = setInterval(() => {
      if (options.signal?.aborted) return reject(new InspectorAbortError('the profile run was cancelled'));
      if (polling) return;
      polling = true;
      session
        .callOnValue<number>(state.objectId as string, READ_STATE, [], 5000)
        .then((current) => {
          if (current !== lastCall) {
            lastCall = current;
            since = performance.now();
            options.onCall?.(current);
          } else if (performance.now() - since > options.callTimeoutMs) {
            reject(
              new InspectorError(
                `${options.name} did not settle within ${options.callTimeoutMs} ms (call ${current} of ${options.calls}). ` +
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
