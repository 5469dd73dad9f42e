/**
 * Profiling an endpoint through the real CLI: `profile server.js --request 'METHOD url'` starts a
 * real server (plain `http`, and real express from test/fixtures/packages), sends each call as an
 * HTTP request from Leak Lens's side, and reports what the handler leaves behind. The leaking
 * servers keep one Session per request in a module-level Map; their fixed twins come out clean.
 * Each server listens on the port given as its first argument, picked free here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { before, test } from 'node:test';
import type { LeakReport } from '../src/report/types';
import { validateReport } from '../src/report/validate';
import { repoRoot, runCli, startDebuggee, type ProcessOutput } from './support/fixtures';

const folder = path.join(repoRoot, 'test/fixtures/endpoints');
const fixture = (file: string) => path.join(folder, file);
const JSON_BODY = ['--header', 'Content-Type: application/json', '--body', '{"user": "ada"}'];

before(() => {
  // Express comes from the test packages' own lock (as in realPackages.test.ts).
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/installTools.mjs'), 'test/fixtures/packages'], { cwd: repoRoot, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`could not install test/fixtures/packages/ (exit ${run.status ?? run.signal}):\n${run.stderr}`);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `profile <server> --request '<method> http://127.0.0.1:<port><route>' … --json -- <port>`. */
async function profileEndpoint(file: string, method: string, route: string, extra: string[] = []): Promise<ProcessOutput & { report: LeakReport | null }> {
  const port = await freePort();
  const r = await runCli(['profile', fixture(file), '--request', `${method} http://127.0.0.1:${port}${route}`, ...extra, '--json', '--', String(port)]);
  return { ...r, report: r.stdout.trim() ? validateReport(JSON.parse(r.stdout)) : null };
}

function leakLine(file: string): number {
  const lines = fs.readFileSync(fixture(file), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes('// LEAK-LINE')) + 1;
}

