/**
 * The heap snapshot editor, in a real VS Code: a snapshot written by a real Node process opens
 * in the custom editor when opened as a click in the explorer opens it ('vscode.open'); the
 * page, run in the webview, reports what it shows (the classes table with the node count the
 * file holds and Processor); picking the class and an object shows its path from a GC root;
 * a damaged file shows what is wrong; a big file's reading can be cancelled and read again;
 * "Compare with…" gives the leak report.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, suiteSetup, suiteTeardown, teardown, test } from 'mocha';
import type { LeakLensApi } from '../../../src/vscode/extension';
import type { SnapshotView } from '../../../src/vscode/snapshotView';
import type { SnapshotPageView } from '../../../src/report/snapshotProtocol';
import type { LeakReport } from '../../../src/report/types';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const LEAKY = path.join(REPO, 'examples', 'registry', 'leaky.js');

/** Runs `body` in a fresh Node process that has loaded the registry example. */
function runNode(body: string): void {
  const script = `const v8 = require('v8'); const app = require(${JSON.stringify(LEAKY)});\n${body}`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.strictEqual(run.status, 0, run.stderr);
}

/** Resolves with the page's text for `view` once it matches `pattern`. */
function pageShows(editor: SnapshotView, view: SnapshotPageView, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const text = editor.shown.get(view);
      if (text === undefined || !pattern.test(text)) return false;
      clearTimeout(timer);
      listener.dispose();
      resolve(text);
      return true;
    };
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`The page did not show ${pattern} in its ${view} view; it shows: ${JSON.stringify([...editor.shown])}`));
    }, timeoutMs);
    const listener = editor.onDidShow(() => check());
    check();
  });
}

function activeTabInput(): unknown {
  return vscode.window.tabGroups.activeTabGroup.activeTab?.input;
}

