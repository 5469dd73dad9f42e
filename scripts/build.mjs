// Bundles every entry point with esbuild. The extension keeps `vscode` external (the host
// provides it); the CLI and the heap worker are plain Node bundles; the report page is a
// browser bundle.
import { build } from 'esbuild';
import { writeKernels } from './wasmModule.mjs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

/** A webview page: a minified browser script with nothing outside it. */
function page(entry, outfile) {
  return { entryPoints: [entry], outfile, platform: 'browser', format: 'iife', target: 'es2020', minify: true, sourcemap: false, legalComments: 'none' };
}

const entries = [
  { entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // Preloaded (--require) into programs the CLI launches: keeps them alive, loading unchanged.
  { entryPoints: ['src/cli/keepAlive.ts'], outfile: 'dist/leak-lens-keep-alive.cjs', sourcemap: false },
  { entryPoints: ['src/worker/heapWorker.ts'], outfile: 'dist/heapWorker.js' },
  { entryPoints: ['src/worker/dominatorThread.ts'], outfile: 'dist/dominatorThread.js' },
  { entryPoints: ['src/worker/analyzeFile.ts'], outfile: 'dist/heapApi.js' },
  // The report page (webview and standalone --html): one self-contained browser script, no eval.
  page('media/src/panel.ts', 'dist/panel.js'),
  // The heap snapshot editor's page: the same rules as the report page.
  page('media/src/snapshot/main.ts', 'dist/snapshotEditor.js'),
];

const started = Date.now();
// The WebAssembly kernels (the parser's rows, the graph passes): rewritten only when their text changed.
await writeKernels('src/heap/rowKernels.wat.mjs');
await writeKernels('src/heap/graphKernels.wat.mjs');
await Promise.all(entries.map((entry) => build({ ...common, ...entry })));
console.log(`built ${entries.length} bundles in ${Date.now() - started} ms`);
