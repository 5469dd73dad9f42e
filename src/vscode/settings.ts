/** The extension's settings (contributes.configuration "leakLens.*"), read when used. */
import * as vscode from 'vscode';
import { messageText } from './inertText';
import { isAbsolutePath } from './scriptFiles';
import { clampProfileOptions } from './settingRanges';
import { DEFAULT_PROFILE_OPTIONS, type ProfileOptions } from '../report/types';

/** Warnings already shown this session, so a bad value is reported once, not on every run. */
const warned = new Set<string>();

/**
 * The profile settings, each clamped to its range (settingRanges.ts): a workspace's
 * settings.json is not validated when read. An out-of-range or non-numeric value gives a
 * warning naming the setting.
 */
export function profileSettings(): ProfileOptions {
  const c = vscode.workspace.getConfiguration('leakLens');
  const { options, warnings } = clampProfileOptions((name) => c.get<unknown>(name), DEFAULT_PROFILE_OPTIONS);
  for (const warning of warnings) {
    if (warned.has(warning)) continue;
    warned.add(warning);
    void vscode.window.showWarningMessage(messageText(`Leak Lens: ${warning}`));
  }
  return options;
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
