/** The extension's settings (contributes.configuration "leakLens.*"), read when used. */
import * as vscode from 'vscode';
import { isAbsolutePath } from './scriptFiles';
import { DEFAULT_PROFILE_OPTIONS, type ProfileOptions } from '../report/types';

export function profileSettings(): ProfileOptions {
  const c = vscode.workspace.getConfiguration('leakLens');
  const d = DEFAULT_PROFILE_OPTIONS;
  return {
    iterations: c.get<number>('iterations', d.iterations),
    warmup: c.get<number>('warmup', d.warmup),
    callTimeoutMs: c.get<number>('callTimeoutMs', d.callTimeoutMs),
    maxDepth: c.get<number>('maxDepth', d.maxDepth),
    tooMany: c.get<number>('tooMany', d.tooMany),
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
  return base && !isAbsolutePath(raw) ? `${base}/${raw}` : raw;
}
