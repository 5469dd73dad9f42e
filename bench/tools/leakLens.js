'use strict';
// Leak Lens: the project's own library, built by `npm run build` to dist/heapApi.js from
// src/worker/analyzeFile.ts. analyzeFile() does the full analysis: parse, indexes, dominators and
// retained sizes. With --one-thread after the file, all of it on one thread ({ parallel: false }).
const path = require('path');
const { runTool } = require('./common');

const oneThread = process.argv.includes('--one-thread');

runTool(
  oneThread ? 'leak-lens-1t' : 'leak-lens',
  () => require(path.join(__dirname, '..', '..', 'dist', 'heapApi.js')),
  async (file, api) => {
    if (typeof api.analyzeFile !== 'function') throw new Error('dist/heapApi.js does not export analyzeFile');
    const analysis = await api.analyzeFile(file, { parallel: !oneThread });
    const nodeCount = analysis.snapshot.nodeCount;
    if (!(nodeCount > 0)) throw new Error('Leak Lens produced an empty snapshot');
    return { nodeCount, parseMs: Math.round(analysis.parseMs) };
  },
);
