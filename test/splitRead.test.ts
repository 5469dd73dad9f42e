/**
 * Files are read by two threads: the analysis thread parses "edges" while this one parses
 * the rest. Whatever the layout or the damage, the result must be what one parser gives:
 * the same arrays, or the same error at the same offset.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { HeapSnapshotError } from '../src/heap/errors';
import type { HeapSnapshot } from '../src/heap/snapshot';
import { readSnapshotFile } from '../src/worker/analyzeFile';
import { lastOffsetWithRows, rowWidthAt } from '../src/snapshotFiles/rowLayout';
import { DominatorThread } from '../src/worker/parallel';
import { snapshotOf, testTempDir } from './support/fixtures';

/** `parses`: how many times the file was parsed (twice when two threads fell back to one). */
type Outcome = ({ snapshot: HeapSnapshot } | { error: HeapSnapshotError }) & { parses?: number };

async function read(file: string, split: boolean): Promise<Outcome> {
  const thread = split ? new DominatorThread() : undefined;
  let parses = 0;
  try {
    const snapshot = await readSnapshotFile(file, { edgeThread: thread, withStrings: () => parses++ });
    return { snapshot, parses };
  } catch (e) {
    assert.ok(e instanceof HeapSnapshotError, `expected a HeapSnapshotError, got ${String(e)}`);
    return { error: e };
  } finally {
    await thread?.dispose();
  }
}

function assertSameSnapshot(a: HeapSnapshot, b: HeapSnapshot): void {
  assert.equal(a.nodeCount, b.nodeCount);
  assert.equal(a.edgeCount, b.edgeCount);
  for (const field of ['nodeType', 'nodeName', 'nodeId', 'selfSize', 'firstEdge', 'edgeType', 'edgeName', 'edgeTarget', 'locations'] as const) {
    assert.deepEqual(a[field], b[field], field);
  }
  assert.equal(a.strings.count, b.strings.count);
  for (let i = 0; i < a.strings.count; i++) assert.equal(a.strings.get(i), b.strings.get(i));
}

async function assertSplitReadsLikeOne(name: string, text: string | Buffer): Promise<Outcome> {
  const file = path.join(testTempDir(), `split-${name}.heapsnapshot`);
  fs.writeFileSync(file, text);
  const [split, single] = [await read(file, true), await read(file, false)];
  if ('error' in single) {
    assert.ok('error' in split, `${name}: the split read succeeded where one parser failed: ${single.error.message}`);
    assert.equal(split.error.message, single.error.message, name);
  } else {
    assert.ok('snapshot' in split, `${name}: the split read failed: ${'error' in split ? split.error.message : ''}`);
    assertSameSnapshot(split.snapshot, single.snapshot);
  }
  return split;
}

test('two threads read a V8 snapshot exactly as one parser does, and other layouts too', async () => {
  const text = fs.readFileSync(await snapshotOf('server.js'), 'utf8');
  const ok = await assertSplitReadsLikeOne('v8', text);
  assert.ok('snapshot' in ok && ok.snapshot.edgeCount > 1000);
  assert.equal(ok.parses, 1, "V8's layout is read by the two threads, not by one parser after all");
  const raw = JSON.parse(text) as Record<string, unknown>;
  // Spaces around the key, and the edges section after the strings: the thread must not take a
  // string "edges" for the key.
  await assertSplitReadsLikeOne('spaced', JSON.stringify(raw, null, 1));
  const { strings, ...rest } = raw;
  const reordered = { snapshot: raw.snapshot, nodes: raw.nodes, strings: ['edges', ...(strings as string[]).slice(1)], ...rest };
  await assertSplitReadsLikeOne('strings-first', JSON.stringify(reordered).replace('"strings":', ' "strings" :'));
});

test('with two threads, damage is reported at the same offset as with one', async () => {
  const text = fs.readFileSync(await snapshotOf('server.js'), 'utf8');
  const edges = text.indexOf('"edges":[');
  const strings = text.indexOf('"strings":[');
  const rowInEdges = text.indexOf('\n,', edges + 1000) + 2;
  // Inside the edges section only.
  const badEdge = text.slice(0, rowInEdges) + '1,1,999999999' + text.slice(text.indexOf('\n', rowInEdges));
  const e1 = await assertSplitReadsLikeOne('bad-edge', badEdge);
  assert.ok('error' in e1 && /points outside the node array/.test(e1.error.message));
  // Inside edges and later inside strings: the first (edges) wins, as in one pass.
  const both = badEdge.slice(0, strings + 20) + '\u0001' + badEdge.slice(strings + 21);
  const e2 = await assertSplitReadsLikeOne('edge-and-string', both);
  assert.ok('error' in e2 && /points outside the node array/.test(e2.error.message));
  // Inside strings only, and a string index past the table named by an edge.
  await assertSplitReadsLikeOne('bad-string', text.slice(0, strings + 20) + '\u0001' + text.slice(strings + 21));
  const tooFewStrings = text.slice(0, strings) + '"strings":["<dummy>"]}';
  const e3 = await assertSplitReadsLikeOne('few-strings', tooFewStrings);
  assert.ok('error' in e3 && /names string \d+ but "strings" holds only 1/.test(e3.error.message));
  // Cut inside the edges section, and inside the nodes before the thread's section.
  await assertSplitReadsLikeOne('cut-in-edges', text.slice(0, rowInEdges + 5));
  await assertSplitReadsLikeOne('cut-in-nodes', text.slice(0, edges - 100));
  // More edge rows than the header declares.
  await assertSplitReadsLikeOne('extra-edge', text.slice(0, rowInEdges) + '1,1,0\n,' + text.slice(rowInEdges));
});

test('the main thread jumps over the edges by the rows\' width, and lands inside them', async () => {
  const file = await snapshotOf('server.js');
  const text = fs.readFileSync(file, 'latin1');
  const open = text.indexOf('"edges":[') + '"edges":'.length;
  const close = text.indexOf(']', open);
  const handle = await fs.promises.open(file, 'r');
  try {
    assert.equal(await rowWidthAt(handle, open + 1000), 3, 'edge rows are three numbers wide');
    assert.equal(await rowWidthAt(handle, text.indexOf('"nodes":[') + 1000), 7, 'node rows seven');
    const landing = await lastOffsetWithRows(handle, open, text.length, 3);
    assert.ok(landing < close && close - landing < 1024, `landed at ${landing}, the section ends at ${close}`);
    // And the thread finds the key near the last node rows the same way.
    const lastNodes = await lastOffsetWithRows(handle, text.indexOf('"nodes":['), text.length, 7);
    assert.ok(lastNodes < open && open - lastNodes < 1024, `node rows end near ${lastNodes}, edges start at ${open}`);
  } finally {
    await handle.close();
  }
});

test('rows of the edges\' width after the edges make the jump overshoot: one parser then reads the file', async () => {
  const text = fs.readFileSync(await snapshotOf('server.js'), 'utf8');
  const after = text.indexOf(']', text.indexOf('"edges":[')) + 1;
  const rows = Array.from({ length: 20000 }, (_, k) => `${k},${k + 1},${k + 2}`).join('\n,');
  const extra = `,"extra":[${rows}]`;
  await assertSplitReadsLikeOne('three-wide-after', text.slice(0, after) + extra + text.slice(after));
  // The same, with damage after it: the error is the one a single parser reports.
  const damaged = text.slice(0, after) + extra + text.slice(after).replace('"strings":[', '"strings":[\u0001');
  await assertSplitReadsLikeOne('three-wide-after-damaged', damaged);
});
