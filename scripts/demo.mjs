// `npm run demo`: runs the bundled registry example for a while, takes a heap snapshot of it,
// and analyzes the snapshot with the leak-lens CLI.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.cache', 'demo');
mkdirSync(outDir, { recursive: true });
const snapshot = join(outDir, 'registry-leaky.heapsnapshot');
const calls = 500;

console.log(`Running examples/registry/leaky.js: ${calls} calls to loadApp, then a heap snapshot…`);
const run = spawnSync(
  process.execPath,
  [
    '-e',
    `const { loadApp } = require(${JSON.stringify(join(root, 'examples/registry/leaky.js'))});
     for (let i = 0; i < ${calls}; i++) loadApp();
     require('v8').writeHeapSnapshot(${JSON.stringify(snapshot)});`,
  ],
  { stdio: 'inherit' },
);
if (run.status !== 0) process.exit(run.status ?? 1);

console.log(`\nleak-lens analyze ${snapshot}\n`);
const analyze = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'analyze', snapshot, '--top', '10'], {
  stdio: 'inherit',
});
process.exit(analyze.status ?? 1);
