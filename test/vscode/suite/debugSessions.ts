/** Starting a program under the real js-debug in the suite's VS Code. */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';

/** Launches `program` with pwa-node; resolves with js-debug's child session (the one with a CDP proxy). */
export async function startSession(program: string, args: string[] = []): Promise<vscode.DebugSession> {
  const child = new Promise<vscode.DebugSession>((resolve) => {
    const sub = vscode.debug.onDidStartDebugSession((s) => {
      if (s.configuration.__pendingTargetId) {
        sub.dispose();
        resolve(s);
      }
    });
  });
  const ok = await vscode.debug.startDebugging(undefined, { type: 'pwa-node', request: 'launch', name: path.basename(program), program, args });
  assert.ok(ok, 'debugging started');
  return child;
}
