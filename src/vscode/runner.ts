/**
 * Runs a profile from the editor: finds the process (a js-debug child session, an inspector
 * address, or a new pwa-node session for the current file), shows progress with cancel, logs
 * to the output channel, and hands the report to the views.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { connectInspector, type InspectorTarget } from '../inspector/connect';
import type { InspectorSession } from '../inspector/session';
import { profileFunction, waitUntilStarted, type FunctionSpec } from '../profile/profileFunction';
import { requestName, type EndpointRequest } from '../profile/httpRequest';
import type { LeakReport } from '../report/types';
import { labelText, messageText, oneLine } from './inertText';
import { type DebugSessions, requestCdpProxy } from './sessions';
import { allowRemoteInspector, profileSettings, saveSnapshotsFolder } from './settings';

export interface ProfileRequest extends FunctionSpec {
  /** The document the function is in, for per-function verdicts (CodeLens). */
  uri?: string;
  /** Skip the quick picks: use this session or address. */
  session?: vscode.DebugSession;
  address?: string;
  /** Start this debug configuration again (stopping its old session) and profile in it: a re-run. */
  relaunch?: Relaunch;
  /** An endpoint instead of a function: each call is this HTTP request. */
  endpoint?: EndpointRequest;
}

/** A program the debugger launched, to launch again so that it runs the saved fix. */
export interface Relaunch {
  configuration: vscode.DebugConfiguration;
  folder?: vscode.WorkspaceFolder;
  /** The session that ran it last time (js-debug's parent session), stopped before the new one starts. */
  session?: vscode.DebugSession;
}

export interface Target {
  connect(): Promise<InspectorSession>;
  description: string;
  kind: LeakReport['target']['kind'];
  /** How a re-run reaches the same program: the same address or session, or the same launch again. */
  again: Pick<ProfileRequest, 'address' | 'session' | 'relaunch'>;
}

const PHASES: Record<string, string> = {
  resolve: 'finding the function',
  warmup: 'warm-up call',
  baseline: 'baseline snapshot',
  calls: 'calling',
  target: 'target snapshot',
  final: 'final snapshot',
  analysis: 'analysing',
};

export class ProfileRunner {
  private running = false;
  /** Aborts the run in progress: its progress notification's Cancel, or "Cancel profile run". */
  private abort: AbortController | undefined;

  constructor(
    private readonly sessions: DebugSessions,
    private readonly output: vscode.OutputChannel,
    /** Keeps the report and may add to it (the previous run beside it); what it returns is the run's result. */
    private readonly onReport: (report: LeakReport, request: ProfileRequest, target: Target) => LeakReport,
  ) {}

