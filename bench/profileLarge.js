'use strict';
// `npm run bench:profile`: a whole profile run (`leak-lens attach … --function loadApp`) against
// live processes of three heap sizes and one that has loaded a big bundle (the TypeScript
// compiler), each next to the time V8 takes to write one snapshot of the same process. Runs
// are taken in turns (profile, then one snapshot of that process, per size, per round); each
// row gives medians, and the ratio is the median of the per-round ratios.
//
//   node bench/profileLarge.js [rounds=3] [sizes=3000,12000,33000] [--bundle-only]
//
// About 7,800 bytes of snapshot per Processor: 3,000 ≈ 25 MB, 12,000 ≈ 100 MB, 33,000 ≈ 250 MB.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const CDP = require('chrome-remote-interface');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rounds = Number(args[0] || 3);
const sizes = (args[1] || '3000,12000,33000').split(',').map(Number);
const bundleOnly = process.argv.includes('--bundle-only');

const cases = [
  ...(bundleOnly ? [] : sizes.map((processors) => ({ name: `${processors} Processors`, processors, bundle: false }))),
  { name: '3000 Processors + the TypeScript compiler', processors: 3000, bundle: true },
];

function startServer(processors, bundle) {
  const program = `
    ${bundle ? `globalThis.ts = require(${JSON.stringify(require.resolve('typescript'))});` : ''}
    const { addProcessors } = require(${JSON.stringify(path.join(root, 'bench/generateHeap.js'))});
    addProcessors(${processors});
    globalThis.loadApp = require(${JSON.stringify(path.join(root, 'examples/registry/leaky.js'))}).loadApp;
    setInterval(() => {}, 2 ** 30);
    console.error('READY');
  `;
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', program], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const url = /ws:\/\/\S+/.exec(err);
      if (url && err.includes('READY')) resolve({ child, url: url[0] });
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code}):\n${err}`)));
  });
}

/** One snapshot of the process, written by V8 and streamed over CDP (chunks dropped). */
async function snapshotMs(url) {
  const client = await CDP({ target: url, local: true });
  try {
    let bytes = 0;
    client.on('HeapProfiler.addHeapSnapshotChunk', (p) => (bytes += p.chunk.length));
    await client.send('HeapProfiler.enable');
    const started = performance.now();
    await client.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    const ms = performance.now() - started;
    await client.send('HeapProfiler.disable');
    return { ms, mb: bytes / 2 ** 20 };
  } finally {
    await client.close();
  }
}

function profile(url) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'attach', url, '--function', 'globalThis.loadApp', '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wallMs = performance.now() - started;
  if (!run.stdout) throw new Error(`profile failed:\n${run.stderr}`);
  const report = JSON.parse(run.stdout);
  const top = report.leaks.find((l) => l.primary);
  return { wallMs, timings: report.timings, top: top ? `${top.className} ${top.countPerCall}/call` : 'no leak' };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

(async () => {
  const rows = cases.map((c) => ({ ...c, profiles: [], snapshots: [], ratios: [], mb: 0, top: '' }));
  for (let round = 1; round <= rounds; round++) {
    for (const row of rows) {
      const { child, url } = await startServer(row.processors, row.bundle);
      try {
        const p = profile(url);
        // The same process, after the profile: V8 has the scripts' line ends by now, as it
        // has in any process a debugger has been attached to.
        const s = await snapshotMs(url);
        row.profiles.push(p);
        row.snapshots.push(s.ms);
        row.ratios.push(p.wallMs / s.ms);
        row.mb = s.mb;
        row.top = p.top;
        console.error(`round ${round} · ${row.name}: profile ${(p.wallMs / 1000).toFixed(1)} s, one snapshot ${(s.ms / 1000).toFixed(1)} s (${s.mb.toFixed(0)} MB), ${p.top}`);
      } finally {
        child.kill('SIGKILL');
      }
    }
  }
  console.log(`\nProfile wall time against one snapshot write of the same process (median of ${rounds} rounds, in turns)\n`);
  console.log('heap                                        snapshot   one snapshot  profile   ratio   calls  analysis  found');
  for (const row of rows) {
    const p = (k) => median(row.profiles.map((x) => x.timings[k]));
    console.log(
      `${row.name.padEnd(42)} ${`${row.mb.toFixed(0)} MB`.padStart(8)} ${`${(median(row.snapshots) / 1000).toFixed(1)} s`.padStart(12)}` +
        ` ${`${(median(row.profiles.map((x) => x.wallMs)) / 1000).toFixed(1)} s`.padStart(9)} ${`${median(row.ratios).toFixed(2)}×`.padStart(7)}` +
        ` ${`${(p('callsMs') / 1000).toFixed(1)} s`.padStart(7)} ${`${(p('analysisMs') / 1000).toFixed(1)} s`.padStart(9)}  ${row.top}`,
    );
  }
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
