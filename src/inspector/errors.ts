/** The errors of an inspector session: each says what happened in words a user can act on. */
import type { ExceptionDetails } from './types';

// ---------------------------------------------------------------------------------------------
// Errors

export type InspectorErrorCode =
  /** The target host is not loopback and remote hosts were not allowed. */
  | 'REMOTE_NOT_ALLOWED'
  /** The target could not be understood (not a ws URL, host:port or {host, port, path}). */
  | 'BAD_TARGET'
  /** No WebSocket connection could be made, or /json/list had no usable target. */
  | 'CONNECT_FAILED'
  /** A CDP method (or a called function) did not answer in time. */
  | 'TIMEOUT'
  /** The connection closed (debuggee exited, inspector went away, or close() was called). */
  | 'CLOSED'
  /** The inspector answered with an error. */
  | 'PROTOCOL'
  /** The debuggee is paused (breakpoint, `debugger` statement, step). */
  | 'PAUSED'
  /** The debuggee answers protocol messages but does not run its microtasks / event loop. */
  | 'NOT_RESPONDING'
  /** Evaluated code or a called function threw (or its promise rejected). */
  | 'THREW'
  /** A heap object id no longer maps to a live object. */
  | 'NOT_AVAILABLE'
  /** The operation was cancelled through its AbortSignal. */
  | 'ABORTED'
  /** Another snapshot is being taken on this session. */
  | 'BUSY';

export class InspectorError extends Error {
  override name = 'InspectorError';
  constructor(
    message: string,
    readonly code: InspectorErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Code in the debuggee threw; carries the CDP exception details and the remote stack. */
export class DebuggeeThrewError extends InspectorError {
  override name = 'DebuggeeThrewError';
  /** `exceptionDetails.exception.description`: for Error objects, "Name: message\n    at …". */
  readonly remoteStack: string | undefined;
  constructor(
    message: string,
    readonly exceptionDetails: ExceptionDetails,
  ) {
    super(message, 'THREW');
    this.remoteStack = exceptionDetails.exception?.description;
  }
}

/** Cancellation through an AbortSignal; `name` is "AbortError" like DOM and Node aborts. */
export class InspectorAbortError extends InspectorError {
  override name = 'AbortError';
  constructor(message = 'the operation was cancelled') {
    super(message, 'ABORTED');
  }
}

export function pausedError(): InspectorError {
  return new InspectorError('the debuggee is paused (at a breakpoint or a `debugger` statement); resume it first', 'PAUSED');
}

export function threw(what: string, details: ExceptionDetails): DebuggeeThrewError {
  const ex = details.exception;
  let summary: string;
  if (ex?.description) summary = ex.description.split('\n')[0];
  else if (ex && 'value' in ex) summary = `${typeof ex.value === 'string' ? JSON.stringify(ex.value) : String(ex.value)}`;
  else if (ex?.unserializableValue) summary = ex.unserializableValue;
  else summary = details.text;
  const rejected = /in promise/i.test(details.text);
  return new DebuggeeThrewError(`${what} ${rejected ? 'rejected with' : 'threw'} ${summary}`, details);
}

export function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 57)}…` : one;
}
