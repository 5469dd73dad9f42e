/**
 * The heap worker's answers for the snapshot editor, on a real snapshot: classes with ids
 * (what the table lists), a class's largest objects (checked against every instance) and an
 * object's path from a GC root (through Processor.instanceMap).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyzeSnapshot } from '../src/heap/analysis';
import { readSnapshotFile } from '../src/worker/analyzeFile';
import { HeapWorker } from '../src/worker/client';
import { pathLines } from '../src/report/pathText';
import { repoRoot, snapshotOf } from './support/fixtures';

const workerScript = path.join(repoRoot, 'dist', 'heapWorker.js');

test('the worker lists classes with ids, a class’s largest objects, and an object’s path from a root', async () => {
  const file = await snapshotOf('registry.js');
  const a = analyzeSnapshot(await readSnapshotFile(file));
  const worker = new HeapWorker(undefined, undefined, workerScript);
  try {
    await worker.loadFile(file);
    const { classes, total } = await worker.classes(10_000);
    assert.equal(total, a.classAggregates.filter((c) => c.count > 0).length);
    assert.equal(classes.length, total);
    for (let i = 1; i < classes.length; i++) assert.ok(classes[i - 1].retainedSize >= classes[i].retainedSize, 'by retained size');
    const processor = classes.find((c) => c.name === 'Processor');
    assert.ok(processor, classes.map((c) => c.name).join(', '));
    assert.equal(processor.count, a.classAggregates[processor.id].count);
    assert.equal(a.classTable.classes[processor.id].name, 'Processor');
    assert.equal((await worker.classes(5)).classes.length, 5);

    // Every counted instance of the class, largest first: the worker's top 20 are the first 20.
    const sizes: number[] = [];
    const s = a.snapshot;
    for (let n = 0; n < s.nodeCount; n++) if (a.classTable.classOf[n] === processor.id && s.selfSize[n] > 0) sizes.push(a.retainedSize[n]);
    sizes.sort((x, y) => y - x);
    assert.equal(sizes.length, processor.count);
    const top = await worker.classObjects(processor.id, 20);
    assert.equal(top.length, 20);
    assert.deepEqual(top.map((o) => o.retainedSize), sizes.slice(0, 20));
    assert.ok(top.every((o) => o.name === 'Processor'));

    const found = await worker.rootPath(top[0].id);
    assert.ok(found);
    assert.equal(found.object.id, top[0].id);
    assert.equal(found.path.steps.at(-1)?.toId, top[0].id, 'the path ends at the object');
    assert.equal(found.path.steps.length, found.object.distance);
    const text = pathLines(found.path).map((l) => l.text).join(' → ');
    assert.match(text, /instanceMap/, text);
    assert.equal(await worker.rootPath(2 ** 31), null, 'an unknown id is null, not an error');
  } finally {
    await worker.dispose();
  }
});
