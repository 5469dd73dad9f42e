/**
 * Hardening of src/inspector (issue "Hardening", items 1, 5, 6), against real processes:
 * - a crafted /json/list (served by a real HTTP server on 127.0.0.1) cannot steer the
 *   connection: only ws:/wss: debugger URLs, checked before any connection, and nothing else
 *   is asked for;
 * - a call that never returns (busy loop, never-settling promise) ends a `leak-lens profile`
 *   run soon after its timeout, and the launched process is gone;
 * - a result that arrives after its call timed out is released, so the inspector holds nothing.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { connectInspector } from '../src/inspector/connect';
import { InspectorError } from '../src/inspector/session';
import { repoRoot, runCli, startDebuggee } from './support/fixtures';

const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'hardening');

function isCode(code: string, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof InspectorError, `expected an InspectorError, got ${e instanceof Error ? e.stack : String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return true;
  };
}

// ---------------------------------------------------------------------------------------------
// A fake inspector HTTP endpoint: serves the given /json/list and records every request
// (plain and WebSocket upgrades), answering nothing else.

interface ListServer {
  port: number;
  requests: string[];
  close(): Promise<void>;
}

async function listen(server: http.Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(false);
      else reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/**
 * Port 9222 when it is free: chrome-remote-interface's default, where it would send its own
 * /json/list request for a target that is not a ws URL. That request then lands here and is
 * counted (on another port it would go unseen, though the error would still be wrong).
 */
