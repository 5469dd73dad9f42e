#!/usr/bin/env node
'use strict';
// Leak Lens benchmark (`npm run bench`, which builds first).
//
// 1. Generates heap snapshots of several sizes with bench/generateHeap.js (cached in .cache/bench/
//    and reused when a file for the same size label and generator version exists).
// 2. Analyzes each file with every selected tool, one at a time, each in its own process
//    (`node --max-old-space-size=16384 bench/tools/<tool>.js <file> [args]`) so peak RSS is per tool and
//    no tool is starved of heap:
//      leak-lens     the project's analyzeFile() from dist/heapApi.js (full analysis, two threads)
//      leak-lens-1t  the same on one thread ({ parallel: false })
//      devtools   Chrome DevTools' heap snapshot worker code (npm heap-snapshot-toolkit)
//      memlab     memlab's getFullHeapFromFile (@memlab/heap-analysis)
// 3. Prints wall time, MB/s and peak RSS per tool with ratios against Leak Lens, checks the
//    targets on the largest file, and writes everything to .cache/bench/results.json.
//
// Environment:
//   BENCH_SIZES=25,100,250        snapshot sizes in MB (MB = 2^20 bytes throughout)
//   BENCH_TOOLS=leak-lens,leak-lens-1t,devtools,memlab (the default: all four)
//   BENCH_TIMEOUT_S=600           per tool run
//   BENCH_REGENERATE=1            regenerate snapshots even when cached
//   BENCH_REPEAT=3                runs per tool and file, taken in turns across the tools; each
//                                 tool's row shows the median time and the median peak RSS (this
//                                 machine's timings swing by ±10% from run to run)
//
// Targets (reported, not asserted), on the largest file: Leak Lens's full analysis at least 6x
// faster than DevTools' worker, and at most half its peak RSS.
//
// Exit code: 0 when the report was produced, whatever the numbers (a tool other than Leak Lens
// failing is reported in its row); 1 if Leak Lens could not analyze a file (the table is still
// printed and written, without its ratios); 2 if the bench itself broke (bad arguments, snapshot generation failed).

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const CACHE_DIR = path.join(ROOT, '.cache', 'bench');
const RESULTS_FILE = path.join(CACHE_DIR, 'results.json');
const GENERATOR = path.join(__dirname, 'generateHeap.js');
/** Bump when generateHeap.js changes what it builds, so cached snapshots are not reused. */
const GENERATOR_VERSION = 1;
const MB = 1024 * 1024;
const CHILD_HEAP_MB = 16384;

const TOOLS = {
  'leak-lens': { runner: path.join(__dirname, 'tools', 'leakLens.js'), label: 'Leak Lens' },
  'leak-lens-1t': { runner: path.join(__dirname, 'tools', 'leakLens.js'), args: ['--one-thread'], label: 'Leak Lens (1 thread)' },
  devtools: { runner: path.join(__dirname, 'tools', 'devtools.js'), label: 'DevTools worker' },
  memlab: { runner: path.join(__dirname, 'tools', 'memlab.js'), label: 'memlab' },
};
const TOOL_ALIASES = { leaklens: 'leak-lens', ll: 'leak-lens', 'leak-lens': 'leak-lens', 'leak-lens-1t': 'leak-lens-1t', devtools: 'devtools', chrome: 'devtools', memlab: 'memlab' };
const BASELINE = 'leak-lens';

const TARGETS = { speedupVsDevtools: 6, rssRatioVsDevtools: 0.5 };

class BenchError extends Error {}

