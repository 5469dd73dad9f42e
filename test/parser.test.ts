/** The streaming parser reads real snapshots exactly as JSON.parse does, whatever the chunking. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { SnapshotParser } from '../src/heap/parser';
import type { HeapSnapshot } from '../src/heap/snapshot';
import { snapshotOf } from './support/fixtures';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[] }; node_count: number; edge_count: number };
  nodes: number[];
  edges: number[];
  locations: number[];
  strings: string[];
}

function parseInChunks(bytes: Buffer, sizes: (i: number) => number, asStrings = false): HeapSnapshot {
  const parser = new SnapshotParser();
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const next = Math.min(bytes.length, at + sizes(i));
    const chunk = bytes.subarray(at, next);
    parser.write(asStrings ? chunk.toString('latin1') : chunk);
    at = next;
  }
  return parser.end();
}

function assertSameAsJson(s: HeapSnapshot, raw: RawSnapshot): void {
  const nf = raw.snapshot.meta.node_fields;
  const ef = raw.snapshot.meta.edge_fields;
  const F = nf.length;
  const E = ef.length;
  assert.equal(s.nodeCount, raw.snapshot.node_count);
  assert.equal(s.edgeCount, raw.snapshot.edge_count);
  let edge = 0;
  for (let n = 0; n < s.nodeCount; n++) {
    const row = n * F;
    assert.equal(s.nodeType[n], raw.nodes[row + nf.indexOf('type')]);
    assert.equal(s.nodeName[n], raw.nodes[row + nf.indexOf('name')]);
    assert.equal(s.nodeId[n], raw.nodes[row + nf.indexOf('id')]);
    assert.equal(s.selfSize[n], raw.nodes[row + nf.indexOf('self_size')]);
    assert.equal(s.firstEdge[n], edge);
    edge += raw.nodes[row + nf.indexOf('edge_count')];
  }
  assert.equal(s.firstEdge[s.nodeCount], s.edgeCount);
  for (let e = 0; e < s.edgeCount; e++) {
    assert.equal(s.edgeType[e], raw.edges[e * E + ef.indexOf('type')]);
    assert.equal(s.edgeName[e], raw.edges[e * E + ef.indexOf('name_or_index')]);
    assert.equal(s.edgeTarget[e] * F, raw.edges[e * E + ef.indexOf('to_node')]);
  }
  assert.equal(s.strings.count, raw.strings.length);
  for (let i = 0; i < raw.strings.length; i++) assert.equal(s.strings.get(i), raw.strings[i], `string ${i}`);
  assert.equal(s.locations.length, raw.locations.length);
  for (let i = 0; i < raw.locations.length; i += 4) {
    assert.equal(s.locations[i] * F, raw.locations[i]);
    assert.deepEqual([...s.locations.subarray(i + 1, i + 4)], raw.locations.slice(i + 1, i + 4));
  }
}

test('every field and string equals JSON.parse of the same file (strings with escapes, unicode, quotes)', async () => {
  const file = await snapshotOf('strings.mjs');
  const bytes = fs.readFileSync(file);
  const raw = JSON.parse(bytes.toString('utf8')) as RawSnapshot;
  // The fixture's awkward property names must be among the strings, decoded.
  assert.ok(raw.strings.includes('say "hi"'), 'fixture holds a string with quotes');
  assertSameAsJson(parseInChunks(bytes, () => 1 << 20), raw);
});

test('chunk boundaries anywhere give the same result (1–97 byte chunks, and CDP-style string chunks)', async () => {
  const file = await snapshotOf('strings.mjs');
  const bytes = fs.readFileSync(file);
  const raw = JSON.parse(bytes.toString('utf8')) as RawSnapshot;
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  assertSameAsJson(parseInChunks(bytes, () => 1 + Math.floor(random() * 97)), raw);
  // V8 escapes non-ASCII in snapshots, so the text is ASCII and latin1 strings are exact.
  assertSameAsJson(parseInChunks(bytes, () => 65536, true), raw);
});

test('the fast path for V8-formatted rows and the general scanner agree, at any chunk size and layout', async () => {
  const file = await snapshotOf('strings.mjs');
  const bytes = fs.readFileSync(file);
  const raw = JSON.parse(bytes.toString('utf8')) as RawSnapshot;
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // Chunks around the fast path's guard: rows cross from one path to the other many times.
  assertSameAsJson(parseInChunks(bytes, () => 300 + Math.floor(random() * 3000)), raw);
  // No newlines between rows: still the fast path.
  assertSameAsJson(parseInChunks(Buffer.from(JSON.stringify(raw)), () => 1 << 16), raw);
  // Spaces and newlines everywhere: the general scanner only.
  assertSameAsJson(parseInChunks(Buffer.from(JSON.stringify(raw, null, 1)), () => 1 << 16), raw);
  // A field order of our own (not V8's): the per-field fast path for nodes.
  const nf = raw.snapshot.meta.node_fields;
  const order = [...nf.keys()].reverse();
  const width = nf.length;
  const reordered: RawSnapshot = {
    ...raw,
    snapshot: { ...raw.snapshot, meta: { ...raw.snapshot.meta, node_fields: order.map((k) => nf[k]) } },
    nodes: raw.nodes.map((_, i) => raw.nodes[i - (i % width) + order[i % width]]),
  };
  const meta = raw.snapshot.meta as unknown as { node_types: unknown[] };
  (reordered.snapshot.meta as unknown as { node_types: unknown[] }).node_types = order.map((k) => meta.node_types[k]);
  const text = JSON.stringify(reordered).replace(/\],"edges"/, ']\n,"edges"');
  const s = parseInChunks(Buffer.from(text), () => 1 << 16);
  assertSameAsJson(s, reordered);
});
