/**
 * The "Hardening" findings, through the real CLI with real processes, files and symlinks:
 * saved snapshots never follow a planted symlink nor overwrite a file (and saving warns of
 * nothing); a function defined after a top-level await is found by expression; bad scripts and
 * output paths end in one clear sentence, not a stack trace; strings from a crafted snapshot
 * never reach the terminal as control characters.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { LeakReport } from '../src/report/types';
import { repoRoot, runCli, testTempDir, type ProcessOutput } from './support/fixtures';

const fixture = (f: string) => path.join(repoRoot, 'test/fixtures/hardening', f);

/** A fresh folder of its own under the test's temp folder. */
function freshDir(name: string): string {
  return fs.mkdtempSync(path.join(testTempDir(), `${name}-`));
}

/** Exit code 2, one "leak-lens:" line matching `message`, no stack frames anywhere. */
function assertCleanFailure(r: ProcessOutput, message: RegExp): string {
  assert.equal(r.code, 2, `exit code 2\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at\s/m, `no stack frames in stderr:\n${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('leak-lens:'));
  assert.equal(lines.length, 1, `one error line:\n${r.stderr}`);
  assert.match(lines[0], message);
  return lines[0];
}

// ------------------------------------------------------------------------------------------
// 2. Saved snapshots

test('saved snapshots never follow a symlink planted in the folder, never overwrite, and saving warns of nothing', async () => {
  const dir = freshDir('cli-shared');
  const snaps = path.join(dir, 'snapshots');
  fs.mkdirSync(snaps);
  const victim = path.join(dir, 'victim.txt');
  fs.writeFileSync(victim, 'precious\n');
  // The program plants target/final symlinks → victim as soon as the baseline file appears.
  const r = await runCli([
    'profile', fixture('cli-planter.js'), '--function', 'addItem', '--json', '--snapshots', '3', '--save-snapshots', snaps, '--', snaps, victim,
  ]);
  assert.ok(r.code === 0 || r.code === 1, `the run completes\n${r.stderr}`);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n', 'the victim is untouched');
  const links = fs.readdirSync(snaps).filter((f) => fs.lstatSync(path.join(snaps, f)).isSymbolicLink());
  assert.equal(links.length, 2, `the attack happened: two planted symlinks (${fs.readdirSync(snaps).join(', ')})`);
  const report = JSON.parse(r.stdout) as LeakReport;
  assert.ok(report.snapshots, 'the report names the saved files');
  const saved = [report.snapshots.baseline, report.snapshots.target, report.snapshots.final].map(String);
  assert.equal(new Set(saved).size, 3);
  for (const file of saved) {
    assert.equal(path.dirname(file), snaps);
    const stat = fs.lstatSync(file);
    assert.ok(stat.isFile() && !stat.isSymbolicLink(), `${file} is a file of its own`);
    if (process.platform !== 'win32') assert.equal(stat.mode & 0o077, 0, `${file} is readable by its owner only`);
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as { snapshot: { node_count: number } };
    assert.ok(snapshot.snapshot.node_count > 1000, `${file} is a complete snapshot`);
  }
  for (const link of links) assert.ok(!saved.includes(path.join(snaps, link)), 'nothing was saved through a symlink');
  assert.doesNotMatch(r.stderr, /MaxListenersExceededWarning/);
  assert.doesNotMatch(r.stderr, /Warning/);
});

// ------------------------------------------------------------------------------------------
// 4. A function that appears after a top-level await

test('an ES module that sets its function after a top-level await is profiled by expression and its leak found', async () => {
  const r = await runCli(['profile', fixture('cli-visits.mjs'), '--function', 'globalThis.recordVisit', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as LeakReport;
  const top = report.leaks.find((l) => l.primary);
  assert.equal(top?.className, 'Visit');
  assert.equal(top?.countPerCall, 1);
});

test('an expression that stays undefined fails clearly once the program has finished starting', async () => {
  const started = Date.now();
  const r = await runCli(['profile', fixture('cli-visits.mjs'), '--function', 'globalThis.noSuchFunction']);
  assertCleanFailure(r, /"globalThis\.noSuchFunction" is undefined, not a function \(still so once the program had finished starting\)/);
  // Not the old 10 s wait: about a second after its top-level await ends (generous for a loaded machine).
  assert.ok(Date.now() - started < 90_000);
});

// ------------------------------------------------------------------------------------------
// 7. Clear errors instead of stack traces and lost output

test('a script that does not exist: one clear line, exit code 2', async () => {
  const r = await runCli(['profile', path.join(freshDir('cli-missing'), 'nope.js'), '--function', 'work']);
  assertCleanFailure(r, /^leak-lens: No such script: .*nope\.js; check the path\.$/);
});

test('an --html path in a folder that does not exist fails before the program is launched', async () => {
  const dir = freshDir('cli-html');
  const marker = path.join(dir, 'started');
  const r = await runCli([
    'profile', fixture('cli-program.js'), '--function', 'work', '--html', path.join(dir, 'missing', 'report.html'), '--', '--marker', marker,
  ]);
  assertCleanFailure(r, /Cannot write the HTML report to .*report\.html: the folder .*missing does not exist; create it or give --html another path\./);
  assert.ok(!fs.existsSync(marker), 'the program was never launched');
  assert.equal(r.stdout, '');

  const diff = await runCli(['diff', marker, marker, '--html', path.join(dir, 'missing', 'report.html')]);
  assertCleanFailure(diff, /Cannot write the HTML report/);
});

test('an --html path that cannot be written at the end still prints the text report first', async () => {
  const dir = freshDir('cli-html-late');
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  // The program removes the folder on its first call: the check before the run passed.
  const r = await runCli([
    'profile', fixture('cli-program.js'), '--function', 'work', '--html', path.join(out, 'report.html'), '--', '--remove', out,
  ]);
  assertCleanFailure(r, /Cannot write the HTML report to .*report\.html .*the text report above is complete/);
  assert.match(r.stdout, /^Leak Lens — work /, 'the text report was printed');
  assert.match(r.stdout, /Timings: resolve/);
});

test('--save-snapshots pointing at a file fails before the program is launched', async () => {
  const dir = freshDir('cli-save-file');
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'not a folder\n');
  const marker = path.join(dir, 'started');
  const r = await runCli(['profile', fixture('cli-program.js'), '--function', 'work', '--save-snapshots', file, '--', '--marker', marker]);
  assertCleanFailure(r, /Cannot save snapshots in .*a-file: it \(or a folder above it\) is a file, not a folder; give a folder\./);
  assert.ok(!fs.existsSync(marker), 'the program was never launched');
  assert.equal(fs.readFileSync(file, 'utf8'), 'not a folder\n');
});

test("a script with a syntax error shows Node's SyntaxError, not \"context destroyed\"", async () => {
  const r = await runCli(['profile', fixture('cli-syntax-error.js'), '--function', 'broken']);
  assertCleanFailure(r, /^leak-lens: cli-syntax-error\.js exited with code 1 before the run finished; fix what it printed and try again:$/);
  assert.match(r.stderr, /SyntaxError: Unexpected number/);
  assert.match(r.stderr, /cli-syntax-error\.js:3/, 'where it is');
  assert.doesNotMatch(r.stderr, /context/i);
  assert.equal(r.stdout, '');
});

// ------------------------------------------------------------------------------------------
// 8. Crafted snapshot strings never reach the terminal raw

const OSC_TITLE = '\u001b]0;pwned\u0007';
const CLEAR = '\u001b[2J';
const C1_CSI = '\u009b31m';
/** C0 controls but newline and tab, DEL and C1 controls. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * A small valid snapshot whose meta adds a node type and an edge type with escape sequences in
 * their names, with a class name and property names carrying them too. `evil` objects of the
 * crafted class hang off one array through edges of the crafted type: grow it between files
 * and `diff` reports it, path and all.
 */
function craftedSnapshot(evil: number): string {
  const nodeTypes = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
    'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape', 'wasm object', `obj${OSC_TITLE}`];
  const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak', `ref${CLEAR}`];
  const strings = ['', 'holder', `Holder${CLEAR}`, `Evil${OSC_TITLE}${C1_CSI}`, `items${CLEAR}`, `weird${OSC_TITLE}`, `via${CLEAR}`];
  const T = (n: string) => nodeTypes.indexOf(n);
  const E = (n: string) => edgeTypes.indexOf(n);
  const list: { type: number; name: number; id: number; self: number; out: [number, number, number][] }[] = [];
  const add = (type: number, name: number, id: number, self: number) => list.push({ type, name, id, self, out: [] }) - 1;
  const root = add(T('synthetic'), 0, 1, 0);
  const holder = add(T('object'), 2, 3, 32);
  const array = add(T('array'), 0, 5, 64);
  const weird = add(nodeTypes.length - 1, 5, 7, 16);
  list[root].out.push([E('property'), 1, holder]);
  list[holder].out.push([E('property'), 4, array], [edgeTypes.length - 1, 6, weird]);
  for (let i = 0; i < evil; i++) list[array].out.push([edgeTypes.length - 1, 6, add(T('object'), 3, 9 + 2 * i, 40)]);
  const nodes: number[] = [];
  const edges: number[] = [];
  for (const n of list) {
    nodes.push(n.type, n.name, n.id, n.self, n.out.length, 0, 0);
    for (const [type, name, to] of n.out) edges.push(type, name, to * 7);
  }
  return JSON.stringify({
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
        node_types: [nodeTypes, 'string', 'number', 'number', 'number', 'number', 'number'],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [edgeTypes, 'string_or_number', 'node'],
        trace_function_info_fields: [],
        trace_node_fields: [],
        sample_fields: [],
        location_fields: ['object_index', 'script_id', 'line', 'column'],
      },
      node_count: list.length,
      edge_count: edges.length / 3,
      trace_function_count: 0,
    },
    nodes,
    edges,
    trace_function_infos: [],
    trace_tree: [],
    samples: [],
    locations: [],
    strings,
  });
}

