'use strict';
// Shared harness for the per-tool runners. Each runner is its own process:
//
//   node bench/tools/<tool>.js <file.heapsnapshot>
//
// and prints ONE JSON line on stdout, last (a tool may print its own progress before it; the
// orchestrator takes the last line that parses as JSON):
//
//   {"tool": "...", "ms": <analysis wall ms>, "maxRssBytes": <peak RSS>, "nodeCount": N}
//
// `ms` runs from just before the tool opens the file until its full analysis is done; loading the
// tool's own modules happens before the clock starts. On failure the line carries "error" instead
// and the process exits with code 1.

/**
 * @param {string} tool name printed in the result
 * @param {() => Promise<unknown> | unknown} load loads the tool's modules (not timed); its result is passed to analyze
 * @param {(file: string, lib: any) => Promise<{ nodeCount: number, [k: string]: unknown }>} analyze full analysis of file
 */
async function runTool(tool, load, analyze) {
  const file = process.argv[2];
  const emit = (result) => process.stdout.write('\n' + JSON.stringify({ tool, ...result }) + '\n');
  if (!file) {
    emit({ error: 'usage: node <runner> <file.heapsnapshot>' });
    process.exitCode = 1;
    return;
  }
  let lib;
  try {
    lib = await load();
  } catch (error) {
    emit({ error: 'could not load the tool: ' + describe(error) });
    process.exitCode = 1;
    return;
  }
  try {
    const started = process.hrtime.bigint();
    const info = await analyze(file, lib);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    emit({
      ms: Math.round(ms * 10) / 10,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      ...info,
    });
  } catch (error) {
    emit({ error: describe(error), maxRssBytes: process.resourceUsage().maxRSS * 1024 });
    process.exitCode = 1;
  }
}

function describe(error) {
  if (error instanceof Error) return (error.stack || error.message).split('\n').slice(0, 4).join(' | ');
  return String(error);
}

module.exports = { runTool };
