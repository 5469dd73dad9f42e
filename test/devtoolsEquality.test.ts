/**
 * Our numbers must equal Chrome DevTools' (its worker code, npm heap-snapshot-toolkit) for the
 * same file: every node's retained size, distance and dominator, and every class's count,
 * self size and retained size — on snapshots of three different real Node programs, with the
 * dominator tree in WebAssembly (the default) and in JavaScript (no graph memory).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  addInto,
  buildDominatedNodes,
  chooseSharedSubtrees,
  classRetainedSizes,
  classRetainedSizesSharing,
  classWalkInput,
  walkSharedSubtrees,
} from '../src/heap/classes';
import { analyzeFile } from '../src/worker/analyzeFile';
import { devtoolsReference, fixturePrograms, snapshotOf, testTempDir, type DevtoolsReference } from './support/fixtures';

/** The ways the analysis can run, each of which must give DevTools' numbers. */
const ways = [true, false].flatMap((parallel) =>
  [true, false].map((graphMemory) => ({
    parallel,
    graphMemory,
    label: `${parallel ? 'two threads' : 'one thread'}, dominators in ${graphMemory ? 'WebAssembly' : 'JavaScript'}`,
  })),
);

for (const program of fixturePrograms()) {
  for (const { parallel, graphMemory, label } of ways) {
  test(`matches DevTools node by node and class by class: ${path.basename(program)}, ${label}`, async () => {
    const file = await snapshotOf(program);
    const [ours, ref] = await Promise.all([analyzeFile(file, { parallel, graphMemory }), referenceOf(file)]);
    assert.equal(ours.dominatorsInWebAssembly, graphMemory, 'where the dominator tree was computed');
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

/**
 * A snapshot no program here makes (V8 collects such objects first), written out by hand: a
 * pair of objects retained only by each other (and weakly), holding a third and a node the
 * root also reaches. DevTools attaches what no DFS reaches to the root one by one.
 */
function writeCliqueSnapshot(file: string): void {
  const nodeTypes = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'];
  const edgeTypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
  const strings = ['', '(GC roots)', 'A', 'X', 'Y', 'B', 'Z', 'W', 'keep', 'w', 'y', 'x', 'z', 'shared'];
  // [type, name, id, self size, edges: [type, name (string) or index, target ordinal]]
  const nodes: [string, string, number, number, [string, string | number, number][]][] = [
    ['synthetic', '', 1, 0, [['element', 1, 1]]],
    ['synthetic', '(GC roots)', 3, 0, [['element', 1, 2]]],
    ['object', 'A', 5, 16, [['property', 'keep', 5], ['weak', 'w', 3], ['property', 'shared', 7]]],
    ['object', 'X', 7, 32, [['property', 'y', 4]]],
    ['object', 'Y', 9, 64, [['property', 'x', 3], ['property', 'z', 6], ['property', 'shared', 7]]],
    ['object', 'B', 11, 8, []],
    ['object', 'Z', 13, 128, []],
    ['object', 'W', 15, 256, []],
  ];
  const nodeRows: number[] = [];
  const edgeRows: number[] = [];
  for (const [type, name, id, size, edges] of nodes) {
    nodeRows.push(nodeTypes.indexOf(type), strings.indexOf(name), id, size, edges.length, 0, 0);
    for (const [edgeType, edgeName, to] of edges) {
      edgeRows.push(edgeTypes.indexOf(edgeType), typeof edgeName === 'number' ? edgeName : strings.indexOf(edgeName), to * 7);
    }
  }
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [nodeTypes, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [edgeTypes, 'string_or_number', 'node'],
    trace_function_info_fields: [],
    trace_node_fields: [],
    sample_fields: [],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  const snapshot = { meta, node_count: nodes.length, edge_count: edgeRows.length / 3, trace_function_count: 0 };
  const json = { snapshot, nodes: nodeRows, edges: edgeRows, trace_function_infos: [], trace_tree: [], samples: [], locations: [], strings };
  fs.writeFileSync(file, JSON.stringify(json));
}

for (const { parallel, graphMemory, label } of ways) {
  test(`objects retained only by each other hang off the root, as in DevTools (${label})`, async () => {
    const file = path.join(testTempDir(), `clique-${parallel}-${graphMemory}.heapsnapshot`);
    writeCliqueSnapshot(file);
    const [ours, ref] = await Promise.all([analyzeFile(file, { parallel, graphMemory }), devtoolsReference(file)]);
    assert.equal(ours.dominatorsInWebAssembly, graphMemory, 'where the dominator tree was computed');
    assert.deepEqual([...ours.dominator], ref.dominators);
    assert.deepEqual([...ours.retainedSize], ref.retainedSizes);
    assert.deepEqual([...ours.distances], ref.distances);
    // The root retains everything, each node once.
    assert.equal(ours.retainedSize[ours.snapshot.rootOrdinal], ours.snapshot.selfSize.reduce((a, b) => a + b, 0));
  });
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

test('the class walk two threads share adds up to the whole walk, whichever thread claims the shared subtrees', async () => {
  const a = await analyzeFile(await snapshotOf('registry.js'), { parallel: false });
  const s = a.snapshot;
  const dominated = buildDominatedNodes(a.dominator, s.rootOrdinal);
  const input = classWalkInput(s, a.classTable.classOf, a.classTable.classes.length, a.retainedSize, dominated);
  const whole = classRetainedSizes(input);
  const sharedAt = chooseSharedSubtrees(input).node;
  assert.ok(dominated.first[sharedAt + 1] - dominated.first[sharedAt] >= 2, 'the walk is shared among several subtrees');
  assert.ok(sharedAt !== s.rootOrdinal, 'the shared subtrees lie below the root (under the registry)');

  // The main thread claims every shared subtree before the analysis thread gets to them.
  let shared = chooseSharedSubtrees(input);
  const joined = walkSharedSubtrees(input, shared);
  assert.ok(joined.some((size) => size > 0), 'the joining thread walked something');
  assert.deepEqual(addInto(classRetainedSizesSharing(input, shared), joined), whole);
  // It comes too late: the analysis thread walked them all.
  shared = chooseSharedSubtrees(input);
  const rest = classRetainedSizesSharing(input, shared);
  assert.deepEqual(rest, whole);
  assert.ok(walkSharedSubtrees(input, shared).every((size) => size === 0));
});
