/**
 * Allocation sites: a one-snapshot run tracks allocations, its snapshot carries each object's
 * allocation stack, and each leak says where its survivors were allocated. Real runs of the
 * CLI on the example and the fixture programs; the parser on a real snapshot with trace data.
 *
 * V8's frames are functions, not statements: a frame's line and column (1-based) are where the
 * function is defined. So "the Processor was allocated at `new Processor(appName)`" is checked
 * as: the innermost user frame is the function whose body holds that `new`, at the line and
 * column V8 gives for that function.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { renderReport } from '../src/cli/renderReport';
import { HeapSnapshotError } from '../src/heap/errors';
import { SnapshotParser } from '../src/heap/parser';
import type { HeapSnapshot } from '../src/heap/snapshot';
import type { AllocationFrame, LeakFinding, LeakReport } from '../src/report/types';
import { PANEL_SCRIPT_PATH, PANEL_STYLE_PATH, standaloneHtml } from '../src/report/page';
import { validateReport } from '../src/report/validate';
import { analyzeFile, readSnapshotFile } from '../src/worker/analyzeFile';
import { DominatorThread } from '../src/worker/parallel';
import { devtoolsReference, repoRoot, runCli, testTempDir } from './support/fixtures';

const example = path.join(repoRoot, 'examples/registry/leaky.js');
const leaks = (f: string) => path.join(repoRoot, 'test/fixtures/leaks', f);

async function profile(script: string, fn: string, ...extra: string[]): Promise<LeakReport> {
  const r = await runCli(['profile', script, '--function', fn, '--json', ...extra]);
  assert.ok(r.stdout.trim(), `a report (exit ${r.code}): ${r.stderr}`);
  return validateReport(JSON.parse(r.stdout));
}

function finding(report: LeakReport, className: string): LeakFinding {
  const f = report.leaks.find((l) => l.className === className);
  assert.ok(f, `${className} among ${JSON.stringify(report.leaks.map((l) => l.className))}`);
  return f;
}

/**
 * The function in `file` whose declaration line matches `declaration`, with the 1-based line
 * and column V8 gives it (its parameter list's '('), and the lines of its body.
 */
function functionIn(file: string, declaration: RegExp, after = ''): { line: number; column: number; first: number; last: number } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const from = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const at = lines.findIndex((l, k) => k >= from && declaration.test(l));
  assert.ok(at >= 0, `${declaration} in ${file}`);
  const indent = /^\s*/.exec(lines[at])?.[0] ?? '';
  const close = lines.findIndex((l, k) => k > at && l === `${indent}}`);
  assert.ok(close > at, `the end of ${declaration}`);
  return { line: at + 1, column: lines[at].indexOf('(') + 1, first: at + 1, last: close + 1 };
}

/** 1-based line of the only line in `file` that contains `text`. */
function lineOf(file: string, text: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const found = lines.flatMap((l, k) => (l.includes(text) ? [k + 1] : []));
  assert.equal(found.length, 1, `one line with ${text} in ${file}`);
  return found[0];
}

/**
 * The leak's site: the innermost user frame is `fn` in `file`, at the place V8 gives for it,
 * and `allocation` (the allocating expression) lies in that function's body.
 */
