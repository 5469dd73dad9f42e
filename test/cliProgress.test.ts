/**
 * The CLI shows signs of life on stderr while V8 writes a snapshot: its percentage, and on a
 * long snapshot the time left.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ProgressLine } from '../src/cli/progress';
import { repoRoot, runCli } from './support/fixtures';

test('a profile run prints the snapshot percentage on stderr, and the report on stdout only', async () => {
  const r = await runCli(['profile', path.join(repoRoot, 'examples/registry/leaky.js'), '--function', 'loadApp', '--json']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^final… \d+%$/m);
  assert.match(r.stderr, /^calls…$/m);
  JSON.parse(r.stdout); // nothing else on stdout
});

test('the time left is estimated from the share written so far', () => {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  let now = 0;
  const line = new ProgressLine(sink, () => now);
  line.update('final', 0, 1000);
  now = 10_000;
  line.update('final', 250, 1000); // a quarter in 10 s: about 30 s left
  now = 20_000;
  line.update('final', 500, 1000);
  line.endLine();
  assert.match(text, /final… 25% · about 30 s left\n/);
  assert.match(text, /final… 50% · about 20 s left\n/);
});
