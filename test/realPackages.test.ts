/**
 * Leaks and controls on real npm packages (test/fixtures/packages/, installed from their own lock,
 * never part of the root install). Each program is a documented misuse of a real package, or a
 * correct use of it, called once per "request" the way a user's code would.
 *
 * For each program:
 * - the plain measurement (confirm.js: heap use after GC over hundreds of calls, no Leak Lens)
 *   says whether it really leaks: leaks grow, controls stay flat;
 * - the real CLI (`profile --json`) must agree: a leak exits 1 with the expected class among its
 *   primary leaks, a control exits 0 with no primary leak;
 * - for a leak, "names the user's line": the report points at the user's line that causes it
 *   (the line marked `// LEAK-LINE`), in an allocation frame, a culprit's holder location, or
 *   anywhere else as a line of that file.
 *
 * Set LEAK_LENS_REAL_PACKAGES_RESULTS=<file> to also write what each run found there as JSON.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { LeakReport } from '../src/report/types';
import { validateReport } from '../src/report/validate';
import { repoRoot, runCli, runProcess, type ProcessOutput } from './support/fixtures';

const folder = 'test/fixtures/packages';
const programPath = (file: string) => path.join(repoRoot, folder, file);

interface Case {
  file: string;
  fn: string;
  kind: 'leak' | 'control';
  /** For a leak: the class Leak Lens should name as a primary leak. */
  className?: string;
}

const cases: Case[] = [
  { file: 'axios-interceptor-leak.js', fn: 'fetchProfile', kind: 'leak', className: '{fulfilled, rejected, synchronous, runWhen}' },
  { file: 'rxjs-subscribe-leak.mjs', fn: 'handleRequest', kind: 'leak', className: 'SafeSubscriber' },
  { file: 'dataloader-shared-leak.js', fn: 'loadOrder', kind: 'leak', className: 'Promise' },
  // node-cache's `{ t, v }` and prom-client's `{ value, labels }`: a heap snapshot has no edge for
  // a small-integer field (`t` is 0, `value` 1), so the records are named by their other field.
  { file: 'node-cache-leak.js', fn: 'handleCheckout', kind: 'leak', className: '{v}' },
  { file: 'prom-client-label-leak.js', fn: 'handleRequest', kind: 'leak', className: '{labels}' },
  { file: 'node-schedule-leak.js', fn: 'acceptUpload', kind: 'leak', className: 'Job' },
  { file: 'debug-old-leak.js', fn: 'handleRequest', kind: 'leak', className: 'debug()' },
  { file: 'ajv-compile-per-call-leak.js', fn: 'validatePayload', kind: 'leak', className: 'ValueScopeName' },
  { file: 'lodash-memoize-leak.js', fn: 'quote', kind: 'leak', className: '{key, history}' },
  { file: 'axios-interceptor-control.js', fn: 'fetchProfile', kind: 'control' },
  { file: 'rxjs-take-control.js', fn: 'handleRequest', kind: 'control' },
  { file: 'dataloader-per-request-control.js', fn: 'loadOrder', kind: 'control' },
  { file: 'prom-client-bounded-control.js', fn: 'handleRequest', kind: 'control' },
  { file: 'debug-fixed-control.js', fn: 'handleRequest', kind: 'control' },
  { file: 'console-log-control.js', fn: 'handleRequest', kind: 'control' },
  { file: 'split2-pipeline-control.js', fn: 'importBatch', kind: 'control' },
  { file: 'lru-cache-bounded-control.js', fn: 'renderProduct', kind: 'control' },
  { file: 'weakmap-memo-control.js', fn: 'handleRequest', kind: 'control' },
  { file: 'ajv-compile-once-control.js', fn: 'validatePayload', kind: 'control' },
  { file: 'lodash-memoize-bounded-control.js', fn: 'quote', kind: 'control' },
];

before(() => {
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/installTools.mjs'), folder], { cwd: repoRoot, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(
      `could not install ${folder}/ (node scripts/installTools.mjs ${folder} exited ${run.status ?? run.signal}); ` +
        `it needs the npm registry once per lock:\n${run.stderr}`,
    );
  }
});

