/** The worker answers the same as the in-process engine, and the CLI prints it as promised. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyzeSnapshot } from '../src/heap/analysis';
import { readSnapshotFile } from '../src/worker/analyzeFile';
import { SnapshotParser } from '../src/heap/parser';
import { findNodeById, summarize } from '../src/heap/summary';
import { HeapSnapshotError } from '../src/heap/errors';
import { HeapWorker } from '../src/worker/client';
import { analyzeInParallel, DominatorThread } from '../src/worker/parallel';
import { repoRoot, runCli, snapshotOf, testTempDir } from './support/fixtures';

const workerScript = path.join(repoRoot, 'dist', 'heapWorker.js');

test('the worker, fed CDP-style string chunks, answers like the in-process engine', async () => {
  const file = await snapshotOf('registry.js');
  const text = fs.readFileSync(file, 'utf8');
  const parser = new SnapshotParser();
  parser.write(text);
  const local = summarize(analyzeSnapshot(parser.end()), 10);

  const phases: string[] = [];
  const worker = new HeapWorker((phase) => phases.push(phase), undefined, workerScript);
  try {
    for (let at = 0; at < text.length; at += 100_000) await worker.write(text.slice(at, at + 100_000));
    const info = await worker.end();
    assert.equal(info.nodeCount, local.nodeCount);
    assert.deepEqual(await worker.summary(10), local);
    assert.ok(phases.includes('dominators'), `progress phases: ${phases.join(',')}`);
    const top = local.topObjects[0];
    const node = await worker.node(top.id);
    assert.ok(node);
    assert.deepEqual(node.object, top);
    assert.ok(node.retainers.length >= 1);
    assert.equal(await worker.node(2 ** 31), null, 'an unknown id is null, not an error');
  } finally {
    await worker.dispose();
  }
});

test('the worker reports a parse error early and stays usable for nothing else', async () => {
  const worker = new HeapWorker(undefined, undefined, workerScript);
  try {
    await worker.write('{"nodes": []}');
    await assert.rejects(worker.end(), /first key is "nodes", expected "snapshot" \(at byte 10\)/);
  } finally {
    await worker.dispose();
  }
});

test('the worker reads a file by path, the edges on its second thread, and answers like the in-process engine', async () => {
  const file = await snapshotOf('registry.js');
  const local = summarize(analyzeSnapshot(await readSnapshotFile(file)), 10);
  const progress: string[] = [];
  const worker = new HeapWorker((phase, _bytes, slot) => progress.push(`${slot}:${phase}`), undefined, workerScript);
  try {
    const info = await worker.loadFile(file);
    assert.equal(info.edgesReadApart, true, "V8's layout: the analysis thread read the edges, not one parser after all");
    assert.ok(info.timings, 'analyzed');
    assert.deepEqual(await worker.summary(10), local);
    for (const phase of ['main:parse', 'main:dominators']) assert.ok(progress.includes(phase), `progress: ${progress.join(',')}`);

    const parsed = await worker.loadFile(file, 'parsed', false);
    assert.equal(parsed.nodeCount, local.nodeCount);
    assert.equal(parsed.timings, undefined, 'only parsed');
    await assert.rejects(worker.summary(10, 'parsed'), /not analyzed/);
    assert.deepEqual(await worker.summary(10), local, 'the first slot is untouched');
  } finally {
    await worker.dispose();
  }
});

test('a file load in the worker stops when aborted, and the worker loads again afterwards', async () => {
  const file = await snapshotOf('registry.js');
  const worker = new HeapWorker(undefined, undefined, workerScript);
  try {
    const abort = new AbortController();
    // The cancel follows the request at once: the worker sees it by its first chunk's end.
    const loading = worker.loadFile(file, 'main', true, abort.signal);
    abort.abort();
    await assert.rejects(loading, { name: 'AbortError' });
    await assert.rejects(worker.summary(10), /No snapshot "main" is loaded/, 'the cancelled slot holds nothing');
    await assert.rejects(worker.loadFile(file, 'main', true, AbortSignal.abort()), { name: 'AbortError' });
    const info = await worker.loadFile(file);
    assert.ok(info.nodeCount > 1000);
    assert.equal((await worker.summary(3)).nodeCount, info.nodeCount);

    // A second load into a slot still loading stops the first; the slot is the second's.
    const first = worker.loadFile(file, 'again');
    const second = worker.loadFile(file, 'again');
    await assert.rejects(first, { name: 'AbortError' });
    assert.equal((await second).nodeCount, info.nodeCount);
    assert.equal((await worker.summary(3, 'again')).nodeCount, info.nodeCount);
  } finally {
    await worker.dispose();
  }
});

test('a damaged file read by the worker fails with the offset one parser names', async () => {
  const text = fs.readFileSync(await snapshotOf('server.js'), 'utf8');
  const rowInEdges = text.indexOf('\n,', text.indexOf('"edges":[') + 1000) + 2;
  const file = path.join(testTempDir(), 'worker-bad-edge.heapsnapshot');
  fs.writeFileSync(file, text.slice(0, rowInEdges) + '1,1,999999999' + text.slice(text.indexOf('\n', rowInEdges)));
  let expected: HeapSnapshotError | undefined;
  try {
    await readSnapshotFile(file);
  } catch (e) {
    expected = e as HeapSnapshotError;
  }
  assert.ok(expected instanceof HeapSnapshotError && /points outside the node array/.test(expected.message));
  const worker = new HeapWorker(undefined, undefined, workerScript);
  try {
    await assert.rejects(worker.loadFile(file), (e: unknown) => e instanceof HeapSnapshotError && e.message === expected.message && e.offset === expected.offset);
  } finally {
    await worker.dispose();
  }
});

test('a two-thread analysis cancelled at any phase after the thread started ends with that error, nothing left unhandled', async () => {
  const file = await snapshotOf('registry.js');
  const unhandled: unknown[] = [];
  const listener = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', listener);
  try {
    for (const phase of ['retainers', 'classes', 'distances', 'dominators']) {
      const snapshot = await readSnapshotFile(file);
      const cancelled = new Error(`cancelled at ${phase}`);
      await assert.rejects(
        analyzeInParallel(snapshot, new DominatorThread(), {
          onPhase: (p) => {
            if (p === phase) throw cancelled;
          },
        }),
        (e) => e === cancelled,
      );
      // The thread's exit rejects what was still awaited: give those rejections their turn.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    process.off('unhandledRejection', listener);
  }
  assert.deepEqual(unhandled.map(String), []);
});

test('leak-lens analyze --json has the documented fields, --top limits, --node shows retainers', async () => {
  const file = await snapshotOf('registry.js');
  const r = await runCli(['analyze', file, '--json', '--top', '5']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const key of ['nodeCount', 'edgeCount', 'totalSize', 'classes', 'topObjects', 'timings']) assert.ok(key in out, key);
  for (const key of ['parseMs', 'indexMs', 'dominatorsMs', 'totalMs']) assert.equal(typeof out.timings[key], 'number', key);
  assert.equal(out.classes.length, 5);
  assert.equal(out.topObjects.length, 5);
  for (const c of out.classes) for (const k of ['name', 'count', 'selfSize', 'retainedSize']) assert.ok(k in c, k);
  for (const o of out.topObjects) for (const k of ['id', 'name', 'type', 'selfSize', 'retainedSize', 'distance', 'refs']) assert.ok(k in o, k);
  // Sorted by retained size, largest first.
  for (let i = 1; i < out.topObjects.length; i++) assert.ok(out.topObjects[i - 1].retainedSize >= out.topObjects[i].retainedSize);

  // The Map behind Processor.instanceMap is held by the Processor class through "instanceMap".
  const s = await readSnapshotFile(file);
  let mapId = -1;
  for (let e = 0; e < s.edgeCount && mapId < 0; e++) {
    if (s.edgeType[e] === s.edgeKinds.property && s.strings.get(s.edgeName[e]) === 'instanceMap') mapId = s.nodeId[s.edgeTarget[e]];
  }
  assert.ok(mapId > 0 && findNodeById(s, mapId) >= 0);
  const node = await runCli(['analyze', file, '--node', String(mapId)]);
  assert.equal(node.code, 0, node.stderr);
  assert.match(node.stdout, new RegExp(`Object Map @${mapId} \\(object\\)`));
  assert.match(node.stdout, /property instanceMap\s+Processor @\d+ \(closure/);

  const text = await runCli(['analyze', file, '--top', '3']);
  assert.match(text.stdout, /Top classes by retained size/);
  assert.match(text.stdout, /Timings: parse [\d,]+ ms · indexes/);
});

