/**
 * Runs inside a real VS Code extension host. Heap data names files, and a workspace names
 * settings; neither is trusted:
 * - the report panel's "reveal source" handler opens a script of the shown report inside the
 *   workspace, and refuses a path that is not one of the report's scripts (a path outside the
 *   workspace asks first: the modal is clicked in test/vscode/uiHardening.test.ts);
 * - inline notes are made only for scripts inside the workspace: a real run whose leaked
 *   class lives outside it leaves that file alone;
 * - out-of-range numbers in the workspace's settings.json are clamped when a run reads them.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, suiteSetup, teardown, test } from 'mocha';
import type { LeakLensApi } from '../../../src/vscode/extension';
import { DEFAULT_PROFILE_OPTIONS, type LeakReport } from '../../../src/report/types';
import { activateLeakLens, startSession } from './debugSessions';

/** out/test/vscode/suite → the repo's fixtures. */
const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'hardening');

function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test window has a workspace folder');
  return folder.uri.fsPath;
}

function lineOf(file: string, text: string): number {
  const line = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(line >= 0, `"${text}" in ${file}`);
  return line;
}

function openEditors(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).flatMap((t) => (t.input instanceof vscode.TabInputText ? [t.input.uri.fsPath] : []));
}

/** A minimal report of one script inside the workspace (the page only ever sends report scripts). */
function reportWithScripts(scripts: Record<string, string>): LeakReport {
  return {
    version: 1,
    createdAt: new Date().toISOString(),
    target: { kind: 'snapshots', description: 'hardening test' },
    function: null,
    options: DEFAULT_PROFILE_OPTIONS,
    samples: [],
    slope: null,
    verdict: 'clean',
    summary: 'No leak.',
    leaks: [],
    watch: [],
    noiseFiltered: 0,
    scripts,
    timings: { resolveMs: 0, callsMs: 0, snapshotMs: 0, analysisMs: 0, totalMs: 0 },
  };
}

suite('Leak Lens hardening: heap paths and workspace settings', () => {
  let api: LeakLensApi;
  const config = () => vscode.workspace.getConfiguration('leakLens');

  suiteSetup(async () => {
    api = await activateLeakLens();
  });

  teardown(async () => {
    await vscode.debug.stopDebugging();
    // The next suite expects no session at all (no CodeLens before one starts).
    const deadline = Date.now() + 15_000;
    while (vscode.debug.activeDebugSession && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test("the panel's reveal opens the report's script inside the workspace and refuses a path that is not one of its scripts", async function () {
    this.timeout(60_000);
    const inside = path.join(workspaceFolder(), 'registry', 'leaky.js');
    assert.ok(fs.existsSync(inside), inside);
    // A real file outside the workspace that the report does not name.
    const stranger = path.join(__dirname, 'hardening.test.js');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api.showReport(reportWithScripts({ '7': inside }));

    assert.strictEqual(await api.revealFromPanel(stranger, 3, 0), 'refused');
    assert.strictEqual(await api.revealFromPanel(`file://${stranger}`, 3, 0), 'refused');
    assert.ok(!openEditors().includes(stranger), `not opened: ${openEditors().join(', ')}`);

    const line = lineOf(inside, 'static instanceMap');
    assert.strictEqual(await api.revealFromPanel(inside, line, 2), 'opened');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor');
    assert.strictEqual(editor.document.uri.fsPath, inside);
    assert.strictEqual(editor.selection.active.line, line);
  });

  test('inline notes: a leaked class defined outside the workspace is not read or decorated; its holder inside is', async function () {
    this.timeout(120_000);
    const ws = workspaceFolder();
    const program = path.join(ws, 'vscode-outside.js');
    const outsideDir = path.join(path.dirname(ws), 'outside');
    const lib = path.join(outsideDir, 'vscode-outside-lib.js');
    fs.mkdirSync(outsideDir, { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'vscode-outside.js'), program);
    fs.copyFileSync(path.join(FIXTURES, 'vscode-outside-lib.js'), lib);
    try {
      const doc = await vscode.workspace.openTextDocument(program);
      await vscode.window.showTextDocument(doc);
      const session = await startSession(program);
      const report = await api.profile({ uri: doc.uri.toString(), file: program, line: lineOf(program, 'function keepOutside') + 1, name: 'keepOutside', session });
      assert.ok(report, 'a report');
      const top = report.leaks.find((l) => l.primary);
      assert.strictEqual(top?.className, 'Outside', report.summary);
      assert.ok(Object.values(report.scripts).includes(lib), `the report names the outside script: ${JSON.stringify(report.scripts)}`);

      const notes = api.inlineNotes();
      const libUri = vscode.Uri.file(lib).toString();
      assert.deepStrictEqual(notes.filter((n) => n.uri === libUri), [], 'no note for the file outside the workspace');
      assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.fsPath === lib), 'the outside file was not opened as a document');
      const holder = notes.find((n) => n.uri === doc.uri.toString());
      assert.ok(holder, `the holder's note inside the workspace: ${JSON.stringify(notes)}`);
      assert.match(holder.text, /holds \d+ Outside/);
    } finally {
      fs.rmSync(program, { force: true });
      fs.rmSync(outsideDir, { recursive: true, force: true });
    }
  });

  test("out-of-range numbers in the workspace's settings.json are clamped when a run reads them", async function () {
    this.timeout(120_000);
    const file = path.join(workspaceFolder(), 'registry', 'fixed.js');
    const target = vscode.ConfigurationTarget.Workspace;
    const values: Record<string, unknown> = { iterations: 1, warmup: -3, callTimeoutMs: 1e12, maxDepth: 1e6, tooMany: 'many' };
    try {
      for (const [key, value] of Object.entries(values)) await config().update(key, value, target);
      assert.strictEqual(config().get('iterations'), 1, 'VS Code hands the unvalidated value to the extension');
      const session = await startSession(file);
      const report = await api.profile({ uri: vscode.Uri.file(file).toString(), file, line: lineOf(file, 'function loadApp') + 1, name: 'loadApp', session });
      assert.ok(report, 'a report');
      const { iterations, warmup, callTimeoutMs, maxDepth, tooMany } = report.options;
      assert.deepStrictEqual({ iterations, warmup, callTimeoutMs, maxDepth, tooMany }, { iterations: 2, warmup: 0, callTimeoutMs: 600_000, maxDepth: 50, tooMany: 3 });
    } finally {
      for (const key of Object.keys(values)) await config().update(key, undefined, target);
    }
  });
});
