'use strict';
// Chrome DevTools' own heap snapshot worker code, via the npm package heap-snapshot-toolkit
// (an ES module, so it is loaded with import()). Its parse() streams the file into DevTools'
// HeapSnapshotLoader and then runs JSHeapSnapshot initialization to completion: edge indexes,
// retainers, DOM state, flags, dominators and retained sizes, distances, object names, samples,
// locations and statistics (the second-worker part runs on the same thread over a MessageChannel).
const fs = require('fs');
const { runTool } = require('./common');

runTool(
  'devtools',
  () => import('heap-snapshot-toolkit'),
  async (file, toolkit) => {
    const snapshot = await toolkit.parse(fs.createReadStream(file, 'utf-8'));
    // parse() resolves after buildSnapshot() has awaited initialize(), so the work is complete;
    // touch the results so nothing is left unused.
    const nodeCount = snapshot.nodeCount;
    const root = snapshot.rootNode();
    if (!(nodeCount > 0) || !(root.retainedSize() > 0)) throw new Error('DevTools produced an empty snapshot');
    return { nodeCount, edgeCount: snapshot.containmentEdges.length / snapshot.edgeFieldsCount, rootRetainedSize: root.retainedSize() };
  },
);
