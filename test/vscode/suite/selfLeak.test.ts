/**
 * The extension itself must not leak: after 20 profile runs in one window, the extension
 * host's heap use after GC grows by less than 1 MB. Measured with Leak Lens's own inspector
 * layer, connected to the extension host's own inspector.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import { connectInspector } from '../../../src/inspector/connect';
import type { LeakLensApi } from '../../../src/vscode/extension';
import { HeapWorker } from '../../../src/worker/client';

function example(name: string): string {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const candidate = path.join(folder.uri.fsPath, 'registry', name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return path.resolve(__dirname, '..', '..', '..', '..', 'examples', 'registry', name);
}

suite('Leak Lens does not leak in the extension host', () => {
  let api: LeakLensApi;
  const config = () => vscode.workspace.getConfiguration('leakLens');

  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension<LeakLensApi>('leak-lens.leak-lens')?.activate()) as LeakLensApi;
    // Short runs: the point is the extension's own bookkeeping, not the debuggee.
    await config().update('iterations', 2, vscode.ConfigurationTarget.Global);
    await config().update('warmup', 0, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await config().update('iterations', undefined, vscode.ConfigurationTarget.Global);
    await config().update('warmup', undefined, vscode.ConfigurationTarget.Global);
    await vscode.debug.stopDebugging();
  });

  test('20 profile runs grow the extension host heap by less than 1 MB', async function () {
    this.timeout(300_000);
    const file = example('fixed.js');
    const child = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((s) => {
        if (s.configuration.__pendingTargetId) {
          sub.dispose();
          resolve(s);
        }
      });
    });
    assert.ok(await vscode.debug.startDebugging(undefined, { type: 'pwa-node', request: 'launch', name: 'fixed', program: file }));
    const session = await child;
    const line = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.startsWith('function loadApp')) + 1;
    const run = async () => {
      const report = await api.profile({ file, line, name: 'loadApp', uri: vscode.Uri.file(file).toString(), session });
      assert.ok(report, 'the run produced a report');
    };

    const wasOpen = inspector.url() !== undefined;
    if (!wasOpen) inspector.open(0, '127.0.0.1');
    const self = await connectInspector(inspector.url() as string);
    try {
      const settle = async () => {
        await self.collectGarbage(4);
        return self.heapUsage();
      };
      // Snapshots of the extension host itself go through the same worker as any profile run,
      // so if it grows, the report says what and who holds it.
      const worker = new HeapWorker();
      const snapshot = async (slot: string, analyze: boolean) => {
        await self.collectGarbage(4);
        await self.takeSnapshot((chunk) => worker.write(chunk, slot));
        await worker.end(slot, analyze);
      };
      try {
        for (let i = 0; i < 3; i++) await run(); // warm caches, JIT, the panel
        const before = await settle();
        await snapshot('baseline', false);
        for (let i = 0; i < 10; i++) await run();
        await snapshot('target', true);
        for (let i = 0; i < 10; i++) await run();
        const after = await settle();
        await snapshot('final', false);
        const growth = after - before;
        const { findings } = await worker.leaks('baseline', 'target', 'final', { iterations: 10, maxDepth: 10, tooMany: 3, maxLeaks: 3 });
        const grown = findings.leaks
          .filter((l) => l.primary)
          .map((l) => `${l.className} ${l.countPerCall}/run ${l.bytesPerCall} B/run${l.culprit ? ` held by ${l.culprit.text}` : ''}`);
        // What the runs left alive, by the engine's own verdict: objects new since the baseline
        // that survive, per run, times 20. Runtime.getHeapUsage after GC swings by megabytes
        // in a busy extension host, so it is logged, and bounded loosely.
        const retainedGrowth = findings.leaks.filter((l) => l.primary).reduce((sum, l) => sum + l.bytesPerCall * 20, 0);
        console.log(`extension host heap: ${before} → ${after} bytes (${growth >= 0 ? '+' : ''}${growth}) after 20 runs`);
        console.log(`classes that grew with the runs: ${grown.length ? grown.join('; ') : 'none'} (≈${retainedGrowth} bytes over 20 runs)`);
        assert.ok(retainedGrowth < 1024 * 1024, `the runs left ${retainedGrowth} bytes alive: ${grown.join('; ')}`);
        assert.ok(growth < 4 * 1024 * 1024, `heap use after GC grew by ${growth} bytes`);
      } finally {
        await worker.dispose();
      }
    } finally {
      await self.close();
      if (!wasOpen) inspector.close();
    }
  });
});
