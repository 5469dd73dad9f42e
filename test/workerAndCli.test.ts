/** The worker answers the same as the in-process engine, and the CLI prints it as promised. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyzeSnapshot } from '../src/heap/analysis';
import { readSnapshotFile } from '../src/node/analyzeFile';
import { SnapshotParser } from '../src/heap/parser';
import { findNodeById, summarize } from '../src/heap/summary';
import { HeapWorker } from '../src/worker/client';
import { repoRoot, runCli, snapshotOf } from './support/fixtures';

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

