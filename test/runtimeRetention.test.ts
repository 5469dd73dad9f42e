/**
 * Verdicts a developer can act on, on real Node processes through the real CLI:
 * - survivors only the runtime holds (V8's feedback, the inspector's console handles) are
 *   listed apart as held by the runtime, never as leaks, and a real leak beside them is the
 *   only one reported;
 * - in a chain (each call's object holds the previous one) the culprit is the link.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { LeakReport } from '../src/report/types';
import { validateReport } from '../src/report/validate';
import { repoRoot, runCli } from './support/fixtures';

const fixture = (f: string) => path.join(repoRoot, 'test/fixtures/leaks', f);

async function profile(script: string, fn: string, ...extra: string[]): Promise<{ code: number | null; report: LeakReport; stderr: string }> {
  const r = await runCli(['profile', script, '--function', fn, '--json', ...extra]);
  assert.ok(r.stdout.trim(), `a report\n${r.stderr}`);
  return { code: r.code, report: validateReport(JSON.parse(r.stdout)), stderr: r.stderr };
}

const primaryNames = (r: LeakReport) => r.leaks.filter((l) => l.primary).map((l) => l.className);

for (const snapshots of ['1', '3']) {
  test(`literal templates in a function's feedback are held by the runtime, not leaked (--snapshots ${snapshots})`, async () => {
    const { code, report } = await profile(fixture('runtime.js'), 'servePage', '--snapshots', snapshots);
    assert.equal(code, 0, `clean, not ${JSON.stringify(primaryNames(report))}`);
    assert.equal(report.verdict, 'clean');
    const held = report.runtimeHeld?.find((h) => h.className === '{title, links}');
    assert.ok(held, `the page templates are listed as held by the runtime: ${JSON.stringify(report.runtimeHeld)}`);
    assert.equal(held.reason, 'jit');
    assert.equal(held.countPerCall, 1);
    assert.match(held.via, /^renderPage\.feedback_cell → /);
    assert.match(held.note, /^held by the runtime, not by your program/);
    assert.ok(!report.leaks.some((l) => l.className === '{title, links}'), 'not among the leaks, primary or not');
  });
}

test('what console.log got, kept by the inspector, is held by the runtime: clean, with how to confirm', async () => {
  const r = await runCli(['profile', fixture('runtime.js'), '--function', 'logRequest']);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /No leak in 14 calls of logRequest/);
  assert.match(r.stdout, /Held by the runtime, not by your program/);
  assert.match(r.stdout, /RequestSummary: 1\/call · 7 survivors · via \(Global handles\)\.DevTools console/);
  assert.match(r.stdout, /without the console\.log, or clear the debugger's console/);
  assert.doesNotMatch(r.stdout, /^LEAK /m);
  const { report } = await profile(fixture('runtime.js'), 'logRequest');
  const held = report.runtimeHeld?.find((h) => h.className === 'RequestSummary');
  assert.equal(held?.reason, 'console');
  assert.equal(held?.count, 7);
});

test('a real leak beside runtime-held objects is the only leak reported', async () => {
  const { code, report } = await profile(fixture('runtime.js'), 'remember');
  assert.equal(code, 1);
  assert.equal(report.verdict, 'leak');
  assert.deepEqual(primaryNames(report), ['Visit']);
  const visit = report.leaks[0];
  assert.equal(visit.countPerCall, 1);
  assert.match(visit.culprit?.text ?? '', /visits/);
  assert.match(report.summary, /leaks 1 Visit per call/);
  const held = new Map((report.runtimeHeld ?? []).map((h) => [h.className, h.reason]));
  assert.equal(held.get('RequestSummary'), 'console');
  assert.equal(held.get('{title, links}'), 'jit');
  // Not also reported as a leak. A non-primary class of the same name can sit in both lists:
  // the Arrays each Visit holds (listed under Visit) and, on some runs, the boilerplates of the
  // page literals' link arrays that V8's feedback holds.
  for (const l of report.leaks.filter((f) => f.primary)) assert.ok(!held.has(l.className), `${l.className} is not also a leak`);
});

test('a chain (replaceThing): the culprit is the captured variable that links each object to the previous one', async () => {
  const { code, report } = await profile(fixture('chain.js'), 'replaceThing');
  assert.equal(code, 1);
  const top = report.leaks.find((l) => l.primary);
  assert.ok(top, JSON.stringify(report.leaks.map((l) => l.className)));
  assert.equal(top.className, '{longStr, someMethod}');
  assert.equal(top.countPerCall, 1);
  assert.equal(top.culprit?.kind, 'chain');
  assert.equal(top.culprit?.edgeName, 'originalThing');
  assert.equal(top.culprit?.sharedWith, 'someMethod()');
  assert.match(top.culprit?.text ?? '', /originalThing/);
  assert.match(top.culprit?.text ?? '', /a chain: each call's \{longStr, someMethod\} keeps all earlier ones alive/);
  assert.doesNotMatch(top.culprit?.where ?? '', /theThing/, 'not the variable that holds only the newest');
  assert.match(top.fixHint ?? '', /originalThing = null/);
  assert.match(top.fixHint ?? '', /all earlier ones alive/);
  // The path shown marks the link, and the graph marks it too.
  const link = top.paths[0];
  assert.equal(link.steps[link.culprit].edgeName, 'originalThing');
  assert.equal(link.steps[link.culprit].edgeType, 'context');
  assert.ok(top.graph?.edges.some((e) => e.culprit && e.name === 'originalThing'));
  // What the chain holds is listed under it, not as leaks of their own.
  assert.deepEqual(primaryNames(report), ['{longStr, someMethod}']);
  assert.ok(top.holds.some((h) => h.className === 'someMethod()'));
});

test('a chain gives the same culprit with three snapshots', async () => {
  const { code, report } = await profile(fixture('chain.js'), 'replaceThing', '--snapshots', '3');
  assert.equal(code, 1);
  const top = report.leaks.find((l) => l.primary);
  assert.equal(top?.culprit?.kind, 'chain');
  assert.equal(top?.culprit?.edgeName, 'originalThing');
});

test('runtimeHeld is checked when a report is read back; older reports without it still read', () => {
  const base = JSON.parse(JSON.stringify(minimalReport()));
  assert.doesNotThrow(() => validateReport(base));
  const ok = { ...base, runtimeHeld: [{ className: 'Payload', count: 7, countPerCall: 1, retainedSize: 840, reason: 'console', via: '(Global handles).DevTools console', note: 'held by the runtime' }] };
  assert.doesNotThrow(() => validateReport(ok));
  assert.throws(() => validateReport({ ...base, runtimeHeld: {} }), /"runtimeHeld" must be an array/);
  assert.throws(() => validateReport({ ...base, runtimeHeld: [{ ...ok.runtimeHeld[0], reason: 'gc' }] }), /"runtimeHeld" is malformed/);
  assert.throws(() => validateReport({ ...base, runtimeHeld: [{ ...ok.runtimeHeld[0], count: '7' }] }), /"runtimeHeld" is malformed/);
});

function minimalReport(): LeakReport {
  return {
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    target: { kind: 'launch', description: 'node app.js' },
    function: { name: 'f' },
    options: { snapshots: 1, iterations: 7, warmup: 1, callTimeoutMs: 30000, maxDepth: 10, tooMany: 3 },
    samples: [],
    slope: null,
    verdict: 'clean',
    summary: 'No leak in 14 calls of f.',
    leaks: [],
    watch: [],
    noiseFiltered: 0,
    scripts: {},
    timings: { resolveMs: 0, callsMs: 0, snapshotMs: 0, analysisMs: 0, totalMs: 0 },
  };
}
