/**
 * The measured calls of a one-snapshot run, in steps: each step is one `Runtime.callFunctionOn`
 * that makes a number of calls, awaiting each, and ends with a heap walk of the tracking
 * inspector. A walk gives every live object an id, and objects born later get larger ids, so
 * the walk's `lastSeenObjectId` splits the final snapshot's objects into those born before
 * and after the step (heap/verdict.ts, findLeaksInPhases). The walk after a step is the first
 * one the inspector reports after the step's reply: events and replies come in order.
 *
 * (Allocation tracking would give each object its id as it is allocated, but V8 does not
 * report every allocation: optimized code allocates several objects at once, and some
 * allocations get no id until the next walk. Only walks are a reliable boundary.)
 *
 * Why steps and not a call each: while tracking, the inspector walks the heap on each turn of
 * the debuggee's event loop, at most every 50 ms: a GC and a walk, about a second on a
 * server-sized heap. On a small heap a step is one call, so the report has bytes per call; on
 * a large one a step is a phase of N calls.
 *
 * Progress and the per-call timeout come from a small state object the loop updates, read by
 * polling: the inspector answers those reads even while the loop runs (through interrupts).
 */
import { InspectorAbortError, InspectorError, type InspectorSession, type RemoteObject } from '../inspector/session';

/** `this` is the state object; makes `count` calls, numbered from `first`. */
const RUN_CALLS = `async function (fn, thisArg, args, first, count) {
  const state = this;
  const list = args === undefined ? [] : args;
  for (let i = 0; i < count; i++) {
    state.call = first + i;
    await Reflect.apply(fn, thisArg, list);
  }
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
 * Runs the calls in steps. Returns the walk ids: [0] after tracking started (the objects that
 * were there before the calls), then one after each step.
 */
export async function runCallsInSteps(
  session: InspectorSession,
  fn: RemoteObject,
  thisObject: RemoteObject | undefined,
  argsObject: RemoteObject | undefined,
  options: PhaseRunOptions,
): Promise<number[]> {
  const walkTimeoutMs = Math.max(options.callTimeoutMs, 30_000);
  const state = await session.evaluate('({ call: 0 })');
  const walks = [await session.nextHeapWalk(walkTimeoutMs)];
  const remoteArg = (o: RemoteObject | undefined) => (o?.objectId ? { objectId: o.objectId } : {});
  for (let first = 1; first <= options.calls; first += options.callsPerStep) {
    const count = Math.min(options.callsPerStep, options.calls - first + 1);
    await watched(
      session,
      state,
      session.callOn(state.objectId as string, RUN_CALLS, [
        { objectId: fn.objectId },
        remoteArg(thisObject),
        remoteArg(argsObject),
        { value: first },
        { value: count },
      ], { label: options.name }),
      options,
    );
    walks.push(await session.nextHeapWalk(walkTimeoutMs));
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
