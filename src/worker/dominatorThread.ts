/**
 * Second analysis thread: builds the retainer index and the dominator tree on the graph the
 * main thread shares with it (SharedArrayBuffers, no copies), while the main thread computes
 * distances and class names.
 */
import { parentPort } from 'node:worker_threads';
import { aggregateOverTree } from '../heap/analysis';
import { computeDominatorTree, computeRetainedSizes, type DominatorTree, type Dominators } from '../heap/dominators';
import { countRetainers, fillRetainers, type EdgeGraph, type Retainers } from '../heap/retainers';
import { readEdgeSection } from '../node/edgeSection';
import type { DominatorReply, DominatorRequest } from './parallel';

const port = parentPort;
if (!port) throw new Error('dominatorThread must run in a worker thread');

let graph: EdgeGraph | null = null;
let firstRetainer: Uint32Array | null = null;
let retainers: Retainers | null = null;
let tree: DominatorTree | null = null;
let dominators: Dominators | null = null;
let selfSize: Float64Array | null = null;
let essential: Uint8Array | null = null;
let started = 0;

port.on('message', (m: DominatorRequest) => {
  try {
    if (m.type === 'edges') {
      readEdgeSection(m.path, m.job).then(
        (outcome) => port.postMessage({ type: 'edges', outcome } satisfies DominatorReply),
        (e: unknown) => port.postMessage({ type: 'error', message: describe(e) } satisfies DominatorReply),
      );
      return;
    }
    if (m.type === 'graph') {
      started = performance.now();
      graph = m.graph;
      firstRetainer = countRetainers(graph);
      return;
    }
    if (m.type === 'essential') {
      if (!graph || !firstRetainer) throw new Error('essential edges before the graph');
      const filled = fillRetainers(graph, firstRetainer, m.rules);
      retainers = filled.retainers;
      essential = filled.essential;
      tree = computeDominatorTree(graph, retainers, essential);
      return;
    }
    if (m.type === 'sizes') {
      if (!retainers || !tree) throw new Error('sizes before the dominator tree');
      dominators = { dominator: tree.dominator, retainedSize: computeRetainedSizes(tree, m.selfSize, tree.spare.sizes) };
      tree.releaseOrder();
      selfSize = m.selfSize;
      return;
    }
    if (!graph || !retainers || !essential || !tree || !dominators || !selfSize) throw new Error('classes before retained sizes');
    const classAggregates = aggregateOverTree(
      { nodeCount: graph.nodeCount, rootOrdinal: graph.rootOrdinal, selfSize },
      { classOf: m.classOf, classCount: m.classCount, distances: m.distances, dominators, scratch: tree.spare.scratch },
    );
    const reply: DominatorReply = { type: 'done', retainers, essential, dominators, classAggregates, ms: performance.now() - started };
    port.postMessage(reply);
    graph = null;
    firstRetainer = null;
    retainers = null;
    tree = null;
    dominators = null;
    selfSize = null;
    essential = null;
  } catch (e) {
    const reply: DominatorReply = { type: 'error', message: describe(e) };
    port.postMessage(reply);
  }
});

function describe(e: unknown): string {
  return e instanceof Error ? e.stack ?? e.message : String(e);
}
