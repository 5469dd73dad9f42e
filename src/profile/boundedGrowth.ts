/**
 * Growth that stops is not a leak. Two phases of N calls cannot tell a leak from a cache that
 * is still filling (an LRU with a max of 100 gains an entry on each of 14 calls) or from lazy
 * warm-up. So for each leak held in a collection, the collection itself is watched while the
 * function runs on, in batches that double (2N, 4N, …), bounded in calls and time:
 * - when a batch adds nothing, the growth stopped: bounded, not a leak;
 * - when every batch grows it up to the bound, the leak holds across all those phases.
 * The collection is found by its heap id while the snapshot's ids are still valid; the calls
 * run without tracking, so they cost what the function costs. Sizes are read in the debuggee:
 * a Map's or Set's size, an Array's filled slots, an object's own keys.
 */
import type { InspectorSession, RemoteObject } from '../inspector/session';
import type { GrowthCheck, LeakFinding } from '../report/types';

const RUN = `async function (fn, thisArg, args, count) {
  const list = args === undefined ? [] : args;
  for (let i = 0; i < count; i++) await Reflect.apply(fn, thisArg, list);
}`;

const SIZE = `function () {
  const o = this;
  if (o instanceof Map || o instanceof Set) return o.size;
  if (Array.isArray(o)) { let n = 0; for (let i = 0; i < o.length; i++) if (o[i] !== undefined) n++; return n; }
  return Object.keys(o).length;
}`;

/** How many leaks to check; each needs its collection's object. */
const MAX_CHECKED = 3;

export interface GrowthLimits {
  /** Extra calls at most (0: no check). */
  calls: number;
  /** Time for the extra calls at most. */
  ms: number;
  callTimeoutMs: number;
}

/** The collection each checkable leak grows, as a live object (call before the ids are reset). */
export async function collectionsToWatch(session: InspectorSession, leaks: LeakFinding[]): Promise<Map<LeakFinding, RemoteObject>> {
  const watched = new Map<LeakFinding, RemoteObject>();
  for (const f of leaks.filter((l) => l.primary && l.culprit?.kind === 'collection').slice(0, MAX_CHECKED)) {
    const path = f.paths[0];
    const step = path?.culprit >= 0 ? path.steps[path.culprit] : undefined;
    if (!step) continue;
    const object = await session.objectForNodeId(step.fromId).catch(() => undefined);
    if (object?.objectId) watched.set(f, object);
  }
  return watched;
}

/** `count` more calls of a function in the debuggee, in one call of ours. */
export function growthCalls(
  session: InspectorSession,
  fn: RemoteObject,
  thisObject: RemoteObject | undefined,
  argsObject: RemoteObject | undefined,
): (count: number, timeoutMs: number) => Promise<void> {
  return async (count, timeoutMs) => {
    const r = await session.callOn(fn.objectId as string, RUN, [{ objectId: fn.objectId }, argRef(thisObject), argRef(argsObject), { value: count }], {
      label: 'the growth check',
      timeoutMs,
    });
    if (r.objectId) await session.call('Runtime.releaseObject', { objectId: r.objectId }).catch(() => undefined);
  };
}

/**
 * Runs the target on (`runMore`: a function's calls, or an endpoint's requests) in doubling
 * batches while any watched collection still grows; marks each finding with what its
 * collection did. Returns the extra calls made.
 */
export async function checkGrowth(
  session: InspectorSession,
  runMore: (count: number, timeoutMs: number) => Promise<void>,
  watched: Map<LeakFinding, RemoteObject>,
  firstCall: number,
  limits: GrowthLimits,
  signal?: AbortSignal,
): Promise<number> {
  if (watched.size === 0 || limits.calls <= 0) return 0;
  const size = (o: RemoteObject) => session.callOnValue<number>(o.objectId as string, SIZE, []);
  const open = new Map<LeakFinding, GrowthCheck>();
  for (const [f, o] of watched) open.set(f, { sizes: [{ call: firstCall, size: await size(o) }], outcome: 'grows' });
  const started = performance.now();
  let done = 0;
  let batch = Math.max(2, firstCall);
  while (open.size > 0 && done < limits.calls && performance.now() - started < limits.ms && !signal?.aborted) {
    const count = Math.min(batch, limits.calls - done);
    await runMore(count, count * limits.callTimeoutMs);
    done += count;
    for (const [f, check] of open) {
      const now = await size(watched.get(f) as RemoteObject);
      const before = check.sizes[check.sizes.length - 1].size;
      check.sizes.push({ call: firstCall + done, size: now });
      if (now <= before) {
        check.outcome = 'bounded';
        f.growthCheck = check;
        open.delete(f);
      }
    }
    batch *= 2;
  }
  for (const [f, check] of open) {
    // Still growing at the bound: the leak held in every batch.
    check.outcome = check.sizes.length > 1 ? 'grows' : 'unchecked';
    f.growthCheck = check;
  }
  return done;
}

function argRef(o: RemoteObject | undefined): object {
  return o?.objectId ? { objectId: o.objectId } : {};
}
