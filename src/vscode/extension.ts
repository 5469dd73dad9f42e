/**
 * Extension entry point. The views (sessions, commands, CodeLens, panel) are added on top of
 * the engine in src/heap, src/worker and src/profile; activation stays cheap: nothing here
 * loads the heap engine until a command needs it.
 */
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Intentionally empty for now: no command is contributed yet.
}

export function deactivate(): void {}
