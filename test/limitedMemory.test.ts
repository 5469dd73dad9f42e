/**
 * In a process whose address space is limited (`ulimit -v`, as some CI runners and
 * containers set it), the engine gives the same answers: the WebAssembly row kernels (whose
 * memory needs gigabytes of reserved guard pages) give way to the JavaScript paths, and the
 * parser's up-front reservations give way to arrays that grow as they fill.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, runProcess, snapshotOf, type ProcessOutput } from './support/fixtures';

/** 3 GB of address space: enough for Node and a small analysis, not for a WebAssembly memory's reservation. */
const LIMIT_KB = 3_000_000;

/** Runs Node with `args`, under `limitKb` of address space if given. */
function run(args: string[], limitKb?: number): Promise<ProcessOutput> {
  const command = `${limitKb ? `ulimit -v ${limitKb} && ` : ''}exec "$0" "$@"`;
  return runProcess('bash', ['-c', command, process.execPath, ...args], 60_000);
}

test('the limit is one under which a WebAssembly memory cannot be made (else this file tests nothing)', async () => {
  const r = await run(['-e', 'try { new WebAssembly.Memory({ initial: 1 }); console.log("made") } catch { console.log("refused") }'], LIMIT_KB);
  assert.equal(r.stdout.trim(), 'refused', r.stderr);
});

test('leak-lens analyze gives the same summary under a limited address space', async () => {
  const file = await snapshotOf('registry.js');
  const args = [path.join(repoRoot, 'dist', 'cli.js'), 'analyze', file, '--json', '--top', '5'];
  const limited = await run(args, LIMIT_KB);
  assert.equal(limited.code, 0, limited.stderr);
  const free = await run(args);
  assert.equal(free.code, 0, free.stderr);
  const answers = (text: string) => {
    const { nodeCount, edgeCount, totalSize, classes, topObjects } = JSON.parse(text) as Record<string, unknown>;
    return { nodeCount, edgeCount, totalSize, classes, topObjects };
  };
  assert.deepEqual(answers(limited.stdout), answers(free.stdout));
});

test('a size hint too large to reserve for leaves the parser to grow its arrays instead of failing', async () => {
  const file = await snapshotOf('minimal.js');
  const script = (hint: number) => `
    const fs = require('node:fs');
    const { SnapshotParser } = require(${JSON.stringify(path.join(repoRoot, 'out', 'src', 'heap', 'parser.js'))});
    const bytes = fs.readFileSync(${JSON.stringify(file)});
    const parser = new SnapshotParser({ expectedBytes: ${hint} });
    for (let at = 0; at < bytes.length; at += 1 << 20) parser.write(bytes.subarray(at, at + (1 << 20)));
    const s = parser.end();
    console.log(JSON.stringify({ nodes: s.nodeCount, strings: s.strings.count, locations: s.locations.length, last: s.strings.get(s.strings.count - 1) }));
  `;
  // A 768 MB hint under 3 GB: the string index (3 GB) cannot be reserved (the locations' hint
  // is past the most they ever reserve). A 512 MB hint under 1.5 GB: neither the string index
  // (2 GB) nor the locations (1 GB) can be.
  for (const [hint, limitKb] of [[3 * 2 ** 28, LIMIT_KB], [2 ** 29, 1_500_000]]) {
    const limited = await run(['-e', script(hint)], limitKb);
    assert.equal(limited.code, 0, `hint ${hint}, limit ${limitKb} KB: ${limited.stderr}`);
    const free = await run(['-e', script(hint)]);
    assert.equal(free.code, 0, free.stderr);
    assert.deepEqual(JSON.parse(limited.stdout), JSON.parse(free.stdout));
  }
});
