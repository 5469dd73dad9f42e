'use strict';
// memlab (@memlab/heap-analysis). getFullHeapFromFile() parses the file and then runs memlab's
// preparePathFinder: shortest paths from GC roots for every node, dominators and retained sizes
// for all nodes, and its detached-Fiber passes. memlab logs progress on stdout; the JSON result
// line is printed last.
const { runTool } = require('./common');

runTool(
  'memlab',
  () => require('@memlab/heap-analysis'),
  async (file, memlab) => {
    if (typeof memlab.getFullHeapFromFile !== 'function') throw new Error('@memlab/heap-analysis has no getFullHeapFromFile');
    const heap = await memlab.getFullHeapFromFile(file);
    if (!heap) throw new Error('memlab returned no heap');
    const nodeCount = heap.nodes.length;
    // Touch the analysis result (the root's retained size) without walking every node, which
    // would add time the other tools are not charged.
    const rootRetainedSize = heap.nodes.get(0).retainedSize;
    return { nodeCount, edgeCount: heap.edges.length, rootRetainedSize };
  },
);
