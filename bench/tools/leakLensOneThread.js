'use strict';
// Leak Lens on a single thread (no second analysis thread): the memory-lean configuration.
const path = require('path');
const { runTool } = require('./common');

runTool(
  'leak-lens-1t',
  () => require(path.join(__dirname, '..', '..', 'dist', 'heapApi.js')),
  async (file, api) => {
    const analysis = await api.analyzeFile(file, { parallel: false });
    const nodeCount = analysis.snapshot.nodeCount;
    if (!(nodeCount > 0)) throw new Error('Leak Lens produced an empty snapshot');
    return { nodeCount, parseMs: Math.round(analysis.parseMs) };
  },
);
