/**
 * Our numbers must equal Chrome DevTools' (its worker code, npm heap-snapshot-toolkit) for the
 * same file: every node's retained size, distance and dominator, and every class's count,
 * self size and retained size — on snapshots of three different real Node programs.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyzeFile } from '../src/node/analyzeFile';
import { devtoolsReference, fixturePrograms, snapshotOf, type DevtoolsReference } from './support/fixtures';

for (const program of fixturePrograms()) {
  for (const parallel of [true, false]) {
  test(`matches DevTools node by node and class by class: ${path.basename(program)}, ${parallel ? 'two threads' : 'one thread'}`, async () => {
    const file = await snapshotOf(program);
    const [ours, ref] = await Promise.all([analyzeFile(file, { parallel }), referenceOf(file)]);
    const s = ours.snapshot;
    assert.equal(s.nodeCount, ref.nodeCount);
    assert.equal(s.edgeCount, ref.edgeCount);

    const differences: string[] = [];
    for (let n = 0; n < s.nodeCount && differences.length < 10; n++) {
      const at = `node ${n} @${s.nodeId[n]} (${s.strings.get(s.nodeName[n]).slice(0, 40)})`;
      if (s.nodeId[n] !== ref.ids[n]) differences.push(`${at}: id ${s.nodeId[n]} vs ${ref.ids[n]}`);
      if (s.selfSize[n] !== ref.selfSizes[n]) differences.push(`${at}: self ${s.selfSize[n]} vs ${ref.selfSizes[n]}`);
      if (ours.retainedSize[n] !== ref.retainedSizes[n]) {
        differences.push(`${at}: retained ${ours.retainedSize[n]} vs ${ref.retainedSizes[n]}`);
      }
      if (ours.distances[n] !== ref.distances[n]) differences.push(`${at}: distance ${ours.distances[n]} vs ${ref.distances[n]}`);
      if (ours.dominator[n] !== ref.dominators[n]) differences.push(`${at}: dominator ${ours.dominator[n]} vs ${ref.dominators[n]}`);
    }
    assert.deepEqual(differences, [], 'per-node values differ from DevTools');

    const byKey = new Map(ours.classAggregates.map((c) => [ours.classTable.classes[c.classId].key, c]));
    assert.equal(byKey.size, ref.classes.length, 'number of classes');
    for (const expected of ref.classes) {
      const mine = byKey.get(expected.key);
      assert.ok(mine, `class ${expected.key} is missing`);
      assert.equal(ours.classTable.classes[mine.classId].name, expected.name, `name of ${expected.key}`);
      assert.deepEqual(
        { count: mine.count, self: mine.selfSize, retained: mine.retainedSize, distance: mine.distance },
        { count: expected.count, self: expected.self, retained: expected.maxRet, distance: expected.distance },
        `class ${expected.key}`,
      );
    }
  });
  }
}

const references = new Map<string, Promise<DevtoolsReference>>();
function referenceOf(file: string): Promise<DevtoolsReference> {
  let r = references.get(file);
  if (!r) references.set(file, (r = devtoolsReference(file)));
  return r;
}

test('the registry story is visible: every Processor the program made is alive', async () => {
  const file = await snapshotOf('registry.js');
  const a = await analyzeFile(file);
  const count = (name: string) =>
    a.classAggregates.filter((c) => a.classTable.classes[c.classId].name === name).reduce((sum, c) => sum + c.count, 0);
  // registry.js makes 270 Processor and 30 PriorityProcessor; V8 also names the subclass's
  // prototype object "Processor".
  assert.equal(count('PriorityProcessor'), 30);
  assert.equal(count('Processor'), 271);
});