/** 1-based number of the line marked `// LEAK-LINE`. */
function leakLine(file: string): number {
  const lines = fs.readFileSync(programPath(file), 'utf8').split('\n');
  const marked = lines.flatMap((l, i) => (l.includes('// LEAK-LINE') ? [i + 1] : []));
  assert.equal(marked.length, 1, `${file} marks exactly one LEAK-LINE`);
  return marked[0];
}

interface Confirmed {
  bytesPerCall: number;
  verdict: 'grows' | 'flat' | 'unclear';
  readings: [number, number][];
}

async function confirm(c: Case): Promise<Confirmed> {
  const r = await runProcess(process.execPath, [path.join(repoRoot, folder, 'confirm.js'), programPath(c.file), c.fn]);
  assert.equal(r.code, 0, `confirm.js ${c.file} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Confirmed;
}

interface CliRun extends ProcessOutput {
  report: LeakReport | null;
}

const cliRuns = new Map<string, Promise<CliRun>>();
/** The CLI's run on one program, once per test process (the verdict and the line tests share it). */
function profile(c: Case): Promise<CliRun> {
  let run = cliRuns.get(c.file);
  if (!run) {
    run = runCli(['profile', programPath(c.file), '--function', c.fn, '--json']).then((r) => ({
      ...r,
      report: r.stdout.trim() ? validateReport(JSON.parse(r.stdout)) : null,
    }));
    cliRuns.set(c.file, run);
  }
  return run;
}

/** A local path for a script name or URL from the heap. */
function localPath(name: string | undefined): string | undefined {
  if (!name) return undefined;
  if (name.startsWith('file://')) {
    try {
      return fileURLToPath(name);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(name) ? name : undefined;
}

/**
 * Every place the report names a line of `file`: JSON path → 1-based line. Allocation frames
 * carry 1-based lines and their script's name; source locations (a finding's, a culprit
 * holder's, a graph node's) carry 0-based lines and a script id looked up in `report.scripts`;
 * text anywhere may say `file.js:line`. The profiled function's own location is left out.
 */
function namedLines(report: LeakReport, file: string): { where: string; line: number }[] {
  const target = programPath(file);
  const textLine = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`, 'g');
  const found: { where: string; line: number }[] = [];
  const visit = (value: unknown, where: string): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(textLine)) found.push({ where, line: Number(m[1]) });
      return;
    }
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${where}[${i}]`));
      return;
    }
    const o = value as Record<string, unknown>;
    if (typeof o.scriptId === 'number' && typeof o.line === 'number') {
      const frame = typeof o.scriptName === 'string' && typeof o.depth === 'number';
      const script = localPath(frame ? (o.scriptName as string) : report.scripts[String(o.scriptId)]) ?? localPath(report.scripts[String(o.scriptId)]);
      if (script && path.resolve(script) === target) found.push({ where, line: frame ? o.line : o.line + 1 });
    }
    for (const [k, v] of Object.entries(o)) {
      if (where === '' && (k === 'function' || k === 'scripts' || k === 'target')) continue;
      visit(v, where ? `${where}.${k}` : k);
    }
  };
  visit(report, '');
  return found;
}

interface Result {
  file: string;
  kind: Case['kind'];
  expected?: string;
  confirm?: Confirmed;
  code?: number | null;
  verdict?: string;
  summary?: string;
  /** Every finding, primary or not, with its culprit. */
  leaks?: { className: string; primary: boolean; countPerCall: number; culprit?: string }[];
  leakLine?: number;
  userLineNamedAt?: string[];
}
const results = new Map<string, Result>(cases.map((c) => [c.file, { file: c.file, kind: c.kind, expected: c.className }]));

/** Keeps what the CLI said about a program; its primary leaks. */
function record(c: Case, r: CliRun): NonNullable<Result['leaks']> {
  const result = results.get(c.file)!;
  result.code = r.code;
  result.verdict = r.report?.verdict;
  result.summary = r.report?.summary;
  result.leaks = (r.report?.leaks ?? []).map((l) => ({ className: l.className, primary: l.primary, countPerCall: l.countPerCall, culprit: l.culprit?.text }));
  return result.leaks.filter((l) => l.primary);
}

after(() => {
  const out = process.env.LEAK_LENS_REAL_PACKAGES_RESULTS;
  if (out) fs.writeFileSync(out, JSON.stringify([...results.values()], null, 2));
});

test('every program says in its header what it is, and marks its leak line', () => {
  for (const c of cases) {
    const text = fs.readFileSync(programPath(c.file), 'utf8');
    const header = text.slice(0, text.indexOf('*/'));
    assert.match(header, c.kind === 'leak' ? /\bLEAK\b/ : /\bCONTROL\b/, `${c.file} says it is a ${c.kind}`);
    assert.match(header, /Documented behaviour:/, `${c.file} cites the package's documented behaviour`);
    if (c.kind === 'leak') {
      assert.ok(header.includes(`Expected leaked class: ${c.className}`), `${c.file} names ${c.className}`);
      leakLine(c.file);
    } else {
      assert.ok(!text.includes('// LEAK-LINE'), `${c.file} is a control: no LEAK-LINE`);
    }
  }
});

