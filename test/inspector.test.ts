/**
 * src/inspector against real `node --inspect=127.0.0.1:0` child processes (and a small
 * stand-in for js-debug's CDP proxy): connect, snapshots, calls, timeouts, pauses, closing,
 * and finding a function by file:line through the snapshot.
 */
import assert from 'node:assert/strict';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { SnapshotParser } from '../src/heap/parser';
import type { HeapSnapshot } from '../src/heap/snapshot';
import { connectInspector, isLoopbackHost, parseInspectorTarget } from '../src/inspector/connect';
import { findClosureMatches, findClosuresAt, nodeNames, scriptIdsInSnapshot } from '../src/heap/functions';
import { DebuggeeThrewError, InspectorError, type InspectorSession } from '../src/inspector/session';
import { repoRoot, startDebuggee, type Debuggee } from './support/fixtures';

/** chrome-remote-interface sets 'ipv4first' process-wide when loaded; connect.ts restores it. */
const dnsOrderAtStart = dns.getDefaultResultOrder();

const APP = path.join(repoRoot, 'test', 'fixtures', 'inspector', 'app.js');
/** 0-based line of `function loadApp(` / `function hiddenWork(` in the fixture. */
const lineOf = (marker: string): number => {
  const line = fs.readFileSync(APP, 'utf8').split('\n').findIndex((l) => l.includes(marker) && !l.trim().startsWith('//'));
  assert.ok(line >= 0, marker);
  return line;
};

// ---------------------------------------------------------------------------------------------
// Debuggee processes

async function stop(d: Debuggee | undefined): Promise<void> {
  if (!d) return;
  d.child.kill('SIGKILL');
  await d.exited;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]);
}

/** Streams a snapshot into the parser; returns it with the progress seen. */
async function snapshotInto(
  session: InspectorSession,
  sink?: (parser: SnapshotParser, chunk: string) => void | Promise<void>,
  maxQueuedChunks?: number,
): Promise<{ snapshot: HeapSnapshot; progress: [number, number][]; chunks: number }> {
  const parser = new SnapshotParser();
  const progress: [number, number][] = [];
  const stats = await session.takeSnapshot(sink ? (c) => sink(parser, c) : (c) => parser.write(c), {
    onProgress: (done, total) => progress.push([done, total]),
    maxQueuedChunks,
  });
  return { snapshot: parser.end(), progress, chunks: stats.chunks };
}

