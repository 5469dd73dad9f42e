/**
 * TypeScript programs, run as people run them: compiled by the real tsc with source maps, and
 * the same sources under tsx. The CLI is given the .ts line a CodeLens would send; it must find
 * the running function through the maps, find the leak, and name .ts lines in its report.
 * Also: a name two .ts files share gives their .ts places, and a broken map changes nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { LeakFinding, LeakReport, OriginalPosition } from '../src/report/types';
import { validateReport } from '../src/report/validate';
import { repoRoot, runCli, runProcess, testTempDir } from './support/fixtures';

const project = path.join(repoRoot, 'test/fixtures/typescript');
const source = (f: string) => path.join(project, 'src', f);
const ARGS = '[{"user":"ana"}]';

/** The 1-based line of the first line of a fixture source that contains `text`. */
function lineOf(file: string, text: string): number {
  const i = fs.readFileSync(source(file), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}

const HANDLE_LINE = lineOf('app.ts', 'export function handle');
const HEALTH_LINE = lineOf('health.ts', 'export function handle');
const NEW_SESSION_LINE = lineOf('registry.ts', 'new Session(');
const OPEN_SESSION_LINE = lineOf('registry.ts', 'export function openSession');
const STORE_SESSION_LINE = lineOf('registry.ts', 'Session.all.set(');

let compiled: Promise<string> | undefined;
/** The fixture compiled by the real tsc (sourceMap on) into a temp folder, once. */
function compile(into = 'ts-dist'): Promise<string> {
  const out = path.join(testTempDir(), into);
  const run = async () => {
    const r = await runProcess(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', project, '--outDir', out]);
    assert.equal(r.code, 0, `tsc: ${r.stdout}${r.stderr}`);
    return out;
  };
  if (into !== 'ts-dist') return run();
  return (compiled ??= run());
}

function topLeak(report: LeakReport | null): LeakFinding {
  assert.ok(report, 'a report');
  const top = report.leaks.find((l) => l.primary);
  assert.ok(top, `a primary leak in ${JSON.stringify(report.leaks.map((l) => l.className))}`);
  return top;
}

function assertAt(o: OriginalPosition | undefined, file: string, line: number, what: string): void {
  assert.ok(o, `${what} has an original position`);
  assert.equal(path.resolve(o.file), source(file), what);
  assert.equal(o.line, line, what);
}

/** The leak's .ts places: the user's call, the allocating functions and the graph's class node. */
function assertTypeScriptPlaces(top: LeakFinding): void {
  assert.equal(top.className, 'Session');
  assert.equal(top.countPerCall, 1);
  assertAt(top.userCall?.original, 'registry.ts', NEW_SESSION_LINE, 'the user call');
  assertAt(top.storedAt?.original, 'registry.ts', STORE_SESSION_LINE, 'the line that stores each Session');
  const frames = top.allocation?.frames ?? [];
  assertAt(frames.find((f) => f.functionName === 'openSession')?.original, 'registry.ts', OPEN_SESSION_LINE, 'openSession frame');
  assertAt(frames.find((f) => f.functionName === 'handle')?.original, 'app.ts', HANDLE_LINE, 'handle frame');
  // The class and its holder (Session.all, a static field) sit in registry.ts.
  assert.equal(path.resolve(top.location?.original?.file ?? ''), source('registry.ts'));
  assert.equal(path.resolve(top.culprit?.holderLocation?.original?.file ?? ''), source('registry.ts'));
  assert.ok(top.graph?.nodes.some((n) => n.location?.original && path.resolve(n.location.original.file) === source('registry.ts')));
}

test('tsc with source maps: the .ts line finds the running function, and the report speaks in .ts lines', async () => {
  const dist = await compile();
  const script = path.join(dist, 'app.js');
  const json = await runCli(['profile', script, '--function', `${source('app.ts')}:${HANDLE_LINE}`, '--args', ARGS, '--json']);
  assert.equal(json.code, 1, json.stderr);
  const report = validateReport(JSON.parse(json.stdout));
  assertTypeScriptPlaces(topLeak(report));
  // The running script's own positions stay: the compiled lines differ from the .ts ones.
  const call = topLeak(report).userCall;
  assert.ok(call && call.scriptName.startsWith(dist) && call.line !== NEW_SESSION_LINE, 'the compiled line is kept beside the .ts one');

  // Text: the .ts places, relative to the folder the CLI runs in (the repository root).
  const text = await runCli(['profile', script, '--function', `test/fixtures/typescript/src/app.ts:${HANDLE_LINE}`, '--args', ARGS]);
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, new RegExp(`Your line: test/fixtures/typescript/src/registry\\.ts:${NEW_SESSION_LINE} `));
  assert.match(text.stdout, new RegExp(`handle \\(test/fixtures/typescript/src/app\\.ts:${HANDLE_LINE}\\)`));
  assert.match(text.stdout, /Culprit: Session\.all \(Map\) → value → Session {2}\(test\/fixtures\/typescript\/src\/registry\.ts:\d+\)/);
});

test("tsc with source maps: a module variable is named in the .ts file the user wrote, not the compiled .js", async () => {
  // The project's own layout: dist/ beside src/, as its tsconfig says.
  const copy = path.join(testTempDir(), 'ts-own-layout');
  fs.cpSync(project, copy, { recursive: true });
  const tsc = await runProcess(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', copy]);
  assert.equal(tsc.code, 0, `tsc: ${tsc.stdout}${tsc.stderr}`);
  const r = await runCli(['profile', path.join(copy, 'dist', 'main.js'), '--function', 'logAction', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const top = topLeak(JSON.parse(r.stdout) as LeakReport);
  assert.equal(top.className, 'AuditEntry');
  assert.equal(top.culprit?.where, 'auditLog in src/audit.ts (module variable)');
  assert.match(top.fixHint ?? '', /^auditLog in src\/audit\.ts \(module variable\) is an Array/);
  assert.ok(top.paths[0].steps.some((s) => s.label === 'auditLog in src/audit.ts (module variable)'), JSON.stringify(top.paths[0].steps.map((s) => s.label)));
  const names = [top.culprit?.text, top.culprit?.where, top.culprit?.holder, top.fixHint, ...top.paths.flatMap((p) => p.steps.flatMap((s) => [s.from, s.to, s.label]))];
  names.push(...(top.graph?.nodes.map((n) => n.name) ?? []));
  assert.ok(!names.some((n) => n?.includes('audit.js')), `no compiled name left: ${names.filter((n) => n?.includes('audit.js')).join('; ')}`);
  assert.ok(names.includes('src/audit.ts (module scope)'), 'the scope node is named by the .ts file');
});

test('a broken source map: the run works as without maps, in the compiled lines', async () => {
  const dist = await compile('ts-broken-map');
  fs.writeFileSync(path.join(dist, 'registry.js.map'), '{"version":3,"sources":["../x.ts"],"mappings":"!!!not vlq;;;"');
  const r = await runCli(['profile', path.join(dist, 'app.js'), '--function', `${source('app.ts')}:${HANDLE_LINE}`, '--args', ARGS, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const top = topLeak(validateReport(JSON.parse(r.stdout)));
  assert.equal(top.className, 'Session');
  assert.equal(top.userCall?.original, undefined, 'no position from a broken map');
  assert.ok(top.userCall && top.userCall.scriptName === path.join(dist, 'registry.js'));
  // app.js's map is intact: its frame is still read back.
  assertAt(top.allocation?.frames.find((f) => f.functionName === 'handle')?.original, 'app.ts', HANDLE_LINE, 'handle frame');
});

interface Inspected {
  wsUrl: string;
  stop(): void;
}

/** `node --inspect=127.0.0.1:0 ...nodeArgs script`, once it prints "ready". */
function startInspected(nodeArgs: string[], script: string): Promise<Inspected> {
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', ...nodeArgs, script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => child.kill('SIGKILL');
  process.once('exit', stop);
  let stderr = '';
  let stdout = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (stop(), reject(new Error(`not ready in 20 s:\n${stderr}`))), 20_000);
    const check = () => {
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      if (m && stdout.includes('ready')) {
        clearTimeout(timer);
        resolve({ wsUrl: m[1], stop });
      }
    };
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), check()));
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), check()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited (${code}) before ready:\n${stderr}`))));
  });
}

for (const runner of [
  { name: 'tsx', nodeArgs: ['--import', 'tsx'], script: async () => source('main.ts') },
  { name: 'tsc', nodeArgs: [], script: async () => path.join(await compile(), 'main.js') },
]) {
  test(`${runner.name}: a name two .ts files share gives both .ts places (no export getter, no script id); the .ts line decides`, async () => {
    const debuggee = await startInspected(runner.nodeArgs, await runner.script());
    try {
      const byName = await runCli(['attach', debuggee.wsUrl, '--function', 'handle', '--args', ARGS]);
      assert.equal(byName.code, 2, byName.stdout);
      const places = /Several functions are named "handle" \(([^)]*)\)/.exec(byName.stderr)?.[1];
      assert.deepEqual(
        places?.split(', ').sort(),
        [`test/fixtures/typescript/src/app.ts:${HANDLE_LINE}`, `test/fixtures/typescript/src/health.ts:${HEALTH_LINE}`],
        byName.stderr,
      );
      const byLine = await runCli(['attach', debuggee.wsUrl, '--function', `${source('app.ts')}:${HANDLE_LINE}`, '--args', ARGS, '--json']);
      assert.equal(byLine.code, 1, byLine.stderr);
      assertTypeScriptPlaces(topLeak(validateReport(JSON.parse(byLine.stdout))));
    } finally {
      debuggee.stop();
    }
  });
}

test('reports: a source-mapped position is checked when read back, and reports without one stay valid', () => {
  const old = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/fixtures/reports/registry-leak.json'), 'utf8')) as LeakReport;
  assert.doesNotThrow(() => validateReport(old), 'a report made before source maps');
  const withOriginal = structuredClone(old);
  const leak = withOriginal.leaks[0];
  assert.ok(leak.location, 'the saved report has a class location');
  leak.location.original = { file: '/src/registry.ts', line: 9, column: 2 };
  assert.doesNotThrow(() => validateReport(withOriginal));
  for (const bad of [{ file: '', line: 9, column: 0 }, { file: '/src/a.ts', line: 0, column: 0 }, { file: '/src/a.ts', line: 2, column: -1 }, 'src/a.ts:9']) {
    const broken = structuredClone(old);
    (broken.leaks[0].location as unknown as { original: unknown }).original = bad;
    assert.throws(() => validateReport(broken), /source-mapped position/, JSON.stringify(bad));
  }
});