function assertAllocatedIn(f: LeakFinding, file: string, fn: string, declaration: RegExp, allocation: string, after = ''): AllocationFrame {
  const a = f.allocation;
  assert.ok(a, `${f.className} has an allocation site`);
  assert.equal(a.of, f.survivors, 'coverage counts every survivor');
  assert.ok(a.traced >= 1 && a.traced <= a.of && a.count <= a.traced, `coverage ${a.count}/${a.traced}/${a.of}`);
  assert.ok(a.userFrames >= 1, `${f.className}: a user frame in ${JSON.stringify(a.frames)}`);
  const top = a.frames[0];
  assert.equal(top.functionName, fn, `${f.className} was allocated in ${fn}: ${JSON.stringify(a.frames)}`);
  assert.equal(top.scriptName, file);
  const where = functionIn(file, declaration, after);
  assert.equal(top.line, where.line, `${fn} is declared at line ${where.line} (1-based)`);
  assert.equal(top.column, where.column, `${fn}'s '(' is at column ${where.column} (1-based)`);
  const newAt = lineOf(file, allocation);
  assert.ok(newAt > where.first && newAt < where.last, `${allocation} (line ${newAt}) is inside ${fn} (${where.first}–${where.last})`);
  // The user's frames come first, innermost first; the others keep their real depths.
  assert.deepEqual(
    a.frames.map((x) => x.depth).sort((x, y) => x - y),
    a.frames.map((_, k) => k),
    'every depth once: the full stack is kept',
  );
  const user = a.frames.slice(0, a.userFrames);
  assert.ok(user.every((x, k) => k === 0 || x.depth > user[k - 1].depth), 'user frames in stack order');
  assert.ok(a.frames.slice(a.userFrames).every((x) => x.scriptName === '' || x.scriptName.startsWith('node:')), 'the rest are not the user’s');
  return top;
}

let leakyRun: Promise<LeakReport> | undefined;
const leakyReport = (): Promise<LeakReport> => (leakyRun ??= profile(example, 'loadApp'));

