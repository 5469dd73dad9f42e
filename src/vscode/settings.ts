/** The extension's settings (contributes.configuration "leakLens.*"), read when used. */
import * as vscode from 'vscode';
import type { ProfileOptions } from '../profile/report';

export function profileSettings(): ProfileOptions {
  const c = vscode.workspace.getConfiguration('leakLens');
  return {
    iterations: c.get<number>('iterations', 7),
    warmup: c.get<number>('warmup', 1),
    callTimeoutMs: c.get<number>('callTimeoutMs', 30_000),
    maxDepth: c.get<number>('maxDepth', 10),
    tooMany: c.get<number>('tooMany', 3),
  };
}

export function codeLensEnabled(): boolean {
  return vscode.workspace.getConfiguration('leakLens').get<boolean>('codeLens.enabled', true);
}

export function allowRemoteInspector(): boolean {
  return vscode.workspace.getConfiguration('leakLens').get<boolean>('allowRemoteInspector', false);
}

/** Folder for saved snapshots, resolved against the first workspace folder; undefined = don't save. */
export function saveSnapshotsFolder(): string | undefined {
  const raw = vscode.workspace.getConfiguration('leakLens').get<string>('saveSnapshotsFolder', '').trim();
  if (!raw) return undefined;
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return base && !raw.startsWith('/') && !/^[a-z]:[\\/]/i.test(raw) ? `${base}/${raw}` : raw;
}
