/**
 * Re-run after a fix, in a real VS Code extension host with the real js-debug: profile the
 * registry example in a file of the workspace, edit the document to its fixed twin and save,
 * press the Re-run lens, and read "before: 1 Processor/call → after: no leak" in the report.
 * The panel's Re-run runs the same target once more.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, suiteSetup, suiteTeardown, teardown, test } from 'mocha';
import type { LeakLensApi } from '../../../src/vscode/extension';
import { activateLeakLens, lensesFor, startSession, waitFor } from './debugSessions';


function exampleText(name: string): string {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const candidate = path.join(folder.uri.fsPath, 'registry', name);
    if (fs.existsSync(candidate)) return fs.readFileSync(candidate, 'utf8');
  }
  return fs.readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'examples', 'registry', name), 'utf8');
}

suite('Leak Lens re-runs after a fix', () => {
  let api: LeakLensApi;
  let dir = '';

  suiteSetup(async () => {
    api = await activateLeakLens();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder');
    dir = fs.mkdtempSync(path.join(folder.uri.fsPath, 'rerun-'));
  });

  teardown(async () => {
    await vscode.debug.stopDebugging();
  });

  suiteTeardown(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('Re-run after editing the example to its fix: before 1 Processor/call, after no leak', async function () {
    this.timeout(180_000);
    const file = path.join(dir, 'app.js');
    fs.writeFileSync(file, exampleText('leaky.js'));
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const line = doc.getText().split('\n').findIndex((l) => l.startsWith('function loadApp')) + 1;
    const session = await startSession(file);

    const first = await api.profile({ uri: doc.uri.toString(), file, line, name: 'loadApp', session });
    assert.ok(first, 'a first report');
    assert.strictEqual(first.verdict, 'leak', first.summary);
    assert.strictEqual(first.comparison, undefined, 'a first run has nothing beside it');

    // After the verdict the lens offers Re-run.
    const lensLine = line - 1;
    const rerunLens = await waitFor('the Re-run lens', async () =>
      (await lensesFor(doc.uri)).find((l) => l.range.start.line === lensLine && l.command?.title === 'Re-run'),
    );
    assert.ok(rerunLens.command);

    // The fix: the fixed twin's text, saved.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), exampleText('fixed.js'));
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save(), 'the fix is saved');

    const second = await vscode.commands.executeCommand<unknown>(rerunLens.command.command, ...(rerunLens.command.arguments ?? []));
    const report = api.lastReport();
    assert.ok(report && second === report, 'the Re-run lens returns the new report');
    assert.strictEqual(report.verdict, 'clean', `the re-run runs the saved fix: ${report.summary}`);
    assert.ok(report.comparison, 'the previous run is beside the new one');
    assert.strictEqual(report.comparison.summary, 'before: 1 Processor/call → after: no leak');
    assert.deepStrictEqual(report.comparison.classes, [{ className: 'Processor', before: 1, after: 0 }]);
    assert.strictEqual(report.comparison.previous.createdAt, first.createdAt);
    assert.deepStrictEqual(report.comparison.previous.samples, first.samples, 'the previous memory series, for the chart');
    assert.strictEqual(report.function?.name, 'loadApp');
    assert.deepStrictEqual(report.options, first.options, 'the same settings');

    // The panel's Re-run (the page's message handler) runs the same target again.
    const third = await api.rerunFromPanel();
    assert.ok(third, 'the panel re-ran');
    assert.strictEqual(third.comparison?.summary, 'before: no leak → after: no leak');
    assert.strictEqual(third.comparison?.previous.createdAt, report.createdAt);
  });
});
