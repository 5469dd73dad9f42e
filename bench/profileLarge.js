'use strict';
// Times one profile run against a process holding a large heap: the closing-note figure
// "snapshot capture vs analysis" for a ~250 MB heap. Usage: node bench/profileLarge.js [processors]
// (about 7,800 bytes of snapshot per Processor: 33,000 ≈ 250 MB).
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const processors = Number(process.argv[2] || 33000);
const server = `
  const { addProcessors } = require(${JSON.stringify(path.join(root, 'bench/generateHeap.js'))});
  addProcessors(${processors});
  globalThis.loadApp = require(${JSON.stringify(path.join(root, 'examples/registry/leaky.js'))}).loadApp;
  setInterval(() => {}, 2 ** 30);
  console.error('READY');
`;
const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', server], { stdio: ['ignore', 'ignore', 'pipe'] });
let err = '';
child.stderr.on('data', (d) => {
  err += d;
  const url = /ws:\/\/\S+/.exec(err);
  if (!url || !err.includes('READY') || child.started) return;
  child.started = true;
  const started = Date.now();
  const run = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'attach', url[0], '--function', 'globalThis.loadApp', '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wall = Date.now() - started;
  child.kill('SIGKILL');
  if (!run.stdout) {
    console.error(run.stderr);
    process.exit(2);
  }
  const report = JSON.parse(run.stdout);
  const top = report.leaks.find((l) => l.primary);
  console.log(
    JSON.stringify({
      processors,
      verdict: report.verdict,
      top: top ? `${top.className} ${top.countPerCall}/call` : null,
      timings: report.timings,
      wallMs: wall,
    }),
  );
});
child.on('exit', (code) => {
  if (!child.started) {
    console.error(`server exited early (${code}):\n${err}`);
    process.exit(2);
  }
});