for (const c of cases) {
  const expectation = c.kind === 'leak' ? 'grows per call' : 'stays flat';
  test(`${c.file}: without Leak Lens, heap use ${expectation}`, async (t) => {
    const m = await confirm(c);
    results.get(c.file)!.confirm = m;
    t.diagnostic(`${m.bytesPerCall} B/call (${m.verdict}); readings ${JSON.stringify(m.readings)}`);
    assert.equal(m.verdict, c.kind === 'leak' ? 'grows' : 'flat', `${c.file}: ${m.bytesPerCall} B/call`);
  });

  if (c.kind === 'leak') {
    test(`${c.file}: leak-lens finds ${c.className} leaking`, async (t) => {
      const r = await profile(c);
      const primaries = record(c, r);
      t.diagnostic(`exit ${r.code}, ${r.report?.verdict}: ${r.report?.summary}`);
      t.diagnostic(`findings: ${JSON.stringify(results.get(c.file)!.leaks)}`);
      assert.ok(r.report, `a JSON report (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
      assert.equal(r.code, 1, `exit code 1 for a leak:\n${r.stderr.slice(-2000)}`);
      assert.ok(
        primaries.some((l) => l.className === c.className),
        `a primary leak of ${c.className}, got ${JSON.stringify(primaries.map((l) => l.className))}`,
      );
    });

    test(`${c.file}: names the user's line`, async (t) => {
      const line = leakLine(c.file);
      const r = await profile(c);
      assert.ok(r.report, `a JSON report (exit ${r.code})`);
      const named = namedLines(r.report, c.file);
      const result = results.get(c.file)!;
      result.leakLine = line;
      result.userLineNamedAt = named.filter((n) => n.line === line).map((n) => n.where);
      t.diagnostic(`LEAK-LINE ${line}; lines of ${c.file} the report names: ${JSON.stringify(named.map((n) => `${n.line} at ${n.where}`))}`);
      assert.ok(
        named.some((n) => n.line === line),
        `the report names line ${line} of ${c.file}; it names ${JSON.stringify([...new Set(named.map((n) => n.line))])}`,
      );
    });
  } else {
    test(`${c.file}: leak-lens reports no leak`, async (t) => {
      const r = await profile(c);
      const primaries = record(c, r);
      t.diagnostic(`exit ${r.code}, ${r.report?.verdict}: ${r.report?.summary}`);
      t.diagnostic(`findings: ${JSON.stringify(results.get(c.file)!.leaks)}`);
      assert.ok(r.report, `a JSON report (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
      assert.deepEqual(primaries, [], 'no primary leak');
      assert.equal(r.code, 0, 'exit code 0 for a control');
    });
  }
}