function parseList(value, fallback) {
  if (!value || !value.trim()) return fallback;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function readConfig() {
  const sizes = parseList(process.env.BENCH_SIZES, ['25', '100', '250']).map((s) => {
    const n = Number(s);
    if (!(n > 0) || n > 4096) throw new BenchError(`BENCH_SIZES: "${s}" is not a size in MB (0 < size <= 4096)`);
    return n;
  });
  const tools = parseList(process.env.BENCH_TOOLS, Object.keys(TOOLS)).map((t) => {
    const name = TOOL_ALIASES[t.toLowerCase()];
    if (!name) throw new BenchError(`BENCH_TOOLS: unknown tool "${t}" (known: ${Object.keys(TOOLS).join(', ')})`);
    return name;
  });
  // Run Leak Lens first on each file, then the others, in the canonical order.
  const orderedTools = Object.keys(TOOLS).filter((t) => tools.includes(t));
  const timeoutS = Number(process.env.BENCH_TIMEOUT_S || 600);
  if (!(timeoutS > 0)) throw new BenchError('BENCH_TIMEOUT_S must be a positive number of seconds');
  const repeat = Number(process.env.BENCH_REPEAT || 3);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) throw new BenchError('BENCH_REPEAT must be a whole number from 1 to 20');
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    tools: orderedTools,
    repeat,
    timeoutMs: timeoutS * 1000,
    regenerate: process.env.BENCH_REGENERATE === '1',
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes.

/**
 * Runs `node ...args`, capturing stdout and the tail of stderr (optionally echoed), with a timeout.
 * Resolves with { code, signal, stdout, stderrTail, wallMs, timedOut }.
 */
function runNode(args, { timeoutMs, echoStderr = false }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderrTail = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      // Keep memory bounded if a tool is chatty; the result line is at the end.
      if (stdout.length > 1 << 20) stdout = stdout.slice(-(1 << 16));
    });
    child.stderr.on('data', (chunk) => {
      if (echoStderr) process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk).slice(-4096);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, stdout, stderrTail, wallMs, timedOut });
    });
  });
}

