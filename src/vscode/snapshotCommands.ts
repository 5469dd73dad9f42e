/**
 * "Open heap snapshot" (summary, classes, retainers of a chosen object) and "Compare heap
 * snapshots" (what the second adds, as a leak report). The heap worker reads the files, so
 * the extension host never blocks.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diffSnapshotFiles } from '../profile/diffSnapshots';
import type { HeapSummary } from '../worker/protocol';
import type { LeakReport } from '../report/types';
import { loadFileInWorker, type HeapWorker } from '../worker/client';
import { oneLine } from './inertText';
import { classPick, kb, objectPick, retainerPick, retainersTitle } from './labels';
import { profileSettings } from './settings';

const FILTERS = { 'Heap snapshots': ['heapsnapshot'] };

/**
 * Reads a snapshot in the worker, prints its summary to the output channel and offers its
 * classes and largest objects in a quick pick; picking an object walks up its retainers.
 * Resolves with the summary once it is shown (the quick pick stays open on its own), or
 * undefined when no file was picked or the reading was cancelled.
 */
export async function openSnapshot(output: vscode.OutputChannel, given?: vscode.Uri): Promise<HeapSummary | undefined> {
  const [file] = given ? [given] : ((await vscode.window.showOpenDialog({ filters: FILTERS, canSelectMany: false, title: 'Open heap snapshot' })) ?? []);
  if (!file) return undefined;
  const loaded = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Leak Lens: reading ${path.basename(file.fsPath)}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      let last = -1;
      const report = (phase: string, bytes: number, total: number) => {
        const percent = Math.floor((bytes / total) * 100);
        if (phase === 'parse' && percent !== last) {
          last = percent;
          progress.report({ message: `${percent}%` });
        } else if (phase !== 'parse') progress.report({ message: phase });
      };
      return loadFileInWorker(file.fsPath, report, abort.signal).catch((e: Error) => {
        if (e.name === 'AbortError') return undefined;
        throw e;
      });
    },
  );
  if (!loaded) return undefined;
  const { worker } = loaded;
  let summary: HeapSummary;
  try {
    summary = await worker.summary(40);
  } catch (e) {
    await worker.dispose();
    throw e;
  }
  browseSnapshot(worker, summary, file, output).catch((e: Error) =>
    vscode.window.showErrorMessage(`Leak Lens: ${e.message}`),
  );
  return summary;
}

async function browseSnapshot(worker: HeapWorker, summary: HeapSummary, file: vscode.Uri, output: vscode.OutputChannel): Promise<void> {
  try {
    output.appendLine(`Heap snapshot ${file.fsPath}`);
    output.appendLine(`  ${summary.nodeCount} nodes, ${summary.edgeCount} edges, total ${kb(summary.totalSize)}, reachable ${kb(summary.reachableSize)}`);
    for (const c of summary.classes) output.appendLine(`  ${kb(c.retainedSize).padStart(12)} retained  ${String(c.count).padStart(8)} × ${oneLine(c.name)}`);
    output.show(true);
    type Item = vscode.QuickPickItem & { id?: number };
    const items: Item[] = [
      { label: 'Classes by retained size', kind: vscode.QuickPickItemKind.Separator },
      ...summary.classes.map(classPick),
      { label: 'Objects by retained size', kind: vscode.QuickPickItemKind.Separator },
      ...summary.topObjects.map(objectPick),
    ];
    let pick = await vscode.window.showQuickPick(items, { title: `${path.basename(file.fsPath)}: pick an object to see its retainers`, matchOnDetail: true });
    // Walk up the retainers, one object at a time, like DevTools' Retainers pane.
    while (pick?.id !== undefined) pick = await showRetainers(worker, pick.id);
  } finally {
    await worker.dispose();
  }
}

async function showRetainers(worker: HeapWorker, id: number): Promise<(vscode.QuickPickItem & { id?: number }) | undefined> {
  const node = await worker.node(id, 100);
  if (!node) return undefined;
  return vscode.window.showQuickPick(node.retainers.map(retainerPick), { title: retainersTitle(node), matchOnDetail: true });
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
