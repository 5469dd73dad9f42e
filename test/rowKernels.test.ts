/**
 * The parser's WebAssembly row kernels (src/heap/rowKernels.ts) store exactly what its
 * JavaScript fast paths store, refuse exactly the rows those refuse (so the general scanner
 * reports the same error at the same byte), and are the binary their text assembles to.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { HeapSnapshotError } from '../src/heap/errors';
import { SnapshotParser } from '../src/heap/parser';
import { ROW_KERNELS_WASM } from '../src/heap/rowKernels.wasm';
import type { HeapSnapshot } from '../src/heap/snapshot';
import { repoRoot, snapshotOf } from './support/fixtures';

type Outcome = { snapshot: HeapSnapshot; kernelRows: number } | { error: HeapSnapshotError };

function parse(bytes: Buffer, rowKernels: boolean, chunk: (i: number) => number): Outcome {
  const parser = new SnapshotParser({ rowKernels, expectedBytes: bytes.length });
  try {
    for (let i = 0, at = 0; at < bytes.length; i++) {
      const next = Math.min(bytes.length, at + chunk(i));
      parser.write(bytes.subarray(at, next));
      at = next;
    }
    return { snapshot: parser.end(), kernelRows: parser.rowsReadByKernels };
  } catch (e) {
    if (!(e instanceof HeapSnapshotError)) throw e;
    return { error: e };
  }
}

const COLUMNS = ['nodeType', 'nodeName', 'nodeId', 'selfSize', 'firstEdge', 'detachedness', 'edgeType', 'edgeName', 'edgeTarget', 'locations'] as const;

function assertSameOutcome(withKernels: Outcome, withoutKernels: Outcome, what: string): void {
  if ('error' in withoutKernels) {
    assert.ok('error' in withKernels, `${what}: JavaScript paths refused it (${withoutKernels.error.message}), kernels loaded it`);
    assert.equal(withKernels.error.message, withoutKernels.error.message, what);
    return;
  }
  assert.ok(!('error' in withKernels), `${what}: kernels refused it (${'error' in withKernels && withKernels.error.message}), JavaScript paths loaded it`);
  const a = withKernels.snapshot;
  const b = withoutKernels.snapshot;
  assert.equal(a.nodeCount, b.nodeCount, what);
  assert.equal(a.edgeCount, b.edgeCount, what);
  for (const column of COLUMNS) {
    const x = a[column];
    const y = b[column];
    if (x === null || y === null) {
      assert.equal(x, y, `${what}: ${column}`);
      continue;
    }
    assert.equal(x.length, y.length, `${what}: ${column} length`);
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) assert.fail(`${what}: ${column}[${k}] is ${x[k]} with kernels, ${y[k]} without`);
  }
}

function randomOf(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

test('the committed kernel binary is what src/heap/rowKernels.wat.mjs assembles (run npm run build after editing it)', async () => {
  // An ES module: the compiled CommonJS test would turn a plain import() into require().
  const load = new Function('url', 'return import(url)') as (url: string) => Promise<{
    assemble(): Promise<Buffer>;
  }>;
  const kernels = await load(pathToFileURL(path.join(repoRoot, 'src', 'heap', 'rowKernels.wat.mjs')).href);
  assert.equal(ROW_KERNELS_WASM, (await kernels.assemble()).toString('base64'));
});

test('on real snapshots the kernels store every row the JavaScript fast paths store, at any chunk size', async () => {
  for (const program of ['registry.js', 'server.js', 'strings.mjs']) {
    const bytes = fs.readFileSync(await snapshotOf(program));
    const random = randomOf(bytes.length);
    const chunkings: [string, (i: number) => number][] = [
      ['1 MB chunks', () => 1 << 20],
      ['300–3300 byte chunks', () => 300 + random(3000)],
      ['64 KB + 7 byte chunks', () => (1 << 16) + 7],
    ];
    for (const [name, chunk] of chunkings) {
      const withKernels = parse(bytes, true, chunk);
      const withoutKernels = parse(bytes, false, chunk);
      assertSameOutcome(withKernels, withoutKernels, `${program}, ${name}`);
      assert.ok(!('error' in withKernels) && !('error' in withoutKernels));
      // Fails if the kernels were never used (a silent fallback to JavaScript).
      const rows = withKernels.snapshot.nodeCount + withKernels.snapshot.edgeCount;
      if (name === '1 MB chunks') assert.ok(withKernels.kernelRows > 0.95 * rows, `${program}: ${withKernels.kernelRows} of ${rows} rows by the kernels`);
      assert.ok(withKernels.kernelRows > 0, `${program}, ${name}: the kernels ran`);
      assert.equal(withoutKernels.kernelRows, 0);
    }
  }
});

/** Replacements for one number in the nodes or edges rows, each at or past a rule the kernels check. */
/** What the rows are checked against, for the replacements that sit on a rule's boundary. */
interface Limits {
  /** The section's number of types (node or edge types). */
  typeCount: number;
  /** Node count × node width: the first "to_node" past the last node. */
  nodeLimit: number;
  nodeWidth: number;
}

