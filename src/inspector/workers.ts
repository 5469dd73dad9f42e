/**
 * The worker_threads workers of a debuggee, as its inspector sees them (the NodeWorker domain
 * of a bare --inspect). Listing them attaches to each for a moment; `attachToWorkers` gives a
 * session in each. Both leave the debuggee as found: every worker session detached, NodeWorker
 * disabled.
 */
import { InspectorSession } from './session';
import { WorkerTransport } from './workerTransport';

export interface WorkerTarget {
  workerId: string;
  title: string;
  url: string;
}

interface AttachedToWorker {
  sessionId: string;
  workerInfo: { workerId: string; type: string; title: string; url: string };
}

/** One line naming the workers, as inert text (titles and URLs come from the debuggee). */
export function describeWorkers(workers: WorkerTarget[]): string {
  return workers
    .map((w) => `${JSON.stringify(String(w.title).slice(0, 80))} (${String(w.url).slice(0, 200)})`)
    .join(', ');
}

/** Sessions in the debuggee's workers; `release` detaches them all and disables NodeWorker. */
export interface WorkerSessions {
  workers: { target: WorkerTarget; session: InspectorSession }[];
  release(): Promise<void>;
}

/**
 * A session in each worker that exists now (none through a js-debug proxy, which shows workers
 * as debug sessions of their own, or where the domain is not offered).
 */
export async function attachToWorkers(session: InspectorSession, timeoutMs = 1500): Promise<WorkerSessions> {
  const attached: AttachedToWorker[] = [];
  const release = async () => {
    await session.call('NodeWorker.disable', {}, timeoutMs).catch(() => undefined);
  };
  if (session.viaJsDebug) return { workers: [], release: async () => undefined };
  const off = session.onEvent<AttachedToWorker>('NodeWorker.attachedToWorker', (p) => attached.push(p));
  try {
    await session.call('NodeWorker.enable', { waitForDebuggerOnStart: false }, timeoutMs);
    await session.call('Runtime.evaluate', { expression: '0', returnByValue: true, silent: true }, timeoutMs);
  } catch {
    // Older Node or no NodeWorker domain: no workers to offer.
  } finally {
    off();
  }
  const workers = attached.map((w) => ({
    target: { workerId: w.workerInfo.workerId, title: w.workerInfo.title, url: w.workerInfo.url },
    session: new InspectorSession({
      transport: new WorkerTransport(session, w.sessionId, `${session.url} (worker ${w.workerInfo.workerId})`),
      viaJsDebug: false,
      timeoutMs: 30_000,
    }),
  }));
  return {
    workers,
    release: async () => {
      await Promise.all(workers.map((w) => w.session.close().catch(() => undefined)));
      await release();
    },
  };
}
