/** CDP shapes and the options of an inspector session. */
import type { InspectorError } from './errors';

// ---------------------------------------------------------------------------------------------
// CDP shapes (the fields we use)

export interface RemoteObject {
  type: string;
  subtype?: string;
  className?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  objectId?: string;
}

export interface ExceptionDetails {
  exceptionId: number;
  text: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: string;
  url?: string;
  exception?: RemoteObject;
  executionContextId?: number;
}

export interface EvaluateResult {
  result: RemoteObject;
  exceptionDetails?: ExceptionDetails;
}

export interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

// ---------------------------------------------------------------------------------------------
// Transport (implemented in connect.ts)

/**
 * One CDP connection. `send` rejects with InspectorError: TIMEOUT naming the method after
 * `timeoutMs` (0 = no timeout), CLOSED when the connection closes while waiting, PROTOCOL when
 * the inspector answers with an error.
 */
export interface CdpTransport {
  readonly url: string;
  readonly closed: boolean;
  /**
   * `onLate` gets the result of a call that answers successfully after it timed out (the
   * promise was rejected with TIMEOUT already), so objects it created can be released.
   */
  send<T>(method: string, params: object | undefined, timeoutMs: number, onLate?: (result: T) => void): Promise<T>;
  /** Listens to a CDP event; returns the function that stops listening. */
  on<P>(event: string, listener: (params: P) => void): () => void;
  /** Called once when the connection closes (for any reason). */
  onClose(listener: (error: InspectorError) => void): () => void;
  /** Best effort: stop / restart reading from the socket (back-pressure for slow sinks). */
  setReadingPaused(paused: boolean): void;
  close(): Promise<void>;
}

export interface SessionInit {
  transport: CdpTransport;
  /** Connected through a js-debug CDP proxy (a session shared with the VS Code debugger). */
  viaJsDebug: boolean;
  /** Default timeout of every CDP call, ms. */
  timeoutMs: number;
}

// ---------------------------------------------------------------------------------------------
// Options

export interface SnapshotOptions {
  /** Progress while V8 builds the snapshot (`HeapProfiler.reportHeapSnapshotProgress`). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Stops forwarding chunks and rejects with InspectorAbortError. V8 cannot stop a snapshot
   * half-way, so the promise settles once V8 has finished (the rest is discarded): the
   * session is idle again when it rejects.
   */
  signal?: AbortSignal;
  /** Fails when the inspector sends nothing (no progress, no chunk) for this long. */
  idleTimeoutMs?: number;
  /**
   * Chunks (≈100 KB each) waiting for an async sink before we stop reading the socket, so a
   * slow sink doesn't pile the whole snapshot up in memory. Default 16.
   */
  maxQueuedChunks?: number;
  /** Passed to V8: numbers (smis) as nodes. Off by default, like DevTools. */
  captureNumericValue?: boolean;
}

export interface SnapshotStats {
  chunks: number;
  /** Characters of snapshot text forwarded to the sink. */
  chars: number;
  ms: number;
}

export interface CallOptions {
  /** Timeout of this call; default: the session's timeout. */
  timeoutMs?: number;
  /** Name for error messages; default: the function's `name` read from the debuggee. */
  name?: string;
  /** Probe that the debuggee is not paused before calling (default true). */
  checkResponsive?: boolean;
  /** Timeout of that probe, ms (default 2000). */
  responsiveTimeoutMs?: number;
}

export interface EvaluateOptions {
  timeoutMs?: number;
  /** Await a returned promise (default false). */
  awaitPromise?: boolean;
}
