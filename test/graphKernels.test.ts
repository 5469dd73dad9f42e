/**
 * The graph's WebAssembly kernels (src/heap/graphKernels.ts) are the binary their
 * text assembles to, and the graph memory they read (src/heap/graphMemory.ts) hands each region
 * out once, so a second use of a snapshot's regions gets arrays of its own (and JavaScript).
 * That the kernels give DevTools' numbers is devtoolsEquality's to show, on both paths.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { graphKernels } from '../src/heap/graphKernels';
import { GRAPH_KERNELS_WASM } from '../src/heap/graphKernels.wasm';
import { computeDominatorTree } from '../src/heap/dominators';
import { createGraphMemory, isGraphRegion, regionWords } from '../src/heap/graphMemory';
import { essentialEdges } from '../src/heap/edgeRules';
import { prepareEdgeRules } from '../src/heap/analysis';
import { buildRetainers } from '../src/heap/retainers';
import { readSnapshotFile } from '../src/worker/analyzeFile';
import { fixturePrograms, repoRoot, snapshotOf } from './support/fixtures';

test('the committed graph kernel binary is what src/heap/graphKernels.wat.mjs assembles (run npm run build after editing it)', async () => {
  // An ES module: the compiled CommonJS test would turn a plain import() into require().
  const load = new Function('url', 'return import(url)') as (url: string) => Promise<{ assemble(): Promise<Buffer> }>;
  const kernels = await load(pathToFileURL(path.join(repoRoot, 'src', 'heap', 'graphKernels.wat.mjs')).href);
  assert.equal(GRAPH_KERNELS_WASM, (await kernels.assemble()).toString('base64'));
});

test('a graph memory hands each region out once; a second claim gets a plain array of its own', () => {
  const g = createGraphMemory(1000, 5000);
  assert.ok(g, 'a graph memory for a small graph');
  assert.ok(graphKernels(g), 'the kernels instantiate on it');
  const first = regionWords(g, 'retainerNode', 5000);
  assert.ok(isGraphRegion(g, 'retainerNode', first));
  first[0] = 7;
  const second = regionWords(g, 'retainerNode', 5000);
  assert.equal(isGraphRegion(g, 'retainerNode', second), false);
  assert.equal(second[0], 0, 'not the first array');
  assert.equal(first[0], 7, 'the first array is left alone');
  // A region's length is the layout's: asking for another is a programming error.
  assert.throws(() => regionWords(createGraphMemory(1000, 5000), 'firstEdge', 7), /firstEdge holds 1001 words, not 7/);
});

test('no graph memory beyond what 32-bit addresses reach: the JavaScript steps take those graphs', () => {
  assert.equal(createGraphMemory(2 ** 28, 2 ** 30), null);
});

test('a dominator tree computed twice from one snapshot: the second in JavaScript, with the same tree', async () => {
  const snapshot = await readSnapshotFile(await snapshotOf(fixturePrograms()[0]));
  const { rules } = prepareEdgeRules(snapshot);
  const essential = essentialEdges(snapshot, rules);
  const retainers = buildRetainers(snapshot, essential);
  const first = computeDominatorTree(snapshot, retainers, essential);
  assert.equal(first.webAssembly, true, 'the first tree is the kernels\'');
  const dominators = first.dominator.slice();
  const order = first.order.slice();
  // The second finds every region taken: its own arrays, and JavaScript.
  const second = computeDominatorTree(snapshot, retainers, essential);
  assert.equal(second.webAssembly, false);
  assert.deepEqual(second.dominator, dominators);
  assert.deepEqual(second.order, order);
  assert.deepEqual(first.dominator, dominators, 'the first tree is left alone');
});
