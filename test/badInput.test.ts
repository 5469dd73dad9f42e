/**
 * Bad input gives a HeapSnapshotError that names the problem and the byte offset — never a
 * hang, a crash of another kind, or a huge allocation. Each case is cut from a real snapshot.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { HeapSnapshotError } from '../src/heap/errors';
import { SnapshotParser } from '../src/heap/parser';
import { runCli, snapshotOf, testTempDir } from './support/fixtures';

function parse(text: string | Buffer, expectedBytes?: number) {
  const parser = new SnapshotParser({ expectedBytes });
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for (let at = 0; at < bytes.length; at += 65536) parser.write(bytes.subarray(at, at + 65536));
  return parser.end();
}

function expectError(input: string | Buffer, pattern: RegExp, offset?: (o: number) => boolean, expectedBytes?: number): HeapSnapshotError {
  try {
    parse(input, expectedBytes);
  } catch (e) {
    assert.ok(e instanceof HeapSnapshotError, `expected a HeapSnapshotError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.match(e.message, /at byte \d+/, 'the message names the byte offset');
    if (offset) assert.ok(offset(e.offset), `unexpected offset ${e.offset} for: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${pattern} to be reported`);
}

async function realText(): Promise<string> {
  return fs.readFileSync(await snapshotOf('server.js'), 'utf8');
}

test('empty input', () => {
  expectError('', /Empty input/, (o) => o === 0);
});

test('garbage bytes', () => {
  expectError(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), /Not a heap snapshot: expected '\{'/, (o) => o === 0);
});

test('JSON that is not a snapshot', () => {
  expectError('{"name": "leak-lens", "version": "1.0.0"}', /first key is "name", expected "snapshot"/, (o) => o === 9);
  expectError('[1, 2, 3]', /expected '\{'/, (o) => o === 0);
});

test('a truncated snapshot, cut inside each section', async () => {
  const text = await realText();
  for (const [section, marker] of [
    ['snapshot', '"meta"'],
    ['nodes', '"nodes":['],
    ['edges', '"edges":['],
    ['strings', '"strings":['],
  ]) {
    const cut = text.indexOf(marker) + marker.length + 100;
    const e = expectError(text.slice(0, cut), /Unexpected end of input|truncated|ends in the middle/, (o) => o === cut);
    assert.ok(e.message.length > 0, section);
  }
});

test('a wrong meta: missing fields, a bad count, counts the file cannot hold', async () => {
  const text = await realText();
  expectError(text.replace('"self_size"', '"selfsize"'), /node_fields lacks "self_size"/);
  expectError(text.replace('"to_node"', '"target"'), /edge_fields lacks "to_node"/);
  expectError(text.replace(/"node_count":\d+/, '"node_count":-3'), /node_count must be a whole number/);
  const huge = text.replace(/"node_count":\d+/, '"node_count":1000000000');
  expectError(huge, /cannot fit in \d+ bytes/, undefined, Buffer.byteLength(huge));
  // Without a known size the first surplus row is reported where it is.
  expectError(text.replace(/"node_count":(\d+)/, (_m, n) => `"node_count":${Number(n) - 1}`), /more than the \d+ nodes the header declares/);
});

test('an edge pointing outside the node array', async () => {
  const text = await realText();
  const start = text.indexOf('"edges":[') + '"edges":['.length;
  // First edge: type,name,to_node → point it far past the last node.
  const firstRow = text.slice(start, text.indexOf('\n', start));
  const fields = firstRow.split(',');
  fields[2] = '999999999';
  const broken = text.slice(0, start) + fields.join(',') + text.slice(start + firstRow.length);
  const e = expectError(broken, /Edge 0 points outside the node array/);
  assert.equal(e.offset, start + fields[0].length + fields[1].length + 2, 'offset of the bad to_node');
});

test('a name index beyond the strings table and a bad node type', async () => {
  const text = await realText();
  const start = text.indexOf('"nodes":[') + '"nodes":['.length;
  const firstRow = text.slice(start, text.indexOf('\n', start)).split(',');
  firstRow[1] = '99999999';
  const badName = text.slice(0, start) + firstRow.join(',') + text.slice(text.indexOf('\n', start));
  expectError(badName, /names string 99999999 but "strings" holds only \d+/);
  const row2 = text.slice(start, text.indexOf('\n', start)).split(',');
  row2[0] = '77';
  expectError(text.slice(0, start) + row2.join(',') + text.slice(text.indexOf('\n', start)), /Node 0 has unknown type 77/, (o) => o === start);
});

test('an element index beyond 32 bits and a detachedness beyond a byte are refused, not wrapped', async () => {
  const text = await realText();
  // An element edge whose index wraps to a small one (2^32 + 3 would be stored as 3).
  const start = text.indexOf('"edges":[') + '"edges":['.length;
  const types = (JSON.parse(text) as { snapshot: { meta: { edge_types: string[][] } } }).snapshot.meta.edge_types[0];
  const rowAt = text.indexOf(`\n,${types.indexOf('element')},`, start) + 2;
  const row = text.slice(rowAt, text.indexOf('\n', rowAt)).split(',');
  row[1] = String(2 ** 32 + 3);
  const wideIndex = text.slice(0, rowAt) + row.join(',') + text.slice(text.indexOf('\n', rowAt));
  expectError(wideIndex, /has a name_or_index beyond 32 bits \(4294967299\)/, (o) => o === rowAt + row[0].length + 1);
  // The first node's detachedness (its last field) at 257 would read as 1, "attached".
  const nodes = text.indexOf('"nodes":[') + '"nodes":['.length;
  const first = text.slice(nodes, text.indexOf('\n', nodes)).split(',');
  assert.equal(first.length, 7, 'V8 writes detachedness as the seventh node field');
  first[6] = '257';
  const wideState = text.slice(0, nodes) + first.join(',') + text.slice(text.indexOf('\n', nodes));
  expectError(wideState, /Node 0 has detachedness 257; V8 writes 0 \(unknown\), 1 \(attached\) or 2 \(detached\)/, (o) => o === nodes + first.slice(0, 6).join(',').length + 1);
});

test('malformed numbers and strings', async () => {
  const text = await realText();
  const nodes = text.indexOf('"nodes":[') + '"nodes":['.length;
  expectError(text.slice(0, nodes) + '-' + text.slice(nodes + 1), /expected a non-negative whole number, found '-'/, (o) => o === nodes);
  expectError(text.slice(0, nodes) + '1.5' + text.slice(nodes + 1), /found '\.'/, (o) => o === nodes + 1);
  const strings = text.indexOf('"strings":[') + '"strings":['.length;
  expectError(text.slice(0, strings + 2) + '\\x' + text.slice(strings + 2), /invalid escape/);
  // A raw control character anywhere in a long string (each of the four places in a 32-bit
  // word, which the string scan tests four bytes at a time) is refused where it stands.
  const longString = /"([^"\\]{24,})"/.exec(text.slice(strings));
  assert.ok(longString, 'a string of 24 plain bytes or more');
  const from = strings + longString.index + 1;
  for (let k = 4; k < 12; k++) {
    const at = Buffer.byteLength(text.slice(0, from + k));
    expectError(text.slice(0, from + k) + '\u0001' + text.slice(from + k + 1), /unescaped control character/, (o) => o === at);
  }
  expectError(text + 'garbage', /Unexpected data after the end/, (o) => o === Buffer.byteLength(text));
});

test('the CLI reports bad files with exit code 2 and a readable message', async () => {
  const dir = testTempDir();
  const empty = path.join(dir, 'empty.heapsnapshot');
  fs.writeFileSync(empty, '');
  const truncated = path.join(dir, 'truncated.heapsnapshot');
  const text = await realText();
  fs.writeFileSync(truncated, text.slice(0, text.length >> 1));
  for (const [file, pattern] of [
    [empty, /Empty input/],
    [truncated, /Unexpected end of input .* \(at byte \d+\)/],
    [path.join(dir, 'missing.heapsnapshot'), /No such file/],
  ] as const) {
    const r = await runCli(['analyze', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stdout, '');
  }
  const usage = await runCli(['analyze']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /exactly one snapshot file/);
});
