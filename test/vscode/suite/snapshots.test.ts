/**
 * "Open heap snapshot" and "Compare heap snapshots" on files saved by a real profile run:
 * the worker reads the files (the extension host stays responsive) and the answers are
 * the same as the CLI's.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import type { LoadedSnapshot } from '../../../src/vscode/snapshotView';
import type { LeakReport } from '../../../src/report/types';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');

suite('Heap snapshot files', () => {
  let dir: string;
  let saved: { baseline: string; target: string; final: string };

  suiteSetup(function () {
    this.timeout(120_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-saved-'));
    const run = spawnSync(
      process.execPath,
      [path.join(REPO, 'dist', 'cli.js'), 'profile', path.join(REPO, 'examples', 'registry', 'leaky.js'), '--function', 'loadApp', '--snapshots', '3', '--save-snapshots', dir, '--json'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.strictEqual(run.status, 1, run.stderr);
    saved = (JSON.parse(run.stdout) as LeakReport).snapshots as typeof saved;
    assert.ok(saved && fs.existsSync(saved.target));
  });

  suiteTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('Open heap snapshot: the editor reads the Processor class, and the host keeps answering', async function () {
    this.timeout(60_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const summary = await vscode.commands.executeCommand<LoadedSnapshot>('leakLens.openHeapSnapshot', vscode.Uri.file(saved.target));
    clearInterval(timer);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.ok(summary);
    assert.ok(summary.nodeCount > 10_000);
    assert.ok(summary.classes.some((c) => c.name === 'Processor' && c.count === 8), JSON.stringify(summary.classes.map((c) => [c.name, c.count])));
    assert.ok(ticks > 0, 'timers kept running while the snapshot was read');
  });

  test('Compare heap snapshots: what the second adds, as a leak report in the panel', async function () {
    this.timeout(60_000);
    const report = await vscode.commands.executeCommand<LeakReport>(
      'leakLens.compareHeapSnapshots',
      vscode.Uri.file(saved.baseline),
      vscode.Uri.file(saved.target),
    );
    assert.ok(report);
    assert.strictEqual(report.verdict, 'leak');
    const top = report.leaks.find((l) => l.primary);
    assert.strictEqual(top?.className, 'Processor');
    assert.match(top?.culprit?.text ?? '', /Processor\.instanceMap \(Map\)/);
  });
});
