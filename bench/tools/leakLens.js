'use strict';
// Leak Lens: the project's own library, built by `npm run build` to dist/heapApi.js from
// src/node/analyzeFile.ts. analyzeFile() does the full analysis: parse, indexes, dominators and
// retained sizes.
const path = require('path');
const { runTool } = require('./common');

runTool(
  'leak-lens',
  () => require(path.join(__dirname, '..', '..', 'dist', 'heapApi.js')),
  async (file, api) => {
    if (typeof api.analyzeFile !== 'function') throw new Error('dist/heapApi.js does not export analyzeFile');
    const analysis = await api.analyzeFile(file);
    const nodeCount = analysis.snapshot.nodeCount;
    if (!(nodeCount > 0)) throw new Error('Leak Lens produced an empty snapshot');
    const info = { nodeCount };
    // Extra detail when the API reports it (not used for the comparison).
    if (typeof analysis.parseMs === 'number') info.parseMs = Math.round(analysis.parseMs);
    return info;
  },
);
