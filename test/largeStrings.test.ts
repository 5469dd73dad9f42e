/**
 * A snapshot whose "strings" section is larger than V8's maximum string length loads: the
 * parser never joins the section into one string. Slow (V8 takes ~15 s to write the 650 MB
 * file), so it runs only from `npm run test:large` (which sets LEAK_LENS_LARGE_TESTS=1); CI runs that.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyzeFile } from '../src/worker/analyzeFile';
import { repoRoot, testTempDir } from './support/fixtures';

const V8_MAX_STRING_LENGTH = 2 ** 29 - 24;
const COUNT = 600_000;

test('loads a snapshot whose strings section exceeds V8\'s max string length', { skip: process.env.LEAK_LENS_LARGE_TESTS !== '1' && 'runs with npm run test:large', timeout: 10 * 60_000 }, async () => {
  const file = path.join(testTempDir(), 'many-strings.heapsnapshot');
  const made = spawnSync(process.execPath, ['--max-old-space-size=8192', path.join(repoRoot, 'test/fixtures/large/manyStrings.js'), file, String(COUNT)], {
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  try {
    // Measure the strings section as it is in the file.
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    let stringsStart = -1;
    const window = Buffer.alloc(1 << 20);
    for (let at = 0; at < size && stringsStart < 0; at += window.length - 16) {
      const n = fs.readSync(fd, window, 0, window.length, at);
      const i = window.subarray(0, n).indexOf('"strings":[');
      if (i >= 0) stringsStart = at + i;
    }
    fs.closeSync(fd);
    assert.ok(stringsStart > 0);
    const sectionBytes = size - stringsStart;
    assert.ok(sectionBytes > V8_MAX_STRING_LENGTH, `strings section is ${sectionBytes} bytes`);

    const a = await analyzeFile(file);
    const s = a.snapshot;
    assert.ok(s.strings.count > COUNT, `${s.strings.count} strings`);
    // Find our strings among the string nodes and check their text survived intact.
    let seen = 0;
    for (let n = 0; n < s.nodeCount; n++) {
      if (s.nodeType[n] !== s.types.string) continue;
      const text = s.strings.get(s.nodeName[n]);
      const m = /^big-(\d+)-(x+)$/.exec(text);
      if (!m) continue;
      seen++;
      assert.equal(text.length, 1024, 'V8 keeps the first 1,024 characters');
    }
    assert.equal(seen, COUNT);
    assert.ok(a.retainedSize[s.rootOrdinal] > COUNT * 1024);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