async function startListServer(list: (port: number) => unknown[]): Promise<ListServer> {
  const requests: string[] = [];
  let port = 0;
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.url === '/json/list' || req.url === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(list(port)));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  server.on('upgrade', (req, socket) => {
    requests.push(`UPGRADE ${req.url}`);
    socket.destroy();
  });
  if (!(await listen(server, 9222))) await listen(server, 0);
  port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('a crafted /json/list cannot steer the connection', () => {
  test('an http: debugger URL is refused with a clear error, and nothing else is requested', async () => {
    const server = await startListServer((port) => [
      { id: 'one', type: 'node', webSocketDebuggerUrl: `http://127.0.0.1:${port}/x` },
      // What chrome-remote-interface would pick if it took the URL above for a target id.
      { id: `http://127.0.0.1:${port}/x`, type: 'node', webSocketDebuggerUrl: `ws://127.0.0.1:${port}/second-hop` },
    ]);
    try {
      const error = await connectInspector(`127.0.0.1:${server.port}`, { connectTimeoutMs: 3000 }).then(
        (s) => s.close().then(() => assert.fail('connected')),
        (e: unknown) => e,
      );
      // Give a stray request (a second lookup, a connection) time to arrive before counting.
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(server.requests, ['GET /json/list'], 'only our one /json/list request');
      isCode(
        'CONNECT_FAILED',
        new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/json/list gives "http://127\\.0\\.0\\.1:${server.port}/x" as the debugger URL, which is not a ws:// or wss:// URL: connect with the ws:// URL`),
      )(error);
    } finally {
      await server.close();
    }
  });

  test('a non-loopback or unparsable debugger URL is refused before any connection, in one sentence', async () => {
    // Never connected to: refused before any traffic (a connection attempt would be CONNECT_FAILED).
    const remote = await startListServer(() => [{ id: 'r', type: 'node', webSocketDebuggerUrl: 'ws://10.0.0.1:9229/x' }]);
    try {
      await assert.rejects(
        connectInspector(`127.0.0.1:${remote.port}`, { connectTimeoutMs: 3000 }),
        isCode('REMOTE_NOT_ALLOWED', /^refusing to connect to ws:\/\/10\.0\.0\.1:9229\/x \(from \/json\/list\): only loopback inspectors/),
      );
      assert.deepEqual(remote.requests, ['GET /json/list']);
    } finally {
      await remote.close();
    }

    const garbled = await startListServer(() => [{ id: 'g', type: 'node', webSocketDebuggerUrl: 'ws://[::1' }]);
    try {
      await assert.rejects(
        connectInspector(`127.0.0.1:${garbled.port}`, { connectTimeoutMs: 3000 }),
        isCode('CONNECT_FAILED', /json\/list gives "ws:\/\/\[::1" as the debugger URL, which is not a valid URL: connect with the ws:\/\/ URL/),
      );
      // What a user of the CLI sees: one line, no stack trace.
      const r = await runCli(['attach', `127.0.0.1:${garbled.port}`, '--function', 'globalThis.f'], 60_000);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^leak-lens: http:\/\/127\.0\.0\.1:\d+\/json\/list gives "ws:\/\/\[::1" as the debugger URL, which is not a valid URL: .*\n$/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(garbled.requests, ['GET /json/list', 'GET /json/list'], 'one /json/list request per attempt, nothing else');
    } finally {
      await garbled.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** True while a process with this pid exists (zombies included). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('a call that never returns', () => {
  test('`leak-lens profile --timeout 2000` ends within 20 s with exit 2 and a clear message, and its child is gone', async () => {
    const fixture = path.join(FIXTURES, 'inspector-never-returns.js');
    // spin: a synchronous endless loop (the inspector answers nothing meanwhile);
    // hang: a promise that never settles (the debuggee stays responsive).
    for (const fn of ['spin', 'hang']) {
      const t0 = Date.now();
      const r = await runCli(['profile', fixture, '--function', fn, '--timeout', '2000'], 90_000);
      const ms = Date.now() - t0;
      assert.equal(r.code, 2, `${fn}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^leak-lens: ${fn} did not settle within 2000 ms \\(Runtime\\.callFunctionOn timed out\\)\\.`, 'm'));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(ms < 20_000, `${fn}: the run ended ${ms} ms after it started (the call timeout is 2000 ms)`);
      const pid = Number(/inspector-never-returns ready (\d+)/.exec(r.stderr)?.[1]);
      assert.ok(pid > 0, `the launched child printed its pid: ${r.stderr}`);
      assert.equal(alive(pid), false, `${fn}: the launched child ${pid} is still running`);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('results the inspector would hold', () => {
  test('a result that arrives after its call timed out is released: the debuggee can collect it', async () => {
    const app = await startDebuggee(path.join(FIXTURES, 'inspector-late-result.js'), 'inspector-late-result ready');
    const session = await connectInspector(app.wsUrl, { timeoutMs: 20_000 });
    try {
      /** GC until the WeakRef's target is gone; false if it is still alive after ~10 s. */
      const collectable = async (): Promise<boolean> => {
        for (let i = 0; i < 40; i++) {
          await session.collectGarbage();
          if (await session.evaluateValue<boolean>('globalThis.lateState.ref.deref() === undefined')) return true;
          await new Promise((r) => setTimeout(r, 250));
        }
        return false;
      };
      await session.collectGarbage();
      const before = await session.heapUsage();

      // Control: a result that arrives in time is handed out, then released with the rest.
      const bigNow = await session.evaluate('bigNow');
      const inTime = await session.callFunction(bigNow.objectId!, undefined, undefined, { timeoutMs: 10_000 });
      assert.equal(inTime.subtype, 'array');
      await session.collectGarbage();
      assert.equal(await session.evaluateValue('globalThis.lateState.ref.deref() !== undefined'), true, 'held while handed out');
      await session.releaseAll();
      assert.ok(await collectable(), 'released by releaseAll');

      // The call times out; the run's cleanup runs; then the function settles after all.
      const lateBig = await session.evaluate('lateBig');
      await assert.rejects(
        session.callFunction(lateBig.objectId!, undefined, undefined, { timeoutMs: 300 }),
        isCode('TIMEOUT', /^lateBig\(\) did not settle within 300 ms/),
      );
      await session.releaseAll();
      assert.equal(await session.evaluateValue('globalThis.lateState.finish()'), true);
      assert.equal(await session.evaluateValue('globalThis.lateState.ref.deref() !== undefined'), true, 'the late result exists');

      // Same connection, still open: nothing may hold the 16 MB array any more.
      assert.ok(await collectable(), 'the late result is still held (by the inspector)');
      await session.collectGarbage();
      const after = await session.heapUsage();
      assert.ok(after - before < 8 * 1024 * 1024, `heap use grew by ${((after - before) / 1048576).toFixed(1)} MB`);
      assert.equal(session.closed, false);
    } finally {
      await session.close();
      app.child.kill('SIGKILL');
      await app.exited;
    }
  });
});
