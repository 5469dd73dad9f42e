/**
 * The measured requests of a one-snapshot endpoint run: the same phases and marks as
 * phaseRun.ts, with the calls made from our side. A request reaches the server through a
 * socket, so its handler runs on the server's event loop, where no code of ours can call it.
 *
 * Each boundary is therefore made by its own `Runtime.callFunctionOn`: it leaves a mark, pauses
 * until a heap walk has run (a GC cleared a WeakRef to a fresh object, and at least the pause),
 * and leaves a second mark, all in the debuggee, so the boundary check of heap/phaseMarks.ts
 * holds as for functions. The request goes out only after that call has answered, and the next
 * boundary starts only after the whole response has come back: the handler's objects are born
 * between the two boundaries. A CDP message may wait for the inspector's next walk while
 * tracking; that only slows the run.
 *
 * The mark classes are made once, before tracking starts, so a boundary allocates nothing that
 * lives on but its two marks. As for functions, the second phase has no boundary: its objects
 * keep their allocation stacks until a heap walk gives them ids (and a GC then moves them). The
 * inspector walks every 50 ms whenever the server's loop turns, and the last boundary ends right
 * after a walk, so the second phase's requests go out together: they are done, and the snapshot
 * asked for, well within the next 50 ms even on a busy machine, where one after another they
 * were not.
 */
import { randomBytes } from 'node:crypto';
import { InspectorAbortError, type InspectorSession, type RemoteObject } from '../inspector/session';
import type { PhaseMarks } from '../heap/phaseMarks';

/** As in phaseRun.ts: longer than the inspector's 50 ms walk timer. */
const PHASE_PAUSE_MS = 55;
const CALL_PAUSE_MS = 0;
const WALK_WAIT_LIMIT_MS = 60_000;

const NEW_STATE = (classes: string[]) =>
  `(() => { ${classes.map((c) => `class ${c} {}`).join(' ')} return { marks: [], classes: { ${classes.join(', ')} } }; })()`;

/** `this` is the state: mark, pause until a walk has run, mark. */
const BOUNDARY = `async function (before, after, pauseMs, limitMs) {
  const state = this;
  state.marks.push(new state.classes[before]());
  const probe = new WeakRef({});
  const since = Date.now();
  do await new Promise((resolve) => setTimeout(resolve, 1));
  while ((probe.deref() !== undefined || Date.now() - since < pauseMs) && Date.now() - since < limitMs);
  state.marks.push(new state.classes[after]());
}`;

export interface RequestPhaseOptions {
  iterations: number;
  /** A boundary before every request of the first phase (the memory series per request). */
  perCall: boolean;
  /** Sends one request and resolves when its whole response has come back. */
  send: () => Promise<void>;
  /** The request's name, for messages. */
  name: string;
  signal?: AbortSignal;
  onCall?: (call: number) => void;
  startTracking: () => Promise<void>;
}

/**
 * Runs the 2N requests with boundaries between them. Returns how the final snapshot finds the
 * boundaries; the caller records the heap walks and adds them (as for runPhases). The state
 * object holding the marks stays in the session's object group until the run releases it.
 */
export async function runRequestPhases(session: InspectorSession, options: RequestPhaseOptions): Promise<Omit<PhaseMarks, 'walks'>> {
  const n = options.iterations;
  const tag = `LeakLensMark${randomBytes(6).toString('hex')}`;
  const boundaries: [number, string, string, number][] = [];
  for (let call = 1; call <= n + 1; call++) {
    const phase = call === 1 || call === n + 1;
    if (phase || options.perCall) boundaries.push([call, `${tag}Before${call}`, `${tag}After${call}`, phase ? PHASE_PAUSE_MS : CALL_PAUSE_MS]);
  }
  const state: RemoteObject = await session.evaluate(NEW_STATE(boundaries.flatMap(([, before, after]) => [before, after])));
  await options.startTracking();
  for (let call = 1; call <= n + 1; call++) {
    if (options.signal?.aborted) throw new InspectorAbortError('the profile run was cancelled');
    const boundary = boundaries.find(([at]) => at === call);
    if (boundary) {
      const [, before, after, pauseMs] = boundary;
      await session.callOn(state.objectId as string, BOUNDARY, [
        { value: before },
        { value: after },
        { value: pauseMs },
        { value: WALK_WAIT_LIMIT_MS },
      ], { label: `the boundary before request ${call}`, timeoutMs: WALK_WAIT_LIMIT_MS + 30_000 });
    }
    if (call > n) break;
    options.onCall?.(call);
    await options.send();
  }
  options.onCall?.(n + 1);
  await Promise.all(Array.from({ length: n }, () => options.send()));
  options.onCall?.(2 * n);
  return {
    boundaries: boundaries.map(([call, before, after, pauseMs]) => ({ call, before, after, required: pauseMs === PHASE_PAUSE_MS })),
  };
}
