/**
 * The worker_threads workers of a debuggee, as its inspector sees them (the NodeWorker domain
 * of a bare --inspect). Listing them attaches to each for a moment and leaves the debuggee as
 * found: every worker session detached, NodeWorker disabled.
 */
import type { InspectorSession } from './session';

export interface WorkerTarget {
  workerId: string;
  title: string;
  url: string;
}

interface AttachedToWorker {
  sessionId: string;
  workerInfo: { workerId: string; type: string; title: string; url: string };
}

/**
 * The workers that exist now. Empty where the domain is not offered (a js-debug proxy shows
 * workers as child debug sessions instead) or on any protocol failure: this only adds to errors.
 */
export async function listWorkers(session: InspectorSession, timeoutMs = 1500): Promise<WorkerTarget[]> {
  if (session.viaJsDebug) return [];
  const attached: AttachedToWorker[] = [];
  const off = session.onEvent<AttachedToWorker>('NodeWorker.attachedToWorker', (p) => attached.push(p));
  try {
    // Existing workers are announced right after enable; a round trip lets the events arrive.
    await session.call('NodeWorker.enable', { waitForDebuggerOnStart: false }, timeoutMs);
    await session.call('Runtime.evaluate', { expression: '0', returnByValue: true, silent: true }, timeoutMs);
  } catch {
    // Older Node or no NodeWorker domain: nothing to list.
  } finally {
    off();
    await Promise.all(attached.map((w) => session.call('NodeWorker.detach', { sessionId: w.sessionId }, timeoutMs).catch(() => undefined)));
    await session.call('NodeWorker.disable', {}, timeoutMs).catch(() => undefined);
  }
  return attached.map((w) => ({ workerId: w.workerInfo.workerId, title: w.workerInfo.title, url: w.workerInfo.url }));
}

/** One line naming the workers, as inert text (titles and URLs come from the debuggee). */
export function describeWorkers(workers: WorkerTarget[]): string {
  return workers
    .map((w) => `${JSON.stringify(String(w.title).slice(0, 80))} (${String(w.url).slice(0, 200)})`)
    .join(', ');
}