test('node and edge type names, class and property names from a crafted snapshot reach the terminal escaped', async () => {
  const dir = freshDir('cli-crafted');
  const [baseline, target, final] = [1, 5, 9].map((evil, i) => {
    const file = path.join(dir, `cli-crafted-${i}.heapsnapshot`);
    fs.writeFileSync(file, craftedSnapshot(evil));
    return file;
  });
  const runs: [string, string[]][] = [
    ['analyze', ['analyze', target]],
    ['analyze --node (crafted type, crafted edge type)', ['analyze', target, '--node', '7']],
    ['analyze --json', ['analyze', target, '--json']],
    ['diff', ['diff', baseline, target, '--final', final, '--iterations', '2']],
    ['diff --json', ['diff', baseline, target, '--final', final, '--iterations', '2', '--json']],
  ];
  for (const [what, args] of runs) {
    const r = await runCli(args);
    assert.ok(r.code === 0 || r.code === 1, `${what}: ${r.stderr}`);
    const bad = CONTROL.exec(r.stdout) ?? CONTROL.exec(r.stderr);
    assert.equal(bad, null, `${what}: raw U+${bad?.[0].charCodeAt(0).toString(16).padStart(4, '0')} in the output:\n${r.stdout}`);
    // The crafted strings were there, shown escaped (and in JSON, the same values).
    assert.match(r.stdout, /\\u001b/, `${what} shows the crafted strings`);
    if (args.includes('--json')) assert.ok(JSON.stringify(JSON.parse(r.stdout)).includes('\\u001b]0;pwned\\u0007'), what);
  }
  const node = await runCli(['analyze', target, '--node', '7']);
  assert.match(node.stdout, /Object weird\\u001b\]0;pwned\\u0007 @7 \(obj\\u001b\]0;pwned\\u0007\)/);
  assert.match(node.stdout, /ref\\u001b\[2J via\\u001b\[2J/);
  const diff = await runCli(['diff', baseline, target, '--final', final, '--iterations', '2']);
  assert.equal(diff.code, 1, diff.stderr);
  // The path reads in source terms; an edge type it has no words for is shown by its name.
  assert.match(diff.stdout, /\(array\) \(ref\\u001b\[2J via\\u001b\[2J\)/, 'the crafted edge type on the retainer path, escaped');
  const raw = await runCli(['diff', baseline, target, '--final', final, '--iterations', '2', '--raw-paths']);
  assert.equal(raw.code, 1, raw.stderr);
  assert.equal(CONTROL.exec(raw.stdout), null, `diff --raw-paths: a raw control character in the output:\n${raw.stdout}`);
  assert.match(raw.stdout, /—ref\\u001b\[2J via\\u001b\[2J→/, 'the crafted edge type on the raw retainer path, escaped');
});
