/**
 * Runs inside the extension host. Proves the host is usable for Leak Lens: the extension
 * under development is loaded and activates, and the built-in JavaScript debugger (js-debug)
 * launches a Node program, creates its child session and hands out a CDP proxy that Leak Lens's
 * inspector layer (src/inspector) connects through.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, test } from 'mocha';
import { connectInspector } from '../../../src/inspector/connect';

const EXTENSION_ID = 'leak-lens.leak-lens';

/** examples/registry/leaky.js in the opened workspace (the test host opens a copy of examples/: server.ts), else in the repo. */
function leakyProgram(): string {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const candidate = path.join(folder.uri.fsPath, 'registry', 'leaky.js');
    if (fs.existsSync(candidate)) return candidate;
  }
  // out/test/vscode/suite -> repo root
  return path.resolve(__dirname, '..', '..', '..', '..', 'examples', 'registry', 'leaky.js');
}

function withTimeout<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(promise),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

suite('VS Code host smoke', () => {
  test('the extension is present and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found`);
    await withTimeout(ext.activate(), 30_000, 'extension activation');
    assert.strictEqual(ext.isActive, true);
  });

  test('js-debug launches a program and its child session gives a working CDP proxy', async function () {
    this.timeout(90_000);
    const program = leakyProgram();
    assert.ok(fs.existsSync(program), `missing ${program}`);

    const disposables: vscode.Disposable[] = [];
    const sessions: vscode.DebugSession[] = [];
    let parent: vscode.DebugSession | undefined;
    const terminated = new Set<string>();
    try {
      const child = new Promise<vscode.DebugSession>((resolve) => {
        disposables.push(
          vscode.debug.onDidStartDebugSession((session) => {
            sessions.push(session);
            if (session.configuration.__pendingTargetId) resolve(session);
          }),
          vscode.debug.onDidTerminateDebugSession((session) => terminated.add(session.id)),
        );
      });

      const started = await withTimeout(
        vscode.debug.startDebugging(undefined, {
          type: 'pwa-node',
          request: 'launch',
          name: 'leak-lens smoke',
          program,
          console: 'internalConsole',
        }),
        60_000,
        'vscode.debug.startDebugging',
      );
      assert.strictEqual(started, true, 'startDebugging returned false');

      const session = await withTimeout(child, 60_000, 'the js-debug child session');
      parent = session.parentSession ?? sessions.find((s) => !s.configuration.__pendingTargetId);
      assert.ok(parent, 'the child session has no parent session');
      assert.strictEqual(session.type, 'pwa-node');

      const proxy = (await withTimeout(
        session.customRequest('requestCDPProxy'),
        30_000,
        "customRequest('requestCDPProxy')",
      )) as { host?: unknown; port?: unknown; path?: unknown };
      assert.strictEqual(typeof proxy.host, 'string', `proxy: ${JSON.stringify(proxy)}`);
      assert.strictEqual(typeof proxy.port, 'number', `proxy: ${JSON.stringify(proxy)}`);
      assert.strictEqual(typeof proxy.path, 'string', `proxy: ${JSON.stringify(proxy)}`);
      assert.ok((proxy.port as number) > 0);

      // Leak Lens's own inspector layer connects through the proxy and evaluates in the debuggee.
      const inspector = await connectInspector(
        { host: proxy.host as string, port: proxy.port as number, path: proxy.path as string },
        { connectTimeoutMs: 20_000, timeoutMs: 20_000 },
      );
      try {
        assert.strictEqual(await inspector.evaluateValue<number>('6 * 7'), 42);
        assert.ok((await inspector.heapUsage()) > 0);
      } finally {
        await inspector.close();
      }
    } finally {
      // Stop what was started (the parent stops its child and the debuggee), and wait briefly
      // until it is gone, so the debuggee does not outlive the test.
      const roots = parent ? [parent] : sessions.filter((s) => !s.parentSession);
      for (const root of roots) {
        await withTimeout(vscode.debug.stopDebugging(root), 20_000, 'stopDebugging').catch(() => undefined);
      }
      const deadline = Date.now() + 15_000;
      while (roots.some((r) => !terminated.has(r.id)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const d of disposables) d.dispose();
    }
    assert.ok(parent && terminated.has(parent.id), 'the debug session did not terminate after stopDebugging');
  });
});
