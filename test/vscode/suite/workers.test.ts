/**
 * Runs inside a real VS Code extension host: js-debug shows a worker_threads worker as a debug
 * session of its own, and a function that lives in the worker is profiled there.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, suiteSetup, teardown, test } from 'mocha';
import type { LeakLensApi } from '../../../src/vscode/extension';
import { activateLeakLens, startSession } from './debugSessions';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

suite('Leak Lens in a worker thread', () => {
  let api: LeakLensApi;

  suiteSetup(async () => {
    api = await activateLeakLens();
  });

  teardown(async () => {
    await vscode.debug.stopDebugging();
  });

  test("the worker's debug session: its function is profiled there and the leak found", async function () {
    this.timeout(120_000);
    const worker = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((s) => {
        if (/cache-worker/.test(s.name)) {
          sub.dispose();
          resolve(s);
        }
      });
    });
    await startSession(path.join(REPO_ROOT, 'test', 'fixtures', 'esm', 'worker-leak.mjs'));
    const session = await Promise.race([
      worker,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no debug session for the worker within 30 s')), 30_000)),
    ]);
    const report = await api.profile({ name: 'cacheResult', args: '["x"]', session });
    assert.ok(report, 'a report');
    assert.strictEqual(report.verdict, 'leak', report.summary);
    const top = report.leaks.find((l) => l.primary);
    assert.strictEqual(top?.className, '{id, data}');
    assert.match(top?.culprit?.text ?? '', /^kept in worker-body\.mjs \(module variable, Array\)/);
  });
});