/** The last stdout line that parses as a JSON object (tools may log before it). */
function lastJsonLine(stdout) {
  const lines = stdout.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    // Strip terminal control sequences a tool's progress output may have left on the line.
    const line = lines[i].replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim();
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line);
      if (value && typeof value === 'object') return value;
    } catch {
      // not the result line
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

function snapshotPath(sizeMB) {
  return path.join(CACHE_DIR, `heap-g${GENERATOR_VERSION}-${sizeMB}mb.heapsnapshot`);
}

async function ensureSnapshot(sizeMB, config) {
  const file = snapshotPath(sizeMB);
  if (!config.regenerate && fs.existsSync(file) && fs.statSync(file).size > 0) {
    log(`snapshot ${sizeMB} MB: cached ${path.relative(ROOT, file)} (${fmtMB(fs.statSync(file).size)} MB)`);
    return file;
  }
  log(`snapshot ${sizeMB} MB: generating ${path.relative(ROOT, file)} ...`);
  const partial = file + '.partial';
  const result = await runNode(
    ['--expose-gc', `--max-old-space-size=${CHILD_HEAP_MB}`, GENERATOR, String(sizeMB), partial],
    { timeoutMs: 30 * 60 * 1000, echoStderr: true },
  );
  if (result.code !== 0 || !fs.existsSync(partial)) {
    fs.rmSync(partial, { force: true });
    throw new BenchError(
      `generating the ${sizeMB} MB snapshot failed (${result.timedOut ? 'timed out' : `exit ${result.code ?? result.signal}`}):\n${result.stderrTail}`,
    );
  }
  fs.renameSync(partial, file);
  log(`snapshot ${sizeMB} MB: ${fmtMB(fs.statSync(file).size)} MB written in ${(result.wallMs / 1000).toFixed(1)} s`);
  return file;
}

/** Reads the file once so every tool starts with it in the page cache. */
async function warmPageCache(file) {
  await new Promise((resolve, reject) => {
    fs.createReadStream(file, { highWaterMark: 4 * MB })
      .on('data', () => {})
      .on('end', resolve)
      .on('error', reject);
  });
}

async function runTool(tool, file, config) {
  const result = await runNode([`--max-old-space-size=${CHILD_HEAP_MB}`, TOOLS[tool].runner, file, ...(TOOLS[tool].args ?? [])], {
    timeoutMs: config.timeoutMs,
  });
  const json = lastJsonLine(result.stdout);
  const row = { tool, wallMs: round1(result.wallMs) };
  if (result.timedOut) {
    row.error = `timed out after ${config.timeoutMs / 1000} s`;
  } else if (!json) {
    const how = result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
    const tail = result.stderrTail.trim().split('\n').slice(-3).join(' | ');
    row.error = `no result (${how})${tail ? ': ' + tail : ''}`;
  } else if (json.error || !(json.ms >= 0)) {
    row.error = json.error || 'result line has no "ms"';
    if (json.maxRssBytes) row.maxRssBytes = json.maxRssBytes;
  } else {
    Object.assign(row, json, { tool, wallMs: row.wallMs });
  }
  return row;
}

// ---------------------------------------------------------------------------------------------
// Reporting.

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}
function round1(x) {
  return Math.round(x * 10) / 10;
}
function fmtMB(bytes) {
  return (bytes / MB).toFixed(1);
}
function fmtRatio(x) {
  return x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}x`;
}

/** One row per tool: the median time and median peak RSS of its successful runs (each kept in `samples`). */
function medianRun(runs) {
  const ok = runs.filter((r) => !r.error);
  if (ok.length === 0) return runs[0];
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  return {
    ...ok[0],
    ms: round1(median(ok.map((r) => r.ms))),
    maxRssBytes: Math.round(median(ok.map((r) => r.maxRssBytes))),
    wallMs: round1(median(ok.map((r) => r.wallMs))),
    samples: runs.map((r) => (r.error ? { error: r.error } : { ms: r.ms, maxRssBytes: r.maxRssBytes })),
    failedRuns: runs.length - ok.length,
  };
}

function addRatios(fileResult) {
  const base = fileResult.runs.find((r) => r.tool === BASELINE && !r.error);
  for (const run of fileResult.runs) {
    if (run.error) continue;
    run.mbPerS = round1(fileResult.fileBytes / MB / (run.ms / 1000));
    if (base) {
      run.timeVsLeakLens = Number((run.ms / base.ms).toFixed(3));
      if (run.maxRssBytes && base.maxRssBytes) run.rssVsLeakLens = Number((run.maxRssBytes / base.maxRssBytes).toFixed(3));
    }
  }
}

function printTable(fileResults) {
  const header = ['file MB', 'nodes', 'tool', 'analysis s', 'wall s', 'MB/s', 'peak RSS MB', 'time vs LL', 'RSS vs LL'];
  const rows = [];
  for (const f of fileResults) {
    for (const run of f.runs) {
      const nodes = run.nodeCount ?? f.runs.find((r) => r.nodeCount)?.nodeCount;
      if (run.error) {
        rows.push([fmtMB(f.fileBytes), nodes ? String(nodes) : '-', TOOLS[run.tool].label, 'FAILED: ' + run.error.slice(0, 100)]);
        continue;
      }
      rows.push([
        fmtMB(f.fileBytes),
        String(nodes),
        TOOLS[run.tool].label,
        (run.ms / 1000).toFixed(2),
        (run.wallMs / 1000).toFixed(2),
        run.mbPerS.toFixed(1),
        run.maxRssBytes ? fmtMB(run.maxRssBytes) : '-',
        fmtRatio(run.timeVsLeakLens),
        fmtRatio(run.rssVsLeakLens),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length > 4).map((r) => (r[i] || '').length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 2 || (cells.length === 4 && i === 3) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r).trimEnd());
  console.log(
    '\nanalysis s: measured inside the tool process, from opening the file to the end of its full analysis' +
      '\nwall s: whole child process as seen by the parent (Node start-up and module loading included)' +
      '\nMB/s: snapshot MB / analysis s; MB = 2^20 bytes; peak RSS = process.resourceUsage().maxRSS' +
      '\ntime vs LL / RSS vs LL: tool / Leak Lens (above 1 = Leak Lens is faster / smaller)',
  );
}

function checkTargets(fileResults) {
  const largest = fileResults.reduce((a, b) => (b.fileBytes > (a ? a.fileBytes : -1) ? b : a), undefined);
  const out = {
    file: largest ? path.relative(ROOT, largest.file) : undefined,
    fileMB: largest ? Number(fmtMB(largest.fileBytes)) : undefined,
    speedup: { target: `>= ${TARGETS.speedupVsDevtools}x faster than DevTools`, value: undefined, met: undefined },
    rss: { target: `<= ${TARGETS.rssRatioVsDevtools}x DevTools' peak RSS`, value: undefined, met: undefined },
  };
  if (!largest) return out;
  const ll = largest.runs.find((r) => r.tool === BASELINE && !r.error);
  const dt = largest.runs.find((r) => r.tool === 'devtools' && !r.error);
  if (ll && dt) {
    out.speedup.value = Number((dt.ms / ll.ms).toFixed(2));
    out.speedup.met = out.speedup.value >= TARGETS.speedupVsDevtools;
    if (ll.maxRssBytes && dt.maxRssBytes) {
      out.rss.value = Number((ll.maxRssBytes / dt.maxRssBytes).toFixed(3));
      out.rss.met = out.rss.value <= TARGETS.rssRatioVsDevtools;
    }
  }
  return out;
}

