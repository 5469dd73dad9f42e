/**
 * Second analysis thread. For a file, it parses the "edges" section while the main thread
 * parses the rest. Then, on the graph the main thread shares with it (SharedArrayBuffers, no
 * copies): it counts retainers, marks the essential edges, runs the dominator DFS, fills the
 * retainers and finishes the dominator tree while the main thread attributes storage and
 * computes class names and distances, and sums retained sizes, then retained sizes per class:
 * of the subtrees it shares, the main thread walks those it claims when free.
 */
import { parentPort } from 'node:worker_threads';
import { buildDominatedNodes, chooseSharedSubtrees, classRetainedSizesSharing, classWalkInput } from '../heap/classes';
import {
  dominatorsOf,
  startDominatorTree,
  type DominatorTree,
  type Dominators,
} from '../heap/dominators';
import { markEssentialEdges } from '../heap/edgeRules';
import { countRetainers, countTargets, fillRetainers, type EdgeGraph } from '../heap/retainers';
import { readEdgeSection } from '../snapshotFiles/edgeSection';
import type { DominatorReply, DominatorRequest } from './parallel';

const port = parentPort;
if (!port) throw new Error('dominatorThread must run in a worker thread');

let graph: EdgeGraph | null = null;
/** First offsets of the retainers (the counts, until the rules arrive and the fill is made). */
let firstRetainer: Uint32Array | null = null;
let tree: DominatorTree | null = null;
let dominators: Dominators | null = null;
let selfSize: Float64Array | null = null;
let dominated: { first: Uint32Array; nodes: Uint32Array } | null = null;
let started = 0;
/** Retainer counts taken once this thread had read the edges, before the graph arrived. */
let countedWhileReading: Uint32Array | null = null;

port.on('message', (m: DominatorRequest) => {
  try {
    handle(m);
  } catch (e) {
    send({ type: 'error', message: describe(e) });
  }
});

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

function handle(m: DominatorRequest): void {
  switch (m.type) {
    case 'edges': {
      const job = m.job;
      readEdgeSection(m.path, job).then(
        (outcome) => {
          send({ type: 'edges', outcome });
          // Meanwhile the main thread is mostly still parsing its part: the retainer counts
          // need only the edges, so they are taken now rather than when the graph arrives.
          if (outcome.type === 'read') countedWhileReading = countTargets(job.edgeTarget, job.edgeCount, job.nodeCount, job.graphMemory);
        },
        (e: unknown) => send({ type: 'error', message: describe(e) }),
      );
      return;
    }
    case 'graph': {
      started = performance.now();
      graph = m.graph;
      const counted = m.edgesReadHere ? countedWhileReading : null;
      countedWhileReading = null;
      firstRetainer = countRetainers(graph, counted ?? undefined);
      return;
    }
    case 'rules': {
      if (!graph || !firstRetainer) throw new Error('edge rules before the graph');
      // This thread's part of the essential edges, then the main thread's (it signals when done).
      const essential = m.essential;
      markEssentialEdges(graph, m.rules, essential, m.split, graph.nodeCount);
      Atomics.wait(m.mainMarked, 0, 0);
      const search = startDominatorTree(graph, essential);
      const retainers = fillRetainers(graph, firstRetainer, essential);
      firstRetainer = null;
      send({ type: 'retainers', retainers });
      tree = search.finish(retainers);
      return;
    }
    case 'sizes':
      if (!tree) throw new Error('sizes before the dominator tree');
      dominators = dominatorsOf(tree, m.selfSize);
      tree.releaseOrder();
      selfSize = m.selfSize;
      // Before the classes arrive: the tree's children index.
      dominated = buildDominatedNodes(dominators.dominator, graph?.rootOrdinal ?? 0, tree.spare.children);
      return;
    case 'classes': {
      if (!graph || !tree || !dominators || !selfSize || !dominated) throw new Error('classes before retained sizes');
      const input = classWalkInput({ rootOrdinal: graph.rootOrdinal, selfSize }, m.classOf, m.classCount, dominators.retainedSize, dominated);
      // The main thread joins the walk of the shared subtrees when it is done with its own work.
      const shared = chooseSharedSubtrees(input);
      send({ type: 'shared', shared, retainedSize: input.retainedSize, dominated });
      const retainedByClass = classRetainedSizesSharing(input, shared);
      send({ type: 'done', dominators, retainedByClass, ms: performance.now() - started });
      graph = tree = dominators = selfSize = dominated = null;
      return;
    }
  }
}

function send(reply: DominatorReply): void {
  port?.postMessage(reply);
}
