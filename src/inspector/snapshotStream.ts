/**
 * Streaming one heap snapshot from CDP to a sink: each `HeapProfiler.addHeapSnapshotChunk` is
 * handed on as it arrives (nothing is accumulated here). An async sink is awaited chunk by
 * chunk in order; when too many chunks wait for it, reading from the socket pauses. Resolves
 * after V8 finished and the sink consumed the last chunk.
 */
import { InspectorAbortError, InspectorError } from './errors';
import type { CdpTransport, SnapshotOptions, SnapshotStats } from './types';

export async function streamSnapshot(
  transport: CdpTransport,
  sink: (chunk: string) => void | Promise<void>,
  options: SnapshotOptions,
  idleMs: number,
  start: () => Promise<unknown>,
): Promise<SnapshotStats> {
  const { signal } = options;
  const started = Date.now();
  const highWater = Math.max(1, options.maxQueuedChunks ?? 16);
  const stats: SnapshotStats = { chunks: 0, chars: 0, ms: 0 };
  const offs: (() => void)[] = [];
  let idleTimer: NodeJS.Timeout | undefined;
  let readingPaused = false;
  let finished = false;
  const setPaused = (p: boolean) => {
    if (p !== readingPaused) transport.setReadingPaused((readingPaused = p));
  };
  try {
    let stopped: InspectorError | undefined; // abort or idle timeout: stop forwarding
    let sinkError: unknown;
    let queue: Promise<void> = Promise.resolve();
    let queued = 0;
    let failIdle: (e: InspectorError) => void = () => undefined;
    const idle = new Promise<never>((_, reject) => (failIdle = reject));
    idle.catch(() => undefined);
    const touch = () => {
      if (idleTimer) clearTimeout(idleTimer);
      if (idleMs > 0 && !finished) {
        idleTimer = setTimeout(() => {
          stopped ??= new InspectorError(
            `HeapProfiler.takeHeapSnapshot: the inspector sent nothing for ${idleMs} ms`,
            'TIMEOUT',
          );
          failIdle(stopped);
        }, idleMs);
      }
    };

    offs.push(
      transport.on<{ chunk: string }>('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
        touch();
        if (stopped || sinkError !== undefined) return;
        stats.chunks++;
        stats.chars += chunk.length;
        queued++;
        if (queued > highWater) setPaused(true);
        queue = queue
          .then(() => (stopped || sinkError !== undefined ? undefined : sink(chunk)))
          .catch((e: unknown) => {
            sinkError ??= e ?? new Error('the snapshot sink failed');
          })
          .finally(() => {
            queued--;
            touch();
            if (queued <= highWater >> 1) setPaused(false);
          });
      }),
      transport.on<{ done: number; total: number }>('HeapProfiler.reportHeapSnapshotProgress', (p) => {
        touch();
        if (!stopped) options.onProgress?.(p.done, p.total);
      }),
    );
    const onAbort = () => {
      stopped ??= new InspectorAbortError('the heap snapshot was cancelled');
      setPaused(false); // Drain the rest quickly; chunks are dropped from now on.
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    offs.push(() => signal?.removeEventListener('abort', onAbort));

    touch();
    const call = start();
    call.catch(() => undefined); // Awaited below; a late failure after a timeout is not unhandled.
    // The reply follows the last chunk on the same socket, so once it is here every chunk
    // has been handed to the queue.
    await Promise.race([call, idle]);
    await Promise.race([queue, idle]);
    if (stopped) throw stopped;
    if (sinkError !== undefined) throw sinkError;
    stats.ms = Date.now() - started;
    return stats;
  } finally {
    finished = true;
    if (idleTimer) clearTimeout(idleTimer);
    for (const off of offs) off();
    setPaused(false);
  }
}