function printTargets(targets, sizes) {
  const maxSize = Math.max(...sizes);
  console.log(`\nTargets (reported, not asserted) on the largest file (${targets.fileMB ?? '-'} MB):`);
  const verdict = (t) => (t.met === undefined ? 'N/A (needs successful Leak Lens and DevTools runs)' : t.met ? 'MET' : 'MISSED');
  console.log(
    `  speed: Leak Lens ${targets.speedup.target}: ` +
      `${targets.speedup.value === undefined ? '-' : targets.speedup.value + 'x faster'} -> ${verdict(targets.speedup)}`,
  );
  console.log(
    `  memory: Leak Lens peak RSS ${targets.rss.target}: ` +
      `${targets.rss.value === undefined ? '-' : targets.rss.value + 'x'} -> ${verdict(targets.rss)}`,
  );
  if (maxSize < 250) console.log(`  note: the targets are meant for the ~250 MB snapshot; this run's largest is ${maxSize} MB`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const config = readConfig();
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  log(
    `sizes ${config.sizes.join(', ')} MB; tools ${config.tools.join(', ')}; ${config.repeat} runs each (medians); ` +
      `timeout ${config.timeoutMs / 1000} s per run`,
  );

  const fileResults = [];
  for (const sizeMB of config.sizes) {
    const file = await ensureSnapshot(sizeMB, config);
    const fileBytes = fs.statSync(file).size;
    await warmPageCache(file);
    const fileResult = { sizeLabelMB: sizeMB, file, fileBytes, runs: [] };
    // Runs in turns (A B C A B C …), so a slow spell of the machine hits every tool alike.
    const samples = new Map(config.tools.map((tool) => [tool, []]));
    for (let round = 1; round <= config.repeat; round++) {
      for (const tool of config.tools) {
        log(`${fmtMB(fileBytes)} MB: ${TOOLS[tool].label} (run ${round} of ${config.repeat}) ...`);
        const run = await runTool(tool, file, config);
        samples.get(tool).push(run);
        log(
          run.error
            ? `${fmtMB(fileBytes)} MB: ${TOOLS[tool].label} FAILED: ${run.error}`
            : `${fmtMB(fileBytes)} MB: ${TOOLS[tool].label} ${(run.ms / 1000).toFixed(2)} s, peak RSS ${fmtMB(run.maxRssBytes)} MB, ${run.nodeCount} nodes`,
        );
      }
    }
    for (const tool of config.tools) fileResult.runs.push(medianRun(samples.get(tool)));
    addRatios(fileResult);
    fileResults.push(fileResult);
  }

  console.log('');
  printTable(fileResults);
  const targets = checkTargets(fileResults);
  printTargets(targets, config.sizes);

  const report = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalMemoryMB: Math.round(os.totalmem() / MB),
    childHeapLimitMB: CHILD_HEAP_MB,
    runsPerTool: config.repeat,
    generatorVersion: GENERATOR_VERSION,
    targets,
    files: fileResults.map((f) => ({ ...f, file: path.relative(ROOT, f.file), fileMB: Number(fmtMB(f.fileBytes)) })),
  };
  fs.writeFileSync(RESULTS_FILE, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nresults written to ${path.relative(ROOT, RESULTS_FILE)}`);

  const leakLensFailed = config.tools.includes(BASELINE) && fileResults.some((f) => f.runs.some((r) => r.tool === BASELINE && (r.error || r.failedRuns > 0)));
  if (leakLensFailed) {
    console.error('\nLeak Lens failed on at least one file, in at least one run (see the table and results.json); exiting with code 1.');
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(`\nbench broke: ${error instanceof BenchError ? error.message : error && error.stack ? error.stack : error}`);
  process.exitCode = 2;
});
