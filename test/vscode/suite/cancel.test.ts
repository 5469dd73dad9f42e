/**
 * Runs inside a real VS Code extension host: a profile run cancelled while the debuggee is
 * calling the function. The debuggee makes no further call, allocation tracking has ended, and
 * the program still answers; all through js-debug's CDP proxy.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, suiteSetup, teardown, test } from 'mocha';
import { connectInspector } from '../../../src/inspector/connect';
import type { LeakLensApi } from '../../../src/vscode/extension';
import { requestCdpProxy } from '../../../src/vscode/sessions';
import { activateLeakLens, startSession } from './debugSessions';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite('Leak Lens cancels a run', () => {
  let api: LeakLensApi;

  suiteSetup(async () => {
    api = await activateLeakLens();
  });

  teardown(async () => {
    await vscode.debug.stopDebugging();
  });

  test('"Cancel profile run" mid-call: no further call, allocation tracking ended, the program answers', async function () {
    this.timeout(120_000);
    const session = await startSession(path.join(REPO_ROOT, 'test', 'fixtures', 'cancel', 'slowLeak.js'));
    const probe = await connectInspector(await requestCdpProxy(session));
    try {
      const calls = () => probe.evaluateValue<number>('globalThis.slowLeakCalls');
      await waitFor('the program to load', async () => ((await calls()) === 0 ? true : undefined));

      const run = api.profile({ name: 'slowLeak', session });
      // The warm-up call and then two measured calls: tracking is on by now.
      await waitFor('measured calls', async () => ((await calls()) >= 3 ? true : undefined));
      await vscode.commands.executeCommand('leakLens.cancelProfile');
      assert.strictEqual(await run, undefined, 'a cancelled run gives no report');

      const atCancel = await calls();
      await new Promise((r) => setTimeout(r, 1500));
      const later = await calls();
      assert.strictEqual(later, atCancel, 'the debuggee made no call after the run was cancelled');
      assert.ok(later < 1 + 2 * 7, `the run stopped before its last call (${later} calls)`);

      // Allocation tracking is isolate-wide: a snapshot written while it is on carries the
      // allocation stacks' functions. This one has none.
      const chunks: string[] = [];
      await probe.takeSnapshot((c) => {
        if (chunks.join('').length < 4096) chunks.push(c);
      });
      await probe.finishHeapProfiler({ leaveEnabled: false });
      const header = /"trace_function_count":(\d+)/.exec(chunks.join(''));
      assert.ok(header, 'the snapshot header');
      assert.strictEqual(Number(header[1]), 0, 'allocation tracking ended with the run');

      // Nothing left paused, and "Cancel profile run" with no run says so instead of failing.
      assert.strictEqual(await probe.evaluateValue<number>('1 + 1'), 2);
      await vscode.commands.executeCommand('leakLens.cancelProfile');
    } finally {
      await probe.close();
    }
  });
});
