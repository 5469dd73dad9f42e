/**
 * Node debug sessions that can be profiled. js-debug starts a parent session and, per process,
 * a child session (its configuration carries `__pendingTargetId`); only a child answers
 * `requestCDPProxy`, and a parent never does, so every request has a timeout.
 */
import * as vscode from 'vscode';
import type { JsDebugProxyAddress } from '../inspector/connect';

const NODE_DEBUG_TYPES: readonly string[] = ['pwa-node', 'node', 'node-terminal', 'pwa-extensionHost'];
const PROXY_TIMEOUT_MS = 5000;

export class DebugSessions implements vscode.Disposable {
  private readonly sessions = new Map<string, vscode.DebugSession>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    const active = vscode.debug.activeDebugSession;
    if (active) this.add(active);
    this.subscriptions = [
      vscode.debug.onDidStartDebugSession((s) => this.add(s)),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (this.sessions.delete(s.id)) this.changed.fire();
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => s && this.add(s)),
    ];
  }

  /** Sessions attached to one process each (js-debug's children). */
  get concrete(): vscode.DebugSession[] {
    return [...this.sessions.values()].filter((s) => isConcrete(s));
  }

  get any(): boolean {
    return this.sessions.size > 0;
  }

  /** Resolves when a concrete session appears (e.g. right after startDebugging). */
  waitForConcrete(timeoutMs: number, since = new Set(this.concrete.map((s) => s.id))): Promise<vscode.DebugSession> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const fresh = this.concrete.find((s) => !since.has(s.id));
        if (fresh) {
          done();
          resolve(fresh);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`No Node debug session started within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const sub = this.onDidChange(check);
      const done = () => {
        clearTimeout(timer);
        sub.dispose();
      };
      check();
    });
  }

  /** The session (or one of its children) is still running. */
  isRunning(session: vscode.DebugSession): boolean {
    return [...this.sessions.values()].some((s) => s.id === session.id || s.parentSession?.id === session.id);
  }

  /** Resolves when `session` has ended, or after `timeoutMs` (stopping is best effort). */
  waitForEnd(session: vscode.DebugSession, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const sub = vscode.debug.onDidTerminateDebugSession((s) => s.id === session.id && done());
      function done(): void {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  }

  dispose(): void {
    this.changed.dispose();
    for (const d of this.subscriptions) d.dispose();
  }

  private add(s: vscode.DebugSession): void {
    if (!NODE_DEBUG_TYPES.includes(s.type) || this.sessions.has(s.id)) return;
    this.sessions.set(s.id, s);
    this.changed.fire();
  }
}

function isConcrete(s: vscode.DebugSession): boolean {
  return typeof (s.configuration as { __pendingTargetId?: unknown }).__pendingTargetId === 'string';
}

/** Asks js-debug for a CDP endpoint into the session's process. */
export async function requestCdpProxy(session: vscode.DebugSession): Promise<JsDebugProxyAddress> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await Promise.race([
      session.customRequest('requestCDPProxy') as Promise<{ host: string; port: number; path?: string }>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`The debug session "${session.name}" did not provide a CDP proxy (it may not be a Node process)`)),
          PROXY_TIMEOUT_MS,
        );
      }),
    ]);
    if (!reply || typeof reply.port !== 'number') throw new Error(`The debug session "${session.name}" returned no CDP address`);
    return { host: reply.host, port: reply.port, path: reply.path ?? '' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The TCP ports the session's process listens on, read through the debugger (a string comes
 * back, so the debugger keeps no object of ours). Empty when the process cannot say.
 */
const LISTENING_PORTS = `(() => { try { const ports = []; for (const h of process._getActiveHandles()) {
  if (h && h.listening === true && typeof h.address === 'function') { const a = h.address(); if (a && typeof a.port === 'number') ports.push(a.port); } }
  return JSON.stringify(ports); } catch { return '[]'; } })()`;

export async function listeningPorts(session: vscode.DebugSession | undefined): Promise<number[]> {
  if (!session) return [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = (await Promise.race([
      session.customRequest('evaluate', { expression: LISTENING_PORTS, context: 'repl' }),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 2000))),
    ])) as { result?: unknown } | undefined;
    const text = typeof reply?.result === 'string' ? reply.result : '';
    return (text.match(/\d{1,5}/g) ?? []).map(Number).filter((p) => p > 0 && p < 65536);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}
