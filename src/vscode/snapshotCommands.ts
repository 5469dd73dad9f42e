/**
 * "Open heap snapshot" (the snapshot editor), "Compare heap snapshots" and the editor's
 * "Compare with…" (what the second adds, as a leak report). The heap worker reads the files,
 * so the extension host never blocks.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diffSnapshotFiles } from '../profile/diffSnapshots';
import type { LeakReport } from '../report/types';
import { SNAPSHOT_VIEW_TYPE, type SnapshotEditorProvider } from './snapshotEditor';
import type { LoadedSnapshot } from './snapshotView';
import { profileSettings } from './settings';

const FILTERS = { 'Heap snapshots': ['heapsnapshot'] };

/**
 * Opens a snapshot (the given file, or one the user picks) in the snapshot editor, as a click
 * in the explorer does. Resolves with its totals and classes once the worker has read it, or
 * undefined when no file was picked or the reading was cancelled or failed (the editor says why).
 */
export async function openSnapshot(editors: SnapshotEditorProvider, given?: vscode.Uri): Promise<LoadedSnapshot | undefined> {
  const [file] = given ? [given] : ((await vscode.window.showOpenDialog({ filters: FILTERS, canSelectMany: false, title: 'Open heap snapshot' })) ?? []);
  if (!file) return undefined;
  await vscode.commands.executeCommand('vscode.openWith', file, SNAPSHOT_VIEW_TYPE);
  const view = await editors.viewFor(file);
  return view?.settled();
}

/**
 * "Compare with…" in the snapshot editor's title bar: the open snapshot is the baseline (before),
 * the picked one the target (after); the comparison runs as "Compare heap snapshots" does.
 */
export async function compareWith(baseline: vscode.Uri | undefined, givenTarget?: vscode.Uri): Promise<LeakReport | undefined> {
  if (!baseline) {
    void vscode.window.showInformationMessage('Leak Lens: open a heap snapshot first, then compare it with another.');
    return undefined;
  }
  const target =
    givenTarget ??
    (
      await vscode.window.showOpenDialog({
        filters: FILTERS,
        canSelectMany: false,
        defaultUri: vscode.Uri.joinPath(baseline, '..'),
        title: `Compare ${path.basename(baseline.fsPath)} with a snapshot taken later`,
      })
    )?.[0];
  if (!target) return undefined;
  return vscode.commands.executeCommand<LeakReport | undefined>('leakLens.compareHeapSnapshots', baseline, target);
}

export async function compareSnapshots(givenBaseline?: vscode.Uri, givenTarget?: vscode.Uri): Promise<LeakReport | undefined> {
  const pickOne = async (title: string) => (await vscode.window.showOpenDialog({ filters: FILTERS, canSelectMany: false, title }))?.[0];
  const baseline = givenBaseline ?? (await pickOne('Baseline heap snapshot (before)'));
  if (!baseline) return undefined;
  const target = givenTarget ?? (await pickOne('Target heap snapshot (after)'));
  if (!target) return undefined;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Leak Lens: comparing snapshots', cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return diffSnapshotFiles({ baseline: baseline.fsPath, target: target.fsPath }, profileSettings(), {
        signal: abort.signal,
        onProgress: (phase, bytes, total) =>
          progress.report({ message: bytes !== undefined && total ? `${phase} ${Math.floor((bytes / total) * 100)}%` : phase }),
      }).catch((e: Error) => {
        if (e.name === 'AbortError') return undefined;
        throw e;
      });
    },
  );
}