function isCode(code: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof InspectorError, `expected an InspectorError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  };
}

// ---------------------------------------------------------------------------------------------

describe('target parsing and the loopback rule (no connection made)', () => {
  test('loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.5.6.7', 'localhost', 'LOCALHOST.', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      assert.ok(isLoopbackHost(h), h);
    }
    for (const h of ['10.1.2.3', '0.0.0.0', '128.0.0.1', '::ffff:10.0.0.1', '::2', 'example.com', 'localhost.example.com', '']) {
      assert.ok(!isLoopbackHost(h), h);
    }
  });

  test('target forms', () => {
    assert.deepEqual(parseInspectorTarget('127.0.0.1:9229'), { kind: 'http', host: '127.0.0.1', port: 9229 });
    assert.deepEqual(parseInspectorTarget('9230'), { kind: 'http', host: '127.0.0.1', port: 9230 });
    assert.deepEqual(parseInspectorTarget('[::1]:9229'), { kind: 'http', host: '[::1]', port: 9229 });
    assert.deepEqual(parseInspectorTarget('ws://localhost:9229/abc'), { kind: 'ws', url: 'ws://localhost:9229/abc', host: 'localhost', jsDebug: false });
    assert.deepEqual(parseInspectorTarget({ host: '::1', port: 4000, path: 'xyz' }), { kind: 'ws', url: 'ws://[::1]:4000/xyz', host: '[::1]', jsDebug: true });
    assert.throws(() => parseInspectorTarget('localhost'), isCode('BAD_TARGET', /no port/));
    assert.throws(() => parseInspectorTarget({ host: 'x', port: 0, path: '/' }), isCode('BAD_TARGET'));
  });

  test('nothing listening: a clear connect error', async () => {
    await assert.rejects(connectInspector('127.0.0.1:1', { connectTimeoutMs: 3000 }), isCode('CONNECT_FAILED', /could not reach the inspector \(fetching http:\/\/127\.0\.0\.1:1\/json\/list: .*ECONNREFUSED/));
    await assert.rejects(connectInspector('ws://127.0.0.1:1/x', { connectTimeoutMs: 3000 }), isCode('CONNECT_FAILED', /could not reach the inspector \(opening ws:\/\/127\.0\.0\.1:1\/x: .*ECONNREFUSED/));
  });

  test('a non-loopback host is refused at once, whatever the target form', async () => {
    for (const target of ['10.1.2.3:9229', 'ws://10.1.2.3:9229/abc', { host: '10.1.2.3', port: 9229, path: '/abc' }]) {
      const t0 = Date.now();
      await assert.rejects(connectInspector(target), isCode('REMOTE_NOT_ALLOWED', /refusing to connect to 10\.1\.2\.3.*only loopback/));
      assert.ok(Date.now() - t0 < 100, `refused in ${Date.now() - t0} ms`);
    }
  });
});

describe('an inspector session on a live debuggee', () => {
  let app: Debuggee;
  let session: InspectorSession;
  let globalsBefore: string[];

  before(async () => {
    app = await startDebuggee(APP, 'fixture ready');
    // host:port: the session used by every test below (ws URL is covered separately).
    session = await connectInspector(`127.0.0.1:${app.port}`, { timeoutMs: 20_000 });
    globalsBefore = await session.evaluateValue<string[]>('Object.getOwnPropertyNames(globalThis)');
  });

  after(async () => {
    await session?.close();
    await stop(app);
  });

  test('connects by ws URL and by host:port (/json/list)', async () => {
    assert.equal(session.url, app.wsUrl);
    assert.equal(dns.getDefaultResultOrder(), dnsOrderAtStart, 'loading chrome-remote-interface left DNS order alone');
    const byUrl = await connectInspector(app.wsUrl);
    try {
      assert.equal(await byUrl.evaluateValue('6 * 7'), 42);
      assert.equal(byUrl.viaJsDebug, false);
    } finally {
      await byUrl.close();
    }
    assert.equal(byUrl.closed, true);
    await assert.rejects(byUrl.heapUsage(), isCode('CLOSED', /connection to the inspector closed during Runtime\.getHeapUsage: closed by Leak Lens/));
    assert.equal(await session.evaluateValue('1 + 1'), 2);
  });

  test('heapUsage and collectGarbage', async () => {
    const used = await session.heapUsage();
    assert.ok(used > 100_000, `usedSize ${used}`);
    const details = await session.heapUsageDetails();
    assert.ok(details.totalSize >= details.usedSize);
    await session.collectGarbage();
    assert.ok((await session.heapUsage()) > 0);
  });

  test('a snapshot streams into the parser, with progress', async () => {
    const { snapshot, progress, chunks } = await snapshotInto(session);
    assert.ok(snapshot.nodeCount > 1000, `nodes ${snapshot.nodeCount}`);
    assert.ok(chunks > 1, `chunks ${chunks}`);
    assert.ok(progress.length > 0, 'progress reported');
    const [done, total] = progress[progress.length - 1];
    assert.equal(done, total);
  });

  test('an async, slow sink gets every chunk in order (the parse would fail otherwise)', async () => {
    let calls = 0;
    const { snapshot } = await snapshotInto(
      session,
      async (parser, chunk) => {
        if (calls++ % 3 === 0) await new Promise((r) => setTimeout(r, 1));
        else await new Promise((r) => setImmediate(r));
        parser.write(chunk);
      },
      2,
    );
    assert.ok(snapshot.nodeCount > 1000);
  });

  test('cancelling a snapshot rejects with AbortError once V8 is done; the session stays usable', async () => {
    const controller = new AbortController();
    let chunks = 0;
    await assert.rejects(
      session.takeSnapshot(
        () => {
          if (++chunks === 1) controller.abort();
        },
        { signal: controller.signal },
      ),
      (e: unknown) => e instanceof Error && e.name === 'AbortError',
    );
    assert.equal(chunks, 1, 'nothing forwarded after the abort');
    // No chunk of the cancelled snapshot leaks into the next one.
    const { snapshot } = await snapshotInto(session);
    assert.ok(snapshot.nodeCount > 1000);
    await assert.rejects(session.takeSnapshot(() => undefined, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  test('evaluate and callFunction: sync and async, with this and arguments', async () => {
    const add = await session.evaluate('calculator.add');
    const calculator = await session.evaluate('calculator');
    const five = await session.evaluate('[5]');
    const r1 = await session.callFunction(add.objectId!, calculator.objectId, five.objectId);
    assert.equal(r1.value, 5);
    const r2 = await session.callFunction(add.objectId!, calculator.objectId, five.objectId);
    assert.equal(r2.value, 10);
    assert.equal(await session.evaluateValue('calculator.total'), 10);

    const addLater = await session.evaluate('addLater');
    assert.equal(addLater.type, 'function');
    const args = await session.evaluate('[2, 40]');
    const r3 = await session.callFunction(addLater.objectId!, undefined, args.objectId);
    assert.equal(r3.type, 'number');
    assert.equal(r3.value, 42, 'the promise was awaited');

    // No this, no arguments; an object result stays remote.
    const loadApp = await session.evaluate('loadApp');
    const before = await session.evaluateValue<number>('fixtureState.loadAppCalls');
    const r4 = await session.callFunction(loadApp.objectId!, undefined, undefined);
    assert.equal(r4.value, before + 1);
    const obj = await session.callFunction((await session.evaluate('(() => ({ a: 1 }))')).objectId!, undefined, undefined);
    assert.equal(obj.type, 'object');
    assert.ok(obj.objectId);
    await session.releaseAll();
    await assert.rejects(session.callFunction(obj.objectId!, undefined, undefined), isCode('PROTOCOL', /Could not find object/));
  });

  test('a throwing function gives its message and remote stack; a rejection too', async () => {
    const failing = await session.evaluate('failingJob');
    await assert.rejects(session.callFunction(failing.objectId!, undefined, undefined), (e: unknown) => {
      assert.ok(e instanceof DebuggeeThrewError);
      assert.equal(e.code, 'THREW');
      assert.match(e.message, /^failingJob\(\) threw Error: fixture failure: bad input$/);
      assert.match(e.remoteStack ?? '', /at innerFailure .*app\.js:\d+/);
      assert.match(e.remoteStack ?? '', /at failingJob /);
      assert.match(e.exceptionDetails.text, /Uncaught/);
      return true;
    });
    const rejecting = await session.evaluate('rejectingJob');
    await assert.rejects(session.callFunction(rejecting.objectId!, undefined, undefined, { name: 'rejectingJob' }), (e: unknown) => {
      assert.ok(e instanceof DebuggeeThrewError);
      assert.match(e.message, /^rejectingJob rejected with TypeError: async fixture failure$/);
      return true;
    });
    await assert.rejects(session.evaluate('(() => { throw "plain"; })()'), /evaluating .* threw "plain"/);
    await assert.rejects(session.evaluate('undefinedThing.x'), (e: unknown) => {
      assert.ok(e instanceof DebuggeeThrewError);
      assert.match(e.message, /evaluating undefinedThing\.x threw ReferenceError: undefinedThing is not defined/);
      return true;
    });
    await session.releaseAll();
  });

  test('a function that never settles times out, naming it', async () => {
    const never = await session.evaluate('neverSettles');
    const t0 = Date.now();
    await assert.rejects(
      session.callFunction(never.objectId!, undefined, undefined, { timeoutMs: 500 }),
      isCode('TIMEOUT', /^neverSettles\(\) did not settle within 500 ms .*stays pending in the debuggee/),
    );
    const ms = Date.now() - t0;
    assert.ok(ms >= 490 && ms < 3000, `timed out after ${ms} ms`);
    await assert.rejects(
      session.call('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true }, 200),
      isCode('TIMEOUT', /^Runtime\.evaluate did not answer within 200 ms$/),
    );
    assert.equal(await session.evaluateValue('2 + 2'), 4, 'the session is still usable');
    await session.releaseAll();
  });

  test('finds loadApp by file:line in a snapshot, and calls the live closure', async () => {
    await session.enableHeapProfiler();
    const byPath = await session.scriptIdsForFile(APP);
    assert.ok(byPath.length >= 1, 'script id of the fixture');
    assert.deepEqual(await session.scriptIdsForFile(pathToFileURL(APP).href), byPath);

    const { snapshot } = await snapshotInto(session);
    assert.deepEqual(scriptIdsInSnapshot(snapshot, APP), byPath, 'the snapshot alone gives the same ids');

    const line = lineOf('function loadApp(');
    const ids = findClosuresAt(snapshot, byPath, line);
    assert.equal(ids.length, 1, `closures at line ${line}: ${ids.length}`);
    assert.deepEqual(nodeNames(snapshot, ids), ['loadApp']);
    const [match] = findClosureMatches(snapshot, byPath, line, 0);
    assert.equal(match.column, 'function loadApp'.length, 'V8 locates a function at its parameter list');
    assert.deepEqual(findClosuresAt(snapshot, byPath, line + 1), [], 'nothing on the next line');
    assert.deepEqual(findClosuresAt(snapshot, [999_999], line), []);

    const fn = await session.objectForNodeId(ids[0]);
    assert.equal(fn.type, 'function');
    const before = await session.evaluateValue<number>('fixtureState.loadAppCalls');
    const r = await session.callFunction(fn.objectId!, undefined, undefined);
    assert.equal(r.value, before + 1);
    assert.equal(await session.evaluateValue('fixtureState.loadAppCalls'), before + 1);

    // A closure no global reaches: only the snapshot finds it.
    const hiddenIds = findClosuresAt(snapshot, byPath, lineOf('function hiddenWork('));
    assert.deepEqual(nodeNames(snapshot, hiddenIds), ['hiddenWork']);
    const hidden = await session.objectForNodeId(hiddenIds[0]);
    const step = await session.evaluate('[5]');
    assert.equal((await session.callFunction(hidden.objectId!, undefined, step.objectId)).value, 5);
    await session.releaseAll();

    // Node ids die with HeapProfiler.disable.
    await session.finishHeapProfiler({ leaveEnabled: false });
    await assert.rejects(session.objectForNodeId(ids[0]), isCode('NOT_AVAILABLE', /not available/));
  });

  test('a paused debuggee is reported, not waited on', async () => {
    const other = await connectInspector(app.wsUrl);
    try {
      const paused = new Promise<void>((resolve) => other.onEvent('Debugger.paused', () => resolve()));
      await other.call('Debugger.enable');
      await session.evaluate('pauseSoon()');
      await within(paused, 5000, 'Debugger.paused');
      const t0 = Date.now();
      await assert.rejects(session.checkResponsive(300), isCode('PAUSED', /the debuggee is paused .*resume it first/));
      const fn = await session.evaluate('loadApp');
      await assert.rejects(session.callFunction(fn.objectId!, undefined, undefined, { responsiveTimeoutMs: 300 }), isCode('PAUSED'));
      assert.ok(Date.now() - t0 < 5000);
      await other.call('Debugger.resume');
    } finally {
      await other.close();
    }
    await session.checkResponsive();
    await session.releaseAll();
  });

  test('afterwards: no new globals in the debuggee, and it is not paused', async () => {
    const globalsAfter = await session.evaluateValue<string[]>('Object.getOwnPropertyNames(globalThis)');
    assert.deepEqual(globalsAfter, globalsBefore);
    await session.checkResponsive();
    assert.notEqual(session.isPaused, true);
  });
});

describe('when the debuggee goes away', () => {
  test('process.exit() during a call: a connection-closed error, and the process can exit', async () => {
    const app = await startDebuggee(APP, 'fixture ready');
    try {
      const session = await connectInspector(app.wsUrl);
      const closed = new Promise<InspectorError>((resolve) => session.onClose(resolve));
      const exitSoon = await session.evaluate('exitSoon');
      const code = await session.evaluate('[3]');
      await assert.rejects(
        session.callFunction(exitSoon.objectId!, undefined, code.objectId, { timeoutMs: 10_000 }),
        isCode('CLOSED', /^connection to the inspector closed during Runtime\.callFunctionOn: .*process is exiting/),
      );
      assert.equal((await within(closed, 2000, 'onClose')).code, 'CLOSED');
      // Node waits for debuggers to disconnect before exiting: we must have let go.
      await within(app.exited, 5000, 'debuggee exit');
      await assert.rejects(session.heapUsage(), isCode('CLOSED', /connection to the inspector closed/));
    } finally {
      await stop(app);
    }
  });

  test('the process killed mid-call: pending calls fail at once', async () => {
    const app = await startDebuggee(APP, 'fixture ready');
    try {
      const session = await connectInspector(app.wsUrl);
      const never = await session.evaluate('neverSettles');
      const call = session.callFunction(never.objectId!, undefined, undefined, { timeoutMs: 20_000 });
      const usage = new Promise((r) => setTimeout(r, 100)).then(() => {
        const p = session.call('Runtime.evaluate', { expression: 'new Promise(() => {})', awaitPromise: true });
        app.child.kill('SIGKILL');
        return p;
      });
      const t0 = Date.now();
      await assert.rejects(call, isCode('CLOSED', /^connection to the inspector closed during Runtime\.callFunctionOn: the debuggee exited/));
      await assert.rejects(usage, isCode('CLOSED', /connection to the inspector closed during Runtime\.evaluate/));
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(session.closed, true);
    } finally {
      await stop(app);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A stand-in for js-debug's CDP proxy: one upstream session (with Debugger already enabled, as
// the VS Code debugger has it), JsDebug.subscribe, and only subscribed events forwarded.

interface WsLike {
  send(data: string): void;
  close(): void;
  on(event: 'message', l: (data: unknown) => void): void;
}
interface WsServerLike {
  address(): { port: number };
  on(event: 'connection', l: (ws: WsLike) => void): void;
  on(event: 'listening', l: () => void): void;
  close(cb?: () => void): void;
}
interface CdpClientLike {
  send(method: string, params?: object): Promise<unknown>;
  on(event: 'event', l: (m: { method: string; params: unknown }) => void): void;
  close(): Promise<void>;
}

async function startFakeJsDebugProxy(wsUrl: string) {
  // ws 7 comes with chrome-remote-interface, a runtime dependency.
  const criDir = path.dirname(require.resolve('chrome-remote-interface'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ws = require(require.resolve('ws', { paths: [criDir] })) as { Server: new (o: object) => WsServerLike };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cri = require('chrome-remote-interface') as (o: object) => Promise<CdpClientLike>;
  const upstream = await cri({ target: wsUrl, protocol: { domains: [] } });
  await upstream.send('Debugger.enable');
  const received: { method: string; params: unknown }[] = [];
  const subscriptions: string[] = [];
  let client: WsLike | undefined;
  upstream.on('event', (m) => {
    const wanted = subscriptions.some((s) => (s.endsWith('*') ? m.method.startsWith(s.slice(0, -1)) : m.method === s));
    if (wanted) client?.send(JSON.stringify({ method: m.method, params: m.params }));
  });
  const pathName = '/a1b2c3';
  const server = new ws.Server({ host: '127.0.0.1', port: 0, path: pathName });
  await new Promise<void>((r) => server.on('listening', r));
  server.on('connection', (socket) => {
    client = socket;
    socket.on('message', async (data) => {
      const { id, method, params } = JSON.parse(String(data)) as { id: number; method: string; params: { events?: string[] } };
      received.push({ method, params });
      if (method === 'JsDebug.subscribe') {
        subscriptions.push(...(params.events ?? []));
        socket.send(JSON.stringify({ id, result: {} }));
        return;
      }
      try {
        socket.send(JSON.stringify({ id, result: await upstream.send(method, params) }));
      } catch (e) {
        const err = e as { response?: { code: number; message: string } };
        socket.send(JSON.stringify({ id, error: err.response ?? { code: 0, message: String(e) } }));
      }
    });
  });
  return {
    address: { host: '127.0.0.1', port: server.address().port, path: pathName },
    received,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await upstream.close();
    },
  };
}

describe('through a js-debug style CDP proxy', () => {
  test('subscribes first, streams snapshots, resolves by the snapshot, and never disables shared domains', async () => {
    const app = await startDebuggee(APP, 'fixture ready');
    let proxy: Awaited<ReturnType<typeof startFakeJsDebugProxy>> | undefined;
    try {
      proxy = await startFakeJsDebugProxy(app.wsUrl);
      const session = await connectInspector(proxy.address, { timeoutMs: 20_000 });
      try {
        assert.equal(session.viaJsDebug, true);
        assert.equal(proxy.received[0].method, 'JsDebug.subscribe');
        assert.ok((proxy.received[0].params as { events: string[] }).events.includes('HeapProfiler.*'));

        await session.enableHeapProfiler();
        const { snapshot, progress } = await snapshotInto(session);
        assert.ok(snapshot.nodeCount > 1000 && progress.length > 0);
        // Debugger belongs to js-debug here and V8 replays no scriptParsed: the snapshot knows.
        assert.deepEqual(await session.scriptIdsForFile(APP), []);
        const scriptIds = scriptIdsInSnapshot(snapshot, pathToFileURL(APP).href);
        assert.equal(scriptIds.length, 1);
        const [id] = findClosuresAt(snapshot, scriptIds, lineOf('function loadApp('));
        const fn = await session.objectForNodeId(id);
        const before = await session.evaluateValue<number>('fixtureState.loadAppCalls');
        assert.equal((await session.callFunction(fn.objectId!, undefined, undefined)).value, before + 1);
        await session.releaseAll();
        await session.finishHeapProfiler({ leaveEnabled: true });
      } finally {
        await session.close();
      }
      const methods = proxy.received.map((m) => m.method);
      for (const m of ['HeapProfiler.disable', 'Debugger.disable', 'Debugger.setSkipAllPauses']) {
        assert.ok(!methods.includes(m), `${m} sent through the proxy: ${methods.join(', ')}`);
      }
      assert.ok(methods.includes('Runtime.releaseObjectGroup'));
    } finally {
      await proxy?.close();
      await stop(app);
    }
  });
});