const BAD_NUMBERS: ((old: string, field: string, r: (n: number) => number, limits: Limits) => string)[] = [
  () => '9'.repeat(15), // the longest number a kernel reads
  () => '1' + '0'.repeat(15), // one digit too many: left to the general scanner
  () => '4294967296',
  () => String(2 ** 53),
  (old) => '0' + old, // a leading zero
  (old) => '-' + old,
  (old) => old + '.5',
  (old) => old + 'e1',
  (old) => old + ' ',
  (old) => ' ' + old,
  (old) => '\n' + old,
  (old) => old + '\n',
  () => '',
  // On the field's own rule, or just past it: the last type or the first unknown one, the last
  // node, the first "to_node" past it or one between rows, the largest 32-bit id or edge
  // name_or_index or the first over, the largest detachedness a byte holds or the first over,
  // one edge more than edge_count.
  (old, field, r, { typeCount, nodeLimit, nodeWidth }) => {
    const choices =
      field === 'type' ? [typeCount - 1, typeCount, typeCount + 1] :
      field === 'to_node' ? [nodeLimit - nodeWidth, nodeLimit, nodeLimit + nodeWidth, Number(old) + 1] :
      field === 'id' || field === 'name_or_index' ? [2 ** 32 - 1, 2 ** 32] :
      field === 'detachedness' ? [255, 256] :
      [Number(old) + 1];
    return String(choices[r(choices.length)]);
  },
];

/** The fields the kernels check beyond "a number of at most 15 digits". */
const RULED_FIELDS = ['type', 'to_node', 'id', 'edge_count', 'name_or_index', 'detachedness'];

interface NumberAt {
  start: number;
  end: number;
  field: string;
}

/** Every number of the nodes and edges sections, with its field (V8's layout: one row a line). */
function numbersOf(text: string, meta: { node_fields: string[]; edge_fields: string[] }): NumberAt[] {
  const found: NumberAt[] = [];
  for (const [key, fields] of [['"nodes":[', meta.node_fields], ['"edges":[', meta.edge_fields]] as const) {
    let at = text.indexOf(key) + key.length;
    let column = 0;
    for (;;) {
      let end = at;
      while (text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++;
      found.push({ start: at, end, field: fields[column] });
      column = (column + 1) % fields.length;
      if (text[end] === '\n') end++;
      if (text[end] !== ',') break;
      at = end + 1;
    }
  }
  return found;
}

test('on rows the kernels refuse, both paths give the same rows or the same error at the same byte', async (t) => {
  const base = fs.readFileSync(await snapshotOf('minimal.js'));
  const text = base.toString('latin1');
  const header = (JSON.parse(text) as {
    snapshot: { node_count: number; meta: { node_fields: string[]; edge_fields: string[]; node_types: unknown[][]; edge_types: unknown[][] } };
  }).snapshot;
  const meta = header.meta;
  const nodeWidth = meta.node_fields.length;
  const nodeLimits: Limits = { typeCount: meta.node_types[0].length, nodeLimit: header.node_count * nodeWidth, nodeWidth };
  const edgeLimits: Limits = { ...nodeLimits, typeCount: meta.edge_types[0].length };
  const numbers = numbersOf(text, meta);
  const edgesAt = text.indexOf('"edges":[');
  const nodeNumbers = numbers.filter((n) => n.start < edgesAt);
  const edgeNumbers = numbers.slice(nodeNumbers.length);
  assert.ok(nodeNumbers.length > 1000 && edgeNumbers.length > 1000);
  const random = randomOf(20261202);
  const outcomes = { loaded: 0, refused: 0 };
  const CASES = 960;
  for (let c = 0; c < CASES; c++) {
    // Nodes and edges in turns; the replacements in turns within each.
    const within = c % 2 === 0 ? nodeNumbers : edgeNumbers;
    const limits = c % 2 === 0 ? nodeLimits : edgeLimits;
    // Half the cases on a rule's boundary, in a field that has one; the rest in turns.
    const onBoundary = c % 4 < 2;
    const kind = onBoundary ? BAD_NUMBERS.length - 1 : (c >> 2) % (BAD_NUMBERS.length - 1);
    let picked = within[random(within.length)];
    while (onBoundary && !RULED_FIELDS.includes(picked.field)) picked = within[random(within.length)];
    const { start, end, field } = picked;
    const replaced = BAD_NUMBERS[kind](text.slice(start, end), field, random, limits);
    const input = Buffer.concat([base.subarray(0, start), Buffer.from(replaced, 'latin1'), base.subarray(end)]);
    // Chunks of several kernel slices (64 KB), and of less than one.
    const size = (c >> 1) % 3 === 0 ? 1 << 20 : 700 + random(40_000);
    const withKernels = parse(input, true, () => size);
    const withoutKernels = parse(input, false, () => size);
    assertSameOutcome(withKernels, withoutKernels, `case ${c} (replacement ${kind} of ${field} at byte ${start})`);
    outcomes['error' in withKernels ? 'refused' : 'loaded']++;
  }
  t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
  // Both outcomes must occur, or the cases test one side of the rules only.
  assert.ok(outcomes.loaded > 50 && outcomes.refused > 50, JSON.stringify(outcomes));
});
