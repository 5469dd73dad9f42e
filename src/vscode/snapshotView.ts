/**
 * One heap snapshot editor: reads its file in a heap worker (never on the extension host's
 * thread), tells the page the progress, then the totals and classes, and answers the page's
 * questions (a class's largest objects, an object's path from a GC root) from that worker.
 * Cancel aborts the worker's load; closing the editor ends the worker.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HeapSnapshotError, loadFileInWorker, type HeapWorker } from '../worker/client';
import { makeNonce } from '../report/page';
import { SNAPSHOT_SCRIPT_PATH, SNAPSHOT_STYLE_PATHS, snapshotPageHtml } from '../report/snapshotPage';
import {
  isSnapshotPageMessage,
  type SnapshotClass,
  type SnapshotHostMessage,
  type SnapshotPageMessage,
  type SnapshotPageView,
  type SnapshotTotals,
} from '../report/snapshotProtocol';
import { messageText } from './inertText';

/** Classes sent to the page: more than anyone scrolls through, few enough to post at once. */
const CLASS_LIMIT = 5000;
const OBJECTS_PER_CLASS = 20;

export type SnapshotStatus = 'loading' | 'loaded' | 'cancelled' | 'error';

export interface LoadedSnapshot extends SnapshotTotals {
  classes: SnapshotClass[];
}

export class SnapshotView {
  status: SnapshotStatus = 'loading';
  private worker: HeapWorker | null = null;
  private abort: AbortController | null = null;
  private loading: Promise<LoadedSnapshot | undefined> = Promise.resolve(undefined);
  /** The message that puts the page in its current state; sent again when the page (re)loads. */
  private state: SnapshotHostMessage;
  private disposed = false;
  /** The page's own account of what it shows, by view (its text): what tests read back. */
  readonly shown = new Map<SnapshotPageView, string>();
  private readonly shownEvents = new vscode.EventEmitter<SnapshotPageView>();
  readonly onDidShow = this.shownEvents.event;
  private readonly fileName: string;

  constructor(
    readonly uri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly compareWith: (uri: vscode.Uri) => unknown,
  ) {
    this.fileName = path.basename(uri.fsPath);
    this.state = { type: 'progress', fileName: this.fileName, percent: 0, phase: 'parse' };
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')] };
    const asUri = (p: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, p)).toString();
    webview.html = snapshotPageHtml({ cspSource: webview.cspSource, scriptUri: asUri(SNAPSHOT_SCRIPT_PATH), styleUris: SNAPSHOT_STYLE_PATHS.map(asUri), nonce: makeNonce() });
    webview.onDidReceiveMessage((m: unknown) => isSnapshotPageMessage(m) && this.receive(m));
    panel.onDidDispose(() => this.dispose());
    this.load();
  }

  /** The current (or last) reading: its totals and classes, or undefined when it was cancelled or failed. */
  settled(): Promise<LoadedSnapshot | undefined> {
    return this.loading;
  }

  /** Handles one page message; the extension's API uses it too, as the page's own clicks do. */
  async receive(m: SnapshotPageMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.post(this.state);
      case 'cancel':
        return this.abort?.abort();
      case 'reload':
        if (this.status !== 'loading') this.load();
        return;
      case 'compare':
        await this.compareWith(this.uri);
        return;
      case 'shown':
        this.shown.set(m.view, m.text);
        this.shownEvents.fire(m.view);
        return;
      case 'classObjects':
        return this.ask(async (w) => this.post({ type: 'objects', classId: m.classId, objects: await w.classObjects(m.classId, OBJECTS_PER_CLASS) }));
      case 'path':
        return this.ask(async (w) => {
          const found = await w.rootPath(m.id);
          this.post({ type: 'path', id: m.id, object: found?.object ?? null, path: found?.path ?? null });
        });
    }
  }

  private async ask(query: (worker: HeapWorker) => Promise<void>): Promise<void> {
    if (!this.worker) return;
    try {
      await query(this.worker);
    } catch (e) {
      if (!this.disposed) void vscode.window.showWarningMessage(messageText(`Leak Lens: ${(e as Error).message}`));
    }
  }

  private load(): void {
    const abort = new AbortController();
    this.abort = abort;
    this.status = 'loading';
    this.setState({ type: 'progress', fileName: this.fileName, percent: 0, phase: 'parse' });
    this.loading = this.read(abort.signal);
  }

  private async read(signal: AbortSignal): Promise<LoadedSnapshot | undefined> {
    let lastPercent = 0;
    const onProgress = (phase: string, bytes: number, total: number) => {
      const percent = phase === 'parse' ? Math.min(100, Math.floor((bytes / Math.max(1, total)) * 100)) : null;
      if (percent !== null && percent === lastPercent) return;
      if (percent !== null) lastPercent = percent;
      this.setState({ type: 'progress', fileName: this.fileName, percent, phase });
    };
    try {
      const { worker } = await loadFileInWorker(this.uri.fsPath, onProgress, signal);
      if (this.disposed) {
        await worker.dispose();
        return undefined;
      }
      this.worker = worker;
      const [summary, { classes, total }] = await Promise.all([worker.summary(0), worker.classes(CLASS_LIMIT)]);
      const loaded: LoadedSnapshot = {
        nodeCount: summary.nodeCount,
        edgeCount: summary.edgeCount,
        totalSize: summary.totalSize,
        reachableSize: summary.reachableSize,
        classCount: total,
        classes: classes.map((c) => ({ id: c.id, name: c.name, count: c.count, selfSize: c.selfSize, retainedSize: c.retainedSize })),
      };
      this.status = 'loaded';
      const { classes: rows, ...totals } = loaded;
      this.setState({ type: 'loaded', fileName: this.fileName, totals, classes: rows });
      return loaded;
    } catch (e) {
      if ((e as Error).name === 'AbortError') {
        this.status = 'cancelled';
        this.setState({ type: 'cancelled', fileName: this.fileName });
      } else {
        this.status = 'error';
        this.setState({ type: 'error', message: loadErrorText(this.fileName, e) });
      }
      return undefined;
    }
  }

  private setState(m: SnapshotHostMessage): void {
    this.state = m;
    this.post(m);
  }

  private post(m: SnapshotHostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort?.abort();
    void this.worker?.dispose();
    this.worker = null;
    this.shownEvents.dispose();
  }
}

/** One sentence for the page: what was wrong with the file and what to do. */
export function loadErrorText(fileName: string, e: unknown): string {
  if (e instanceof HeapSnapshotError) {
    return `${fileName} is not a complete heap snapshot (${e.message}). Open a whole .heapsnapshot file written by V8 (DevTools, node --heapsnapshot-signal, v8.writeHeapSnapshot).`;
  }
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${fileName} no longer exists. Open the snapshot again from where it is now.`;
  if (code === 'EACCES' || code === 'EPERM') return `${fileName} cannot be read (permission denied). Check the file's permissions.`;
  return `Leak Lens could not read ${fileName}: ${(e as Error).message ?? String(e)}.`;
}