suite('Heap snapshot editor', () => {
  let api: LeakLensApi;
  let dir: string;
  let before: vscode.Uri;
  let after: vscode.Uri;

  suiteSetup(async function () {
    this.timeout(120_000);
    const ext = vscode.extensions.getExtension<LeakLensApi>('leak-lens.leak-lens');
    assert.ok(ext);
    api = await ext.activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-editor-'));
    before = vscode.Uri.file(path.join(dir, 'before.heapsnapshot'));
    after = vscode.Uri.file(path.join(dir, 'after.heapsnapshot'));
    // One warm-up call, a snapshot, 7 more calls, a second snapshot: 8 Processors in the second.
    runNode(`app.loadApp(); v8.writeHeapSnapshot(${JSON.stringify(before.fsPath)});
for (let i = 0; i < 7; i++) app.loadApp();
v8.writeHeapSnapshot(${JSON.stringify(after.fsPath)});`);
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  suiteTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a .heapsnapshot opened like a click in the explorer shows the snapshot editor: totals, classes, objects and a path from a root', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('vscode.open', after);
    const input = activeTabInput();
    assert.ok(input instanceof vscode.TabInputCustom, `the tab's input is ${JSON.stringify(input)}`);
    assert.strictEqual(input.viewType, 'leakLens.heapSnapshot');
    assert.strictEqual(input.uri.fsPath, after.fsPath);

    const editor = await api.snapshotEditor(after);
    assert.ok(editor);
    const loaded = await editor.settled();
    assert.ok(loaded, `the editor is ${editor.status}`);
    // The file's own node count, read here without the engine.
    const raw = JSON.parse(fs.readFileSync(after.fsPath, 'utf8')) as { snapshot: { meta: { node_fields: string[] } }; nodes: number[] };
    const nodeCount = raw.nodes.length / raw.snapshot.meta.node_fields.length;
    assert.strictEqual(loaded.nodeCount, nodeCount);
    const processor = loaded.classes.find((c) => c.name === 'Processor');
    assert.strictEqual(processor?.count, 8, JSON.stringify(loaded.classes.slice(0, 20)));

    // What the page in the webview drew, in its own words.
    const page = await pageShows(editor, 'classes', /Processor/);
    assert.ok(page.includes(`${nodeCount.toLocaleString('en-US')} nodes`), page.slice(0, 300));
    assert.match(page, /ClassCountShallowRetained/);

    // Pick the class (as a click on its row does), then its largest object.
    await editor.receive({ type: 'classObjects', classId: processor.id });
    const objects = await pageShows(editor, 'objects', /Largest Processor objects/);
    const ids = [...objects.matchAll(/Processor @(\d+)/g)].map((m) => Number(m[1]));
    assert.strictEqual(ids.length, 8, objects);
    await editor.receive({ type: 'path', id: ids[0] });
    const pathText = await pageShows(editor, 'path', /Path from a GC root/);
    assert.match(pathText, /instanceMap/, pathText);
  });

  test('Open heap snapshot opens the same editor and answers with what it read', async function () {
    this.timeout(120_000);
    const result = await vscode.commands.executeCommand<{ nodeCount: number; classes: { name: string; count: number }[] }>('leakLens.openHeapSnapshot', before);
    assert.ok(result);
    assert.ok(activeTabInput() instanceof vscode.TabInputCustom);
    assert.strictEqual(result.classes.find((c) => c.name === 'Processor')?.count, 1);
  });

  test('a damaged snapshot shows what is wrong in the editor', async function () {
    this.timeout(60_000);
    const truncated = vscode.Uri.file(path.join(dir, 'truncated.heapsnapshot'));
    const bytes = fs.readFileSync(after.fsPath);
    fs.writeFileSync(truncated.fsPath, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await vscode.commands.executeCommand('vscode.open', truncated);
    assert.ok(activeTabInput() instanceof vscode.TabInputCustom);
    const editor = await api.snapshotEditor(truncated);
    assert.ok(editor);
    assert.strictEqual(await editor.settled(), undefined);
    assert.strictEqual(editor.status, 'error');
    const text = await pageShows(editor, 'error', /truncated\.heapsnapshot is not a complete heap snapshot/);
    assert.match(text, /Open a whole \.heapsnapshot file/);

    const notSnapshot = vscode.Uri.file(path.join(dir, 'settings.heapsnapshot'));
    fs.writeFileSync(notSnapshot.fsPath, JSON.stringify({ editor: { fontSize: 14 } }));
    await vscode.commands.executeCommand('vscode.open', notSnapshot);
    const other = await api.snapshotEditor(notSnapshot);
    assert.ok(other);
    await other.settled();
    await pageShows(other, 'error', /settings\.heapsnapshot is not a complete heap snapshot/);
  });

  test('Compare with… compares the open snapshot with a later one and shows the leak report', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('vscode.open', before);
    const report = await vscode.commands.executeCommand<LeakReport>('leakLens.compareWithSnapshot', before, after);
    assert.ok(report);
    assert.strictEqual(report.verdict, 'leak');
    assert.strictEqual(report.leaks.find((l) => l.primary)?.className, 'Processor');
    assert.strictEqual(api.lastReport(), report);
  });

  test('a big snapshot shows its progress and its reading can be cancelled, then read again', async function () {
    this.timeout(300_000);
    const big = vscode.Uri.file(path.join(dir, 'big.heapsnapshot'));
    runNode(`globalThis.keep = Array.from({ length: 1_000_000 }, (_, i) => ({ i, name: 'item' + (i % 1000) }));
v8.writeHeapSnapshot(${JSON.stringify(big.fsPath)});`);
    await vscode.commands.executeCommand('vscode.open', big);
    const editor = await api.snapshotEditor(big);
    assert.ok(editor);
    await pageShows(editor, 'progress', /Reading big\.heapsnapshot: \d+%/);
    await editor.receive({ type: 'cancel' });
    assert.strictEqual(await editor.settled(), undefined);
    assert.strictEqual(editor.status, 'cancelled');
    await pageShows(editor, 'cancelled', /Reading big\.heapsnapshot was cancelled/);

    await editor.receive({ type: 'reload' });
    const loaded = await editor.settled();
    assert.ok(loaded && loaded.nodeCount > 1_000_000, editor.status);
    await pageShows(editor, 'classes', /nodes/);
  });
});