test('leaky.js loadApp: each Processor allocated in loadApp (new Processor), its ResourceLoader in the Processor constructor', async () => {
  const report = await leakyReport();
  const processor = finding(report, 'Processor');
  assert.ok(processor.primary);
  assertAllocatedIn(processor, example, 'loadApp', /^function loadApp\(/, 'new Processor(appName)');
  assert.equal(processor.allocation?.traced, processor.survivors, 'V8 traced every Processor here');
  assertAllocatedIn(finding(report, 'ResourceLoader'), example, 'Processor', /^ {2}constructor\(appName\) \{$/, 'new ResourceLoader(appName)', 'class Processor');
  // The Map inside it: allocated by the builtin Map, called from the ResourceLoader constructor.
  const map = finding(report, 'Map').allocation;
  assert.equal(map?.frames[0].functionName, 'ResourceLoader');
  assert.ok(map?.frames.some((x) => x.functionName === 'Map' && x.scriptName === '' && x.depth === 0), 'the builtin is the innermost frame');

  const where = functionIn(example, /^function loadApp\(/);
  const text = renderReport(report);
  assert.ok(
    text.includes(`  Allocated in loadApp (${example}:${where.line})  (7 of 7 objects traced)`),
    `the text names the site:\n${text}`,
  );
});

test('sessions.js openSession and memo.js render: the session, its Processors and the memo entry, each in the function that makes it', async () => {
  const sessions = leaks('sessions.js');
  const s = await profile(sessions, 'openSession');
  assertAllocatedIn(finding(s, 'Session'), sessions, 'openSession', /^function openSession\(/, 'new Session(worker)');
  assertAllocatedIn(finding(s, 'Processor'), sessions, 'openSession', /^function openSession\(/, 'const worker = new Processor(next++)');

  const memo = leaks('memo.js');
  const m = await profile(memo, 'render');
  assertAllocatedIn(finding(m, 'Rendered'), memo, 'render', /^function render\(/, 'new Rendered(key)');
});

test('listeners.js handleRequest (compaction off): the listener and the Session both allocated in handleRequest', async () => {
  const listeners = leaks('listeners.js');
  const report = await profile(path.join(repoRoot, 'test/fixtures/allocation/listenersNoCompact.js'), 'handleRequest');
  const listener = finding(report, 'onMessage()');
  assert.ok(listener.primary);
  assertAllocatedIn(listener, listeners, 'handleRequest', /^function handleRequest\(/, "bus.on('message', function onMessage");
  assertAllocatedIn(finding(report, 'Session'), listeners, 'handleRequest', /^function handleRequest\(/, 'new Session(next++)');
});

test('listeners.js handleRequest as is: a site is never guessed (V8 drops the traces of objects it compacts)', async () => {
  const listeners = leaks('listeners.js');
  const report = await profile(listeners, 'handleRequest');
  const text = renderReport(report);
  for (const f of report.leaks) {
    const a = f.allocation;
    assert.ok(a, `${f.className}: tracking was on, so the field is there`);
    if (a.traced === 0) {
      assert.deepEqual(a.frames, [], 'no survivor traced: no frames');
      if (f.primary) assert.ok(text.includes(`Allocated: unknown (V8 kept no allocation stack for these ${a.of} objects)`), text);
    } else {
      // Where V8 kept traces, they name this program's function.
      const expected = f.className === 'Array' ? 'Session' : 'handleRequest';
      assert.equal(a.frames[0].functionName, expected, JSON.stringify(a.frames));
      assert.equal(a.frames[0].scriptName, listeners);
    }
  }
});

test('--snapshots 3 (no allocation tracking): no allocation field, and the text says tracking was off', async () => {
  const report = await profile(example, 'loadApp', '--snapshots', '3');
  assert.ok(report.leaks.length > 0);
  for (const f of report.leaks) assert.equal('allocation' in f, false, `${f.className} has no allocation field`);
  assert.match(renderReport(report), /^ {2}Allocated: not recorded \(allocation tracking was off\)$/m);
});

test('a report read back: an allocation site passes validation, a malformed one is named', async () => {
  const report = await leakyReport();
  const copy = JSON.parse(JSON.stringify(report)) as LeakReport;
  assert.doesNotThrow(() => validateReport(copy));
  (copy.leaks[0] as unknown as { allocation: unknown }).allocation = { frames: [{ functionName: 1 }], userFrames: 0, count: 0, traced: 0, of: 1 };
  assert.throws(() => validateReport(copy), /allocation site of .* is malformed/);
});

const chromiumPath = process.env.LEAK_LENS_CHROMIUM ?? '/usr/bin/chromium';

test(
  'the page shows the site as text (a hostile function name stays text), and says when tracking was off',
  { skip: fs.existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath}` },
  async () => {
    const report = structuredClone(await leakyReport());
    const hostile = structuredClone(report);
    const IMG = '<img src=x onerror=alert(1)>';
    const site = hostile.leaks.find((l) => l.className === 'Processor')?.allocation;
    assert.ok(site);
    site.frames[0].functionName = IMG;
    const untracked = structuredClone(report);
    for (const l of untracked.leaks) delete l.allocation;
    const script = fs.readFileSync(path.join(repoRoot, PANEL_SCRIPT_PATH), 'utf8');
    const style = fs.readFileSync(path.join(repoRoot, PANEL_STYLE_PATH), 'utf8');
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const textOf = async (r: LeakReport, name: string) => {
        const file = path.join(testTempDir(), `allocation-${name}.html`);
        fs.writeFileSync(file, standaloneHtml(r, script, style));
        const page = await browser.newPage();
        const dialogs: string[] = [];
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        await page.goto(`file://${file}`);
        await page.waitForSelector('[data-testid="allocation"]');
        const text = await page.textContent('[data-testid="allocation"]');
        const images = await page.locator('[data-testid="allocation"] img').count();
        await page.close();
        assert.deepEqual(dialogs, []);
        assert.equal(images, 0, 'no markup from heap text');
        return text ?? '';
      };
      const line = functionIn(example, /^function loadApp\(/).line;
      assert.equal(await textOf(report, 'plain'), `Allocatedin loadApp (leaky.js:${line}) · 7 of 7 objects traced`);
      assert.equal(await textOf(hostile, 'hostile'), `Allocatedin ${IMG} (leaky.js:${line}) · 7 of 7 objects traced`);
      assert.equal(await textOf(untracked, 'untracked'), 'Allocatednot recorded: allocation tracking was off');
    } finally {
      await browser.close();
    }
  },
);

// ---- The parser on a real snapshot with trace data ----

let saved: Promise<string> | undefined;
/** The final snapshot of a one-snapshot run of leaky.js (it ended allocation tracking). */
function traceSnapshot(): Promise<string> {
  saved ??= (async () => {
    const dir = path.join(testTempDir(), 'trace-snapshots');
    const r = await runCli(['profile', example, '--function', 'loadApp', '--json', '--save-snapshots', dir]);
    assert.ok(r.code === 1, r.stderr);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
    assert.equal(files.length, 1);
    return path.join(dir, files[0]);
  })();
  return saved;
}

/** The same file with trace_function_count 0: the trace sections are then skipped, as in any snapshot without tracking. */
function withoutTrace(file: string): string {
  const text = fs.readFileSync(file, 'latin1');
  const changed = text.replace(/"trace_function_count":[1-9][0-9]*/, '"trace_function_count":0');
  assert.notEqual(changed, text, 'the file counts trace functions');
  const out = file.replace(/\.heapsnapshot$/, '-notrace.heapsnapshot');
  fs.writeFileSync(out, changed, 'latin1');
  return out;
}

function parse(bytes: Buffer, chunk: number, options: { rowKernels?: boolean; asStrings?: boolean } = {}): { s: HeapSnapshot; kernelRows: number } {
  const parser = new SnapshotParser({ rowKernels: options.rowKernels });
  for (let at = 0; at < bytes.length; at += chunk) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + chunk));
    parser.write(options.asStrings ? part.toString('latin1') : part);
  }
  return { s: parser.end(), kernelRows: parser.rowsReadByKernels };
}

const COLUMNS = ['nodeType', 'nodeName', 'nodeId', 'selfSize', 'firstEdge', 'detachedness', 'edgeType', 'edgeName', 'edgeTarget', 'locations'] as const;

function assertSameColumns(a: HeapSnapshot, b: HeapSnapshot, label: string): void {
  assert.equal(a.nodeCount, b.nodeCount, label);
  assert.equal(a.edgeCount, b.edgeCount, label);
  for (const c of COLUMNS) assert.deepEqual(a[c], b[c], `${label}: ${c}`);
  assert.equal(a.strings.count, b.strings.count, label);
  for (let k = 0; k < a.strings.count; k += 97) assert.equal(a.strings.get(k), b.strings.get(k), label);
}

interface RawTrace {
  snapshot: { meta: { node_fields: string[]; trace_function_info_fields: string[] } };
  nodes: number[];
  trace_function_infos: number[];
  trace_tree: unknown[];
}

test('parser: trace data is read exactly as JSON.parse has it, and leaves every other column as the same file without it', async () => {
  const file = await traceSnapshot();
  const bytes = fs.readFileSync(file);
  const plainBytes = fs.readFileSync(withoutTrace(file));
  const raw = JSON.parse(bytes.toString('utf8')) as RawTrace;

  const plain = parse(plainBytes, 1 << 16);
  assert.equal(plain.s.allocationTrace, undefined, 'no trace data: no trace arrays');
  assert.ok(plain.kernelRows >= plain.s.nodeCount, 'without trace data the node rows still go through the kernels');

  const traced = parse(bytes, 1 << 16);
  const t = traced.s.allocationTrace;
  assert.ok(t, 'trace arrays');
  assertSameColumns(traced.s, plain.s, 'with trace data');

  // Every node's trace_node_id, and the tree flattened in order with parents and functions.
  const nf = raw.snapshot.meta.node_fields;
  const traceAt = nf.indexOf('trace_node_id');
  assert.deepEqual([...t.nodeTraceId], raw.nodes.filter((_, k) => k % nf.length === traceAt));
  const ids: number[] = [];
  const parents: number[] = [];
  const functions: number[] = [];
  const walk = (list: unknown[], parent: number): void => {
    for (let k = 0; k < list.length; k += 5) {
      const at = ids.length;
      ids.push(list[k] as number);
      parents.push(parent);
      functions.push(list[k + 1] as number);
      walk(list[k + 4] as unknown[], at);
    }
  };
  walk(raw.trace_tree, -1);
  assert.ok(ids.length > 3);
  assert.deepEqual([...t.traceNodeId], ids);
  assert.deepEqual([...t.traceParent], parents);
  assert.deepEqual([...t.traceFunction], functions);
  const ff = raw.snapshot.meta.trace_function_info_fields;
  const column = (name: string) => raw.trace_function_infos.filter((_, k) => k % ff.length === ff.indexOf(name));
  assert.deepEqual([...t.functionName], column('name'));
  assert.deepEqual([...t.scriptName], column('script_name'));
  assert.deepEqual([...t.scriptId], column('script_id'));
  assert.deepEqual([...t.line], column('line'));
  assert.deepEqual([...t.column], column('column'));
  const loadApp = [...t.functionName].findIndex((n) => traced.s.strings.get(n) === 'loadApp');
  assert.equal(traced.s.strings.get(t.scriptName[loadApp]), example);
  assert.equal(t.line[loadApp], functionIn(example, /^function loadApp\(/).line, 'lines are 1-based');

  // Any chunking, strings as CDP sends them, and the JavaScript paths give the same.
  for (const [chunk, options] of [[7, {}], [4093, { asStrings: true }], [1 << 16, { rowKernels: false }]] as const) {
    const again = parse(bytes, chunk, options).s;
    assertSameColumns(again, traced.s, `chunks of ${chunk}`);
    assert.deepEqual(again.allocationTrace, t, `trace arrays, chunks of ${chunk}`);
  }

  // Read from the file by two threads (the edges on the second): the same.
  const thread = new DominatorThread();
  try {
    const split = await readSnapshotFile(file, { edgeThread: thread });
    assertSameColumns(split, traced.s, 'two threads');
    assert.deepEqual(split.allocationTrace?.nodeTraceId, t.nodeTraceId);
  } finally {
    await thread.dispose();
  }
});

test('parser: a snapshot with trace data analyzes to DevTools\u2019 numbers, node by node', async () => {
  const file = await traceSnapshot();
  const [ours, ref] = await Promise.all([analyzeFile(file), devtoolsReference(file)]);
  assert.ok(ours.snapshot.allocationTrace);
  assert.equal(ours.snapshot.nodeCount, ref.nodeCount);
  assert.deepEqual([...ours.retainedSize], ref.retainedSizes);
  assert.deepEqual([...ours.dominator], ref.dominators);
  assert.deepEqual([...ours.distances], ref.distances);
});

test('parser: broken trace data is refused at its byte, and ignored when the header counts no trace functions', async () => {
  const file = await traceSnapshot();
  const text = fs.readFileSync(file, 'utf8');
  const fail = (broken: string, pattern: RegExp): HeapSnapshotError => {
    assert.notEqual(broken, text);
    const parser = new SnapshotParser();
    try {
      parser.write(broken);
      parser.end();
    } catch (e) {
      assert.ok(e instanceof HeapSnapshotError, String(e));
      assert.match(e.message, pattern);
      return e;
    }
    assert.fail(`no error for ${pattern}`);
  };
  const tree = text.indexOf('"trace_tree":[') + '"trace_tree":['.length;
  // The root's function_info_index (its second number) out of range.
  const second = text.indexOf(',', tree) + 1;
  const e = fail(`${text.slice(0, second)}99999${text.slice(text.indexOf(',', second))}`, /function_info_index 99999 but trace_function_count is/);
  assert.equal(e.offset, Buffer.byteLength(text.slice(0, second)));
  // Two commas inside the tree.
  fail(`${text.slice(0, tree)}${text.slice(tree).replace('[]', '[],')}`, /Malformed "trace_tree": expected a value, found ','/);
  // Node rows naming trace nodes the tree lacks: the tree cut to its root.
  const treeEnd = text.indexOf('\n', tree);
  fail(`${text.slice(0, tree)}1,0,0,0,[]],${text.slice(treeEnd + 1)}`, /names trace node \d+, which "trace_tree" lacks/);
  // The tree missing altogether.
  fail(`${text.slice(0, tree - '"trace_tree":['.length)}${text.slice(treeEnd + 1)}`, /"trace_tree" section is missing/);
  // Without trace functions in the header, the sections are skipped: even broken ones.
  const skipped = `${text.slice(0, tree)}"not numbers"],${text.slice(treeEnd + 1)}`.replace(/"trace_function_count":\d+/, '"trace_function_count":0');
  const parser = new SnapshotParser();
  parser.write(skipped);
  assert.equal(parser.end().allocationTrace, undefined);
});
