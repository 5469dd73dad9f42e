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
  /** An endpoint instead of a function: each call is this HTTP request. */
  endpoint?: EndpointRequest;
}

export interface Target {
  connect(): Promise<InspectorSession>;
  description: string;
  kind: LeakReport['target']['kind'];
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

  constructor(
    private readonly sessions: DebugSessions,
    private readonly output: vscode.OutputChannel,
    private readonly onReport: (report: LeakReport, request: ProfileRequest) => void,
  ) {}

  async profile(request: ProfileRequest): Promise<LeakReport | undefined> {
    if (this.running) {
      void vscode.window.showWarningMessage('Leak Lens: a profile run is already in progress.');
      return undefined;
    }
    const target = await this.chooseTarget(request);
    if (!target) return undefined;
    this.running = true;
    const label = request.endpoint ? requestName(request.endpoint) : request.name ?? request.expression ?? `${path.basename(request.file ?? '')}:${request.line}`;
    this.output.appendLine(`[${new Date().toISOString()}] profiling ${label} in ${target.description}`);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Leak Lens: profiling ${label}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
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
            this.onReport(report, request);
            return report;
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
    }
  }

  /** A session to profile in: the given one, the only one, one picked, or a new one. */
  async chooseTarget(request: ProfileRequest): Promise<Target | undefined> {
    if (request.address) return this.addressTarget(request.address);
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
      connect: () => connectInspector(target, { allowRemote: allowRemoteInspector() }),
    };
  }

  async launchTarget(file: string): Promise<Target | undefined> {
    const before = new Set(this.sessions.concrete.map((s) => s.id));
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
    const started = await vscode.debug.startDebugging(folder, {
      type: 'pwa-node',
      request: 'launch',
      name: `Leak Lens: ${path.basename(file)}`,
      program: file,
    });
    if (!started) throw new Error(`Could not start a debug session for ${file}`);
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

export async function askInspectorAddress(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Leak Lens: attach to inspector',
    prompt: 'host:port of a process started with --inspect, or its ws:// URL',
    placeHolder: '127.0.0.1:9229',
    validateInput: (v) =>
      /^(ws:\/\/\S+|\[?[\w.:-]+\]?:\d+|\d+)$/.test(v.trim()) ? undefined : 'Give host:port (e.g. 127.0.0.1:9229) or a ws:// URL',
  });
}
