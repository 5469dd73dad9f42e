/**
 * The custom editor for `.heapsnapshot` files (viewType leakLens.heapSnapshot): clicking a
 * snapshot in the explorer opens it here, read by a heap worker, instead of as raw JSON.
 * Each open editor is a SnapshotView; this provider keeps track of them for the commands
 * ("Compare with…" on the active one) and the extension's API.
 */
import * as vscode from 'vscode';
import { SnapshotView } from './snapshotView';

export const SNAPSHOT_VIEW_TYPE = 'leakLens.heapSnapshot';

export class SnapshotEditorProvider implements vscode.CustomReadonlyEditorProvider {
  private readonly views = new Set<SnapshotView>();
  private readonly opened = new vscode.EventEmitter<SnapshotView>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly compareWith: (uri: vscode.Uri) => unknown,
  ) {}

  register(): vscode.Disposable {
    const registration = vscode.window.registerCustomEditorProvider(SNAPSHOT_VIEW_TYPE, this, {
      // The page keeps its table, selection and scroll while its tab is in the background.
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: false,
    });
    return vscode.Disposable.from(registration, this.opened, { dispose: () => this.views.forEach((v) => v.dispose()) });
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const view = new SnapshotView(document.uri, panel, this.extensionUri, this.compareWith);
    this.views.add(view);
    panel.onDidDispose(() => this.views.delete(view));
    this.opened.fire(view);
  }

  /** The editor showing `uri`, waiting up to `timeoutMs` for it to open. */
  viewFor(uri: vscode.Uri, timeoutMs = 30_000): Promise<SnapshotView | undefined> {
    const key = uri.toString();
    const open = [...this.views].find((v) => v.uri.toString() === key);
    if (open) return Promise.resolve(open);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        listener.dispose();
        resolve(undefined);
      }, timeoutMs);
      const listener = this.opened.event((v) => {
        if (v.uri.toString() !== key) return;
        clearTimeout(timer);
        listener.dispose();
        resolve(v);
      });
    });
  }

  /** The file of the active snapshot editor, if one is active. */
  activeUri(): vscode.Uri | undefined {
    return [...this.views].find((v) => v.panel.active)?.uri;
  }
}
