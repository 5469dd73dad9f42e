/**
 * ES module methods and worker threads through the real CLI and real `node --inspect`
 * processes: `--this` names a module binding (not a global) or an instance by class; an
 * import() expression is refused and the program lives on; a function that runs only in a
 * worker is profiled in that worker, and one found nowhere is never reported as "no leak".
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, runCli, startDebuggee } from './support/fixtures';

const fixture = (f: string) => path.join(repoRoot, 'test/fixtures/esm', f);
const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('leak-lens:')) ?? '';

test('--this names a module-level const of an ES module: the leak is found with its class, the fixed twin is clean', async () => {
  const leaky = await runCli(['profile', fixture('registry.mjs'), '--function', 'track', '--this', 'registry', '--args', '["x"]']);
  assert.equal(leaky.code, 1, leaky.stdout + leaky.stderr);
  assert.match(leaky.stdout, /track leaks 1 Entry per call/);
  assert.match(leaky.stdout, /Registry\.entries/);
  const fixed = await runCli(['profile', fixture('registry-fixed.mjs'), '--function', 'track', '--this', 'registry', '--args', '["x"]']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /No leak/);
});

test('--this new:Registry picks the one live instance; a class without instances is refused clearly', async () => {
  const r = await runCli(['profile', fixture('registry.mjs'), '--function', 'track', '--this', 'new:Registry', '--args', '["x"]']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /track leaks 1 Entry per call/);
  // The fixed twin keeps no Entry: a class without a live instance gives a clear error.
  const none = await runCli(['profile', fixture('registry-fixed.mjs'), '--function', 'track', '--this', 'new:Entry']);
  assert.equal(none.code, 2, none.stderr);
  assert.match(errorLine(none.stderr), /the program has no live Entry/);
  assert.doesNotMatch(none.stderr, /^\s+at\s/m);
});

test('an import() expression is refused before it runs, and the attached program is still alive afterwards', async () => {
  const debuggee = await startDebuggee(fixture('registry.mjs'), 'ready');
  try {
    for (const flags of [
      ['--function', 'import("node:os").then((m) => m.cpus)'],
      ['--function', 'track', '--this', 'await import("./registry.mjs")'],
      ['--function', 'track', '--this', 'registry', '--args', '[import ("node:os")]'],
    ]) {
      const r = await runCli(['attach', `127.0.0.1:${debuggee.port}`, ...flags]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(errorLine(r.stderr), /uses import\(\), which Node cannot run from the inspector/);
      assert.doesNotMatch(r.stderr, /^\s+at\s/m);
    }
    // A promise that rejects unhandled would end the program the same way: it is handled, and reported.
    const rejected = await runCli(['attach', `127.0.0.1:${debuggee.port}`, '--function', 'track', '--this', 'Promise.reject(new Error("x"))']);
    assert.equal(rejected.code, 2, rejected.stdout + rejected.stderr);
    assert.match(errorLine(rejected.stderr), /rejected with Error: x/);
    // Still running, and still answering: a run by module binding works after the refusals.
    assert.equal(debuggee.child.exitCode, null, 'the program is still running');
    const after = await runCli(['attach', `127.0.0.1:${debuggee.port}`, '--function', 'track', '--this', 'registry', '--args', '["y"]']);
    assert.equal(after.code, 1, after.stdout + after.stderr);
    assert.equal(debuggee.child.exitCode, null, 'the program is still running after the profile');
    // The run left many Entry objects alive: picking one by class is refused with the count.
    const several = await runCli(['attach', `127.0.0.1:${debuggee.port}`, '--function', 'track', '--this', 'new:Entry']);
    assert.equal(several.code, 2, several.stdout + several.stderr);
    assert.match(errorLine(several.stderr), /needs exactly one live Entry, and the program has \d+;/);
  } finally {
    debuggee.child.kill();
    await debuggee.exited;
  }
});

test('a function that runs only in a worker thread is profiled in that worker: the leak, its holder and the worker named; the fixed twin is clean', async () => {
  const r = await runCli(['profile', fixture('worker-leak.mjs'), '--function', 'cacheResult', '--args', '["x"]']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /cacheResult leaks 1 \{id, data\} per call/);
  assert.match(r.stdout, /held by kept in worker-body\.mjs \(module variable, Array\)/);
  assert.match(r.stdout, /in worker thread "\[worker 1\] cache-worker" \(file:\/\/.*worker-body\.mjs\)/);
  assert.match(r.stdout, /Allocated in cacheResult \(.*worker-body\.mjs:4\)/);
  const fixed = await runCli(['profile', fixture('worker-leak.mjs'), '--function', 'cacheResult', '--args', '["x"]', '--', './worker-body-fixed.mjs']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /No leak/);
  assert.match(fixed.stdout, /in worker thread "\[worker 1\] cache-worker"/);
});

test('a name in neither the main thread nor a worker fails naming the worker looked in, never "no leak"', async () => {
  const r = await runCli(['profile', fixture('worker-leak.mjs'), '--function', 'notAnywhere']);
  assert.notEqual(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /No leak/);
  const line = errorLine(r.stderr);
  assert.match(line, /looked for in the main thread and in the program's 1 worker thread \("\[worker 1\] cache-worker" \(file:\/\/.*worker-body\.mjs\)\), and none has it/);
});

test('a function only in cluster workers is profiled in one of them, found by the inspector it announced; a name found nowhere lists the processes looked in', async () => {
  const r = await runCli(['profile', fixture('cluster-leak.cjs'), '--function', 'handleRequest']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /handleRequest leaks 1 \{[^}]*body\} per call/);
  assert.match(r.stdout, /in its child process at 127\.0\.0\.1:\d+ /);
  const none = await runCli(['profile', fixture('cluster-leak.cjs'), '--function', 'notAnywhere']);
  assert.notEqual(none.code, 0, none.stdout + none.stderr);
  assert.doesNotMatch(none.stdout + none.stderr, /No leak/);
  assert.match(errorLine(none.stderr), /also looked for in the program's 2 child processes with an inspector \(cluster workers or forks, at 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\), and none has it/);
});

/** A port whose next `count` ports are free too: a cluster's workers take the primary's plus one, plus two. */
async function freePortRun(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let tries = 0; tries < 50; tries++) {
    const start = 20000 + Math.floor(Math.random() * 30000);
    const all = await Promise.all(Array.from({ length: count }, (_, i) => free(start + i)));
    if (all.every(Boolean)) return start;
  }
  throw new Error('no run of free ports');
}

