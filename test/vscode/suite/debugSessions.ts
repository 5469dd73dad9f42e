/** Starting a program under the real js-debug in the suite's VS Code, and the suites' shared helpers. */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LeakLensApi } from '../../../src/vscode/extension';

/** Launches `program` with pwa-node (and `extra` launch settings, e.g. runtimeArgs); resolves with js-debug's child session (the one with a CDP proxy). */
export async function startSession(program: string, extra: Record<string, unknown> = {}): Promise<vscode.DebugSession> {
  const child = new Promise<vscode.DebugSession>((resolve) => {
    const sub = vscode.debug.onDidStartDebugSession((s) => {
      if (s.configuration.__pendingTargetId) {
        sub.dispose();
        resolve(s);
      }
    });
  });
  const ok = await vscode.debug.startDebugging(undefined, { type: 'pwa-node', request: 'launch', name: path.basename(program), program, ...extra });
  assert.ok(ok, 'debugging started');
  return child;
}

/** The extension, activated: its test API. */
export async function activateLeakLens(): Promise<LeakLensApi> {
  const ext = vscode.extensions.getExtension<LeakLensApi>('leak-lens.leak-lens');
  assert.ok(ext);
  return ext.activate();
}

/** The CodeLenses VS Code shows for a document. */
export async function lensesFor(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
}

/** Polls `probe` every 250 ms until it gives a value. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