  async profile(request: ProfileRequest): Promise<LeakReport | undefined> {
    if (this.running) {
      void vscode.window.showWarningMessage('Leak Lens: a profile run is already in progress.');
      return undefined;
    }
    let target: Target | undefined;
    try {
      target = await this.chooseTarget(request);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.output.appendLine(`  failed: ${message}`);
      void vscode.window.showErrorMessage(messageText(`Leak Lens: ${message}`));
      return undefined;
    }
    if (!target) return undefined;
    this.running = true;
    const label = request.endpoint ? requestName(request.endpoint) : request.name ?? request.expression ?? `${path.basename(request.file ?? '')}:${request.line}`;
    this.output.appendLine(`[${new Date().toISOString()}] profiling ${label} in ${target.description}`);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Leak Lens: profiling ${label}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          this.abort = abort;
          token.onCancellationRequested(() => abort.abort());
          void vscode.commands.executeCommand('setContext', 'leakLens.profiling', true);
          const options = profileSettings();
          let lastMessage = '';
          const session = await target.connect();
          try {
            const report = await profileFunction(session, request.endpoint ? { request: request.endpoint } : request, options, {
              signal: abort.signal,
              targetKind: target.kind,
              targetDescription: target.description,
              // js-debug does not keep HeapProfiler on by itself: disable it again, as found.
              leaveHeapProfilerEnabled: false,
              saveSnapshotsDir: saveSnapshotsFolder(),
              // A program launched a moment ago may still be loading its main module.
              resolveRetryMs: target.kind === 'launch' ? 10_000 : 2_000,
              onProgress: (phase, done, total) => {
                const [name] = phase.split(':');
                const text = PHASES[name];
                if (!text) return;
                const count = name === 'calls' && done && total ? ` ${done}/${total}` : '';
                const percent = (name === 'baseline' || name === 'target' || name === 'final') && done && total ? ` ${Math.floor((done / total) * 100)}%` : '';
                const message = `${text}${count}${percent}`;
                if (message !== lastMessage) {
                  lastMessage = message;
                  progress.report({ message });
                }
              },
            });
            this.output.appendLine(`  ${oneLine(report.summary)}`);
            this.output.appendLine(
              `  timings: snapshots ${report.timings.snapshotMs} ms, analysis ${report.timings.analysisMs} ms, total ${report.timings.totalMs} ms`,
            );
            return this.onReport(report, request, target);
          } finally {
            await session.close().catch(() => undefined);
          }
        },
      );
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.output.appendLine(`  failed: ${message}`);
      const stack = (e as { remoteStack?: string }).remoteStack;
      if (stack) this.output.appendLine(stack);
      if ((e as Error).name === 'AbortError') void vscode.window.showInformationMessage('Leak Lens: profile run cancelled.');
      else void vscode.window.showErrorMessage(messageText(`Leak Lens: ${message}`));
      return undefined;
    } finally {
      this.running = false;
      this.abort = undefined;
      void vscode.commands.executeCommand('setContext', 'leakLens.profiling', false);
    }
  }

  /**
   * Cancels the run in progress: the debuggee makes no further call, tracking stops and
   * HeapProfiler is left as found (profileFunction's cleanup). False when nothing runs.
   */
  cancel(): boolean {
    if (!this.abort || this.abort.signal.aborted) return false;
    this.abort.abort();
    return true;
  }

  /** A session to profile in: the given one, the only one, one picked, or a new one. */
  async chooseTarget(request: ProfileRequest): Promise<Target | undefined> {
    if (request.address) return this.addressTarget(request.address);
    if (request.relaunch) return this.relaunchTarget(request.relaunch);
    if (request.session) return this.sessionTarget(request.session);
    const concrete = this.sessions.concrete;
    if (concrete.length === 1) return this.sessionTarget(concrete[0]);
    if (concrete.length > 1) {
      const pick = await vscode.window.showQuickPick(
        concrete.map((s) => ({ label: labelText(s.name), description: labelText(s.type), session: s })),
        { placeHolder: 'Several processes are being debugged: profile in which one?' },
      );
      return pick ? this.sessionTarget(pick.session) : undefined;
    }
    const file = request.file ?? vscode.window.activeTextEditor?.document.uri.fsPath;
    const choices: (vscode.QuickPickItem & { id: string })[] = [];
    if (file && /\.[cm]?[jt]sx?$/.test(file)) {
      choices.push({ id: 'launch', label: `$(debug-start) Launch ${labelText(path.basename(file))} and profile`, detail: 'Starts a Node debug session for this file' });
    }
    choices.push({ id: 'attach', label: '$(plug) Attach to inspector…', detail: 'A process started with node --inspect (host:port or ws:// URL)' });
    const pick = await vscode.window.showQuickPick(choices, { placeHolder: 'No Node debug session is running' });
    if (!pick) return undefined;
    if (pick.id === 'attach') {
      const address = await askInspectorAddress();
      return address ? this.addressTarget(address) : undefined;
    }
    return this.launchTarget(file as string);
  }

  sessionTarget(session: vscode.DebugSession): Target {
    return {
      description: `debug session "${session.name}"`,
      kind: 'attach',
      again: againInSession(session),
      connect: async () => {
        const connected = await connectInspector(await requestCdpProxy(session), { allowRemote: allowRemoteInspector() });
        // A session that has just started may not have run its main script yet. (A paused
        // program does not answer this; the run then stops with a clear "paused" error.)
        await waitUntilStarted(connected, 5000).catch(() => undefined);
        return connected;
      },
    };
  }

  addressTarget(address: string): Target {
    const target: InspectorTarget = address.trim();
    return {
      description: `inspector at ${address}`,
      kind: 'attach',
      again: { address },
      connect: () => connectInspector(target, { allowRemote: allowRemoteInspector() }),
    };
  }

  async launchTarget(file: string): Promise<Target | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
    const configuration = { type: 'pwa-node', request: 'launch', name: `Leak Lens: ${path.basename(file)}`, program: file };
    return this.startTarget(folder, configuration, `Could not start a debug session for ${file}`);
  }

  /**
   * A re-run of a launched program: its old process runs the code from before the fix, so the
   * session is stopped and its configuration started again.
   */
  async relaunchTarget(relaunch: Relaunch): Promise<Target> {
    if (relaunch.session && this.sessions.isRunning(relaunch.session)) {
      const ended = this.sessions.waitForEnd(relaunch.session, 10_000);
      await vscode.debug.stopDebugging(relaunch.session);
      await ended;
    }
    const name = String(relaunch.configuration.name ?? relaunch.configuration.program ?? 'the program');
    return this.startTarget(relaunch.folder, relaunch.configuration, `Could not start the debug session "${name}" again`);
  }

  private async startTarget(folder: vscode.WorkspaceFolder | undefined, configuration: vscode.DebugConfiguration, failure: string): Promise<Target> {
    const before = new Set(this.sessions.concrete.map((s) => s.id));
    const started = await vscode.debug.startDebugging(folder, configuration);
    if (!started) throw new Error(failure);
    const session = await this.sessions.waitForConcrete(30_000, before);
    const target = this.sessionTarget(session);
    return {
      ...target,
      kind: 'launch',
      // The program may not have run its top level yet when the session appears.
      connect: async () => {
        const connected = await target.connect();
        try {
          await waitUntilStarted(connected);
          return connected;
        } catch (e) {
          // The program never got going (paused on entry, exited): undo what we started.
          await connected.close().catch(() => undefined);
          await vscode.debug.stopDebugging(session);
          throw e;
        }
      },
    };
  }
}

/**
 * How a re-run reaches the program of `session`: a program the debugger launched is launched
 * again (the running one has the old code), one it attached to is profiled in the same session.
 */
function againInSession(session: vscode.DebugSession): Target['again'] {
  let root = session;
  while (root.parentSession) root = root.parentSession;
  if (root.configuration.request !== 'launch') return { session };
  // js-debug adds its own "__" keys when it resolves a configuration; it adds them again.
  const configuration = Object.fromEntries(Object.entries(root.configuration).filter(([k]) => !k.startsWith('__'))) as vscode.DebugConfiguration;
  return { relaunch: { configuration, folder: root.workspaceFolder, session: root } };
}

export async function askInspectorAddress(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Leak Lens: attach to inspector',
    prompt: 'host:port of a process started with --inspect, or its ws:// URL',
    placeHolder: '127.0.0.1:9229',
    validateInput: (v) =>
      /^(ws:\/\/\S+|\[?[\w.:-]+\]?:\d+|\d+)$/.test(v.trim()) ? undefined : 'Give host:port (e.g. 127.0.0.1:9229) or a ws:// URL',
  });
}