test('attach to a cluster primary: a function only in its workers is profiled in one, found on the next ports', async () => {
  const port = await freePortRun(4);
  const primary = spawn(process.execPath, [`--inspect=127.0.0.1:${port}`, fixture('cluster-leak.cjs')], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the cluster did not start:\n${stderr}`)), 15_000);
      primary.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        // The primary's inspector and one for each of the two workers.
        if ((stderr.match(/Debugger listening on/g) ?? []).length >= 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const r = await runCli(['attach', `127.0.0.1:${port}`, '--function', 'handleRequest']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /handleRequest leaks 1 \{[^}]*body\} per call/);
    assert.match(r.stdout, new RegExp(`the process at 127\\.0\\.0\\.1:(${port + 1}|${port + 2}), next to the inspector at 127\\.0\\.0\\.1:${port}`));
    const none = await runCli(['attach', `127.0.0.1:${port}`, '--function', 'notAnywhere']);
    assert.match(errorLine(none.stderr), new RegExp(`looked for in the 2 processes whose inspectors listen on the next ports \\(where a cluster's workers listen: 127\\.0\\.0\\.1:${port + 1}, 127\\.0\\.0\\.1:${port + 2}\\)`));
  } finally {
    primary.kill();
  }
});

test('on attach, the worker is profiled and left as found: it keeps running and can be profiled again', async () => {
  const debuggee = await startDebuggee(fixture('worker-leak.mjs'), 'ready');
  try {
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['attach', `127.0.0.1:${debuggee.port}`, '--function', 'globalThis.cacheResult', '--args', '["y"]']);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /leaks 1 \{id, data\} per call/);
      assert.match(r.stdout, /in worker thread "\[worker 1\] cache-worker"/);
    }
    assert.equal(debuggee.child.exitCode, null, 'the program is still running');
  } finally {
    debuggee.child.kill();
    await debuggee.exited;
  }
});