/** The leak is the handler's Session, one per request, held by the module's Map; the user's line is the handler's. */
function assertSessionLeak(r: ProcessOutput & { report: LeakReport | null }, file: string, name: string, holder: string): void {
  assert.equal(r.code, 1, `a leak exits 1:\n${r.stderr}`);
  const report = r.report as LeakReport;
  assert.equal(report.function?.name, name);
  assert.equal(report.function?.request?.method, name.split(' ')[0]);
  assert.equal(report.verdict, 'leak');
  const primary = report.leaks.filter((l) => l.primary);
  // Session first: it retains the most (anything after it is what each Session holds).
  const session = primary[0];
  assert.equal(session?.className, 'Session', `Session leaks: ${report.summary}`);
  assert.equal(session.countPerCall, 1, 'one Session per request');
  assert.match(session.culprit?.text ?? '', new RegExp(`^${holder} in ${file.replace('.', '\\.')}`), 'the culprit names the Map that holds them');
  assert.ok(session.userCall, 'the report names the user\'s line');
  assert.equal(path.resolve(session.userCall.scriptName.replace(/^file:\/\//, '')), fixture(file));
  // From the allocation stack: the handler's new Session(). A heap walk between the last
  // response and the snapshot can make V8 drop the stacks (a busy machine); the user's line is
  // then the one that stores each Session in the Map.
  if ((session.allocation?.userFrames ?? 0) > 0) {
    assert.equal(session.userCall.line, leakLine(file), 'the user\'s line is the handler\'s new Session()');
  } else {
    assert.equal(session.userCall.line, leakLine(file) + 1, 'without stacks, the user\'s line stores the Session');
    assert.equal(session.userCall.callee, `${holder}.set`);
  }
  assert.match(report.summary, new RegExp(`^${name} leaks 1 Session per request`));
}

test('a plain http server: the handler\'s Session per request is found, with its holder and the handler\'s line', async () => {
  const r = await profileEndpoint('http-leak.js', 'GET', '/bots/load');
  assertSessionLeak(r, 'http-leak.js', 'GET /bots/load', 'sessions');
});

test('an express app: a POST with a header and a JSON body; the leak, its holder and the handler\'s line', async () => {
  // Without the header and the body the handler throws and express answers 500: the run would fail.
  const r = await profileEndpoint('express-leak.js', 'POST', '/sessions', JSON_BODY);
  assertSessionLeak(r, 'express-leak.js', 'POST /sessions', 'sessionsByRequest');
});

test('requests kept by a middleware: the leaked IncomingMessage is Node\'s, the user\'s line is the one that stores it', async () => {
  const r = await profileEndpoint('express-inflight-leak.js', 'GET', '/hello');
  assert.equal(r.code, 1, r.stderr);
  const report = r.report as LeakReport;
  const top = report.leaks.find((l) => l.primary);
  assert.equal(top?.className, 'IncomingMessage', report.summary);
  assert.equal(top.countPerCall, 1);
  assert.match(top.culprit?.text ?? '', /^inflight in express-inflight-leak\.js \(module variable, Map\) → value → IncomingMessage$/);
  assert.equal(top.userCall?.line, leakLine('express-inflight-leak.js'), 'the line that stores each request');
  assert.equal(top.userCall?.callee, 'inflight.set');
});

test('express-session\'s MemoryStore keeps a session per request: found inside the package, named by it; stored nothing, clean', async () => {
  const r = await profileEndpoint('express-session-leak.js', 'GET', '/visit');
  assert.equal(r.code, 1, r.stderr);
  const report = r.report as LeakReport;
  const top = report.leaks.find((l) => l.primary);
  assert.ok(top, report.summary);
  assert.match(top.culprit?.text ?? '', /^MemoryStore\.sessions \(Object\) → /);
  // The hint aims at the user's call into the package, read from the allocation stack. A heap
  // walk between the last response and the snapshot can make V8 drop the stacks (a busy
  // machine): then there is no such call, and the report says the stack is unknown.
  if (top.userCall) {
    assert.match(top.fixHint ?? '', /inside express-session, keeps what \w+\(\) at endpoints\/express-session-leak\.js:\d+ adds on every request/);
    assert.match(top.fixHint ?? '', /a time to live/);
  } else {
    assert.equal(top.allocation?.userFrames ?? 0, 0, 'no user line only without a user frame');
  }
  const control = await profileEndpoint('express-session-control.js', 'GET', '/visit');
  assert.equal(control.code, 0, control.report?.summary ?? control.stderr);
});

test('the fixed twins come out clean (the express one with --body @file)', async () => {
  const plain = await profileEndpoint('http-fixed.js', 'GET', '/bots/load');
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.report?.verdict, 'clean', plain.report?.summary);
  const express = await profileEndpoint('express-fixed.js', 'POST', '/sessions', ['--header', 'Content-Type: application/json', '--body', `@${fixture('session.json')}`]);
  assert.equal(express.code, 0, express.stderr);
  assert.equal(express.report?.verdict, 'clean', express.report?.summary);
  assert.equal(express.report?.function?.name, 'POST /sessions');
});

test('a 500 answer ends the run with its status and the start of its body', async () => {
  const r = await profileEndpoint('http-leak.js', 'GET', '/fail');
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /leak-lens: GET \/fail answered 500 Internal Server Error: database is down <script>alert\(1\)<\/script>\./);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  // Express's own error page (the handler threw without a body) is cut to its first 200 characters.
  const e = await profileEndpoint('express-leak.js', 'POST', '/sessions');
  assert.equal(e.code, 2);
  const said = /answered 500 Internal Server Error: (.*)\. A request that fails/s.exec(e.stderr);
  assert.ok(said, e.stderr);
  assert.match(said[1], /TypeError/);
  assert.ok(said[1].length <= 201, `at most 200 characters of the body and an ellipsis, got ${said[1].length}`);
});

test('a non-loopback URL is refused before anything starts, for profile and for attach', async () => {
  const launched = await runCli(['profile', fixture('http-leak.js'), '--request', 'GET http://example.com/bots/load', '--', '1']);
  assert.equal(launched.code, 2);
  assert.match(launched.stderr, /^leak-lens: refusing to send requests to example\.com: only loopback servers/m);
  assert.doesNotMatch(launched.stderr, /\[http-leak\.js\]|resolve…/, 'the program was not started');
  const debuggee = await startDebuggee(fixture('http-fixed.js'));
  try {
    const attached = await runCli(['attach', `127.0.0.1:${debuggee.port}`, '--request', 'POST http://10.1.2.3:3000/x']);
    assert.equal(attached.code, 2);
    assert.match(attached.stderr, /refusing to send requests to 10\.1\.2\.3:3000/);
  } finally {
    debuggee.child.kill();
  }
});

test('bad request arguments get one sentence saying what to write', async () => {
  const cases: [string[], RegExp][] = [
    [['--request', 'GET'], /"GET" is not a URL/],
    [['--request', 'https://127.0.0.1:1/x'], /https URLs are not supported/],
    [['--request', 'GET http://127.0.0.1:1/x', '--header', 'no colon'], /"no colon" is not a header: write it as 'Name: value'/],
    [['--request', 'GET http://127.0.0.1:1/x', '--body', '@/no/such/file.json'], /Cannot read the request body from \/no\/such\/file\.json: it does not exist/],
    [['--request', 'GET http://127.0.0.1:1/x', '--function', 'f'], /give --function or --request, not both/],
    [['--function', 'f', '--header', 'A: b'], /--header goes with --request/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['profile', fixture('http-fixed.js'), ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('a server that never listens on the port ends the run with a clear error', async () => {
  const port = await freePort();
  let other = await freePort();
  while (other === port) other = await freePort();
  // The program listens on another port than the request names.
  const r = await runCli(['profile', fixture('http-fixed.js'), '--request', `GET http://127.0.0.1:${port}/bots/load`, '--', String(other)]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`nothing accepted connections at 127\\.0\\.0\\.1:${port} within 10 s`));
});
