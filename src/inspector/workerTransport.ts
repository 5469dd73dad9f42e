/**
 * A CDP connection to one worker_threads worker, carried inside the main thread's session by
 * Node's NodeWorker domain: each message goes out as `NodeWorker.sendMessageToWorker` and comes
 * back as a `NodeWorker.receivedMessageFromWorker` event, both as JSON text. A session over it
 * works like one over a socket, so a worker is profiled with the same code as the main thread.
 */
import { InspectorError } from './errors';
import type { InspectorSession } from './session';
import type { CdpTransport } from './types';

interface PendingCall {
  method: string;
  resolve(result: unknown): void;
  reject(error: InspectorError): void;
  onLate?: (result: unknown) => void;
  timer?: NodeJS.Timeout;
  timedOut: boolean;
}

interface WorkerMessage {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { message?: string; data?: string };
}

export class WorkerTransport implements CdpTransport {
  private nextId = 1;
  private readonly calls = new Map<number, PendingCall>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private readonly closeListeners = new Set<(error: InspectorError) => void>();
  private closedError: InspectorError | undefined;
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly parent: InspectorSession,
    private readonly sessionId: string,
    readonly url: string,
  ) {
    this.unsubscribe = [
      parent.onEvent<{ sessionId: string; message: string }>('NodeWorker.receivedMessageFromWorker', (p) => {
        if (p.sessionId === sessionId) this.receive(p.message);
      }),
      parent.onEvent<{ sessionId: string }>('NodeWorker.detachedFromWorker', (p) => {
        if (p.sessionId === sessionId) this.markClosed('the worker thread exited');
      }),
      parent.onClose((e) => this.markClosed(e.message)),
    ];
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  send<T>(method: string, params: object | undefined, timeoutMs: number, onLate?: (result: T) => void): Promise<T> {
    if (this.closedError) return Promise.reject(closedDuring(method, this.closedError));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const call: PendingCall = {
        method,
        resolve: resolve as (result: unknown) => void,
        reject,
        onLate: onLate as ((result: unknown) => void) | undefined,
        timedOut: false,
      };
      if (timeoutMs > 0) {
        call.timer = setTimeout(() => {
          call.timedOut = true;
          reject(new InspectorError(`${method} did not answer within ${timeoutMs} ms`, 'TIMEOUT'));
        }, timeoutMs);
      }
      this.calls.set(id, call);
      const message = JSON.stringify({ id, method, params: params ?? {} });
      this.parent.call('NodeWorker.sendMessageToWorker', { sessionId: this.sessionId, message }, 0).catch((e: unknown) => {
        this.settle(id);
        if (!call.timedOut) reject(e instanceof InspectorError ? e : new InspectorError(String(e), 'PROTOCOL'));
      });
    });
  }

  on<P>(event: string, listener: (params: P) => void): () => void {
    const l = listener as (params: unknown) => void;
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }

  onClose(listener: (error: InspectorError) => void): () => void {
    if (this.closedError) {
      const e = this.closedError;
      queueMicrotask(() => listener(e));
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  setReadingPaused(): void {
    // The worker's messages share the main thread's socket; pausing it would stop both.
  }

  /** Detaches from the worker; the worker runs on as before. */
  async close(): Promise<void> {
    if (this.closedError) return;
    this.markClosed('closed by Leak Lens');
    await this.parent.call('NodeWorker.detach', { sessionId: this.sessionId }, 1500).catch(() => undefined);
  }

  private receive(text: string): void {
    let message: WorkerMessage;
    try {
      message = JSON.parse(text) as WorkerMessage;
    } catch {
      return; // Not a protocol message: nothing waits for it.
    }
    if (typeof message.id === 'number') {
      const call = this.settle(message.id);
      if (!call) return;
      if (message.error) {
        const data = message.error.data ? ` (${message.error.data})` : '';
        const error = new InspectorError(`${call.method} failed: ${message.error.message ?? 'unknown error'}${data}`, 'PROTOCOL');
        if (/Execution context was destroyed/i.test(message.error.message ?? '')) this.markClosed('the worker thread is exiting');
        if (!call.timedOut) call.reject(error);
      } else if (call.timedOut) {
        try {
          call.onLate?.(message.result);
        } catch {
          // Best effort: a late answer's cleanup.
        }
      } else {
        call.resolve(message.result);
      }
    } else if (typeof message.method === 'string') {
      for (const l of [...(this.listeners.get(message.method) ?? [])]) l(message.params);
    }
  }

  private settle(id: number): PendingCall | undefined {
    const call = this.calls.get(id);
    if (!call) return undefined;
    this.calls.delete(id);
    clearTimeout(call.timer);
    return call;
  }

  private markClosed(reason: string): void {
    if (this.closedError) return;
    const error = new InspectorError(reason, 'CLOSED');
    this.closedError = error;
    for (const off of this.unsubscribe) off();
    for (const [id, call] of [...this.calls]) {
      this.settle(id);
      if (!call.timedOut) call.reject(closedDuring(call.method, error));
    }
    for (const l of [...this.closeListeners]) {
      try {
        l(error);
      } catch {
        // A listener's failure must not stop the others.
      }
    }
    this.closeListeners.clear();
  }
}

function closedDuring(method: string, cause: InspectorError): InspectorError {
  return new InspectorError(`connection to the worker closed during ${method}: ${cause.message}`, 'CLOSED', { cause });
}
