/**
 * Re-run after a fix, through the real CLI: the registry example and its fixed twin profiled
 * in real processes, their reports compared by the pure comparison, and `profile --compare`
 * printing "before → after" and carrying it in --json. A file that is not a report is refused
 * in one sentence before anything runs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { compareRuns, withComparison } from '../src/report/compareRuns';
import type { LeakReport } from '../src/report/types';
import { validateReport } from '../src/report/validate';
import { repoRoot, runCli, testTempDir, type ProcessOutput } from './support/fixtures';

const example = (name: string) => path.join(repoRoot, 'examples/registry', name);

let dir = '';
let leakyFile = '';
let leaky: LeakReport;
let fixed: LeakReport;

async function profileJson(script: string, extra: string[] = []): Promise<{ run: ProcessOutput; report: LeakReport }> {
  const run = await runCli(['profile', script, '--function', 'loadApp', '--json', ...extra]);
  assert.ok(run.code === 0 || run.code === 1, `the run completes\n${run.stderr}`);
  return { run, report: validateReport(JSON.parse(run.stdout)) };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(testTempDir(), 'compare-'));
  leaky = (await profileJson(example('leaky.js'))).report;
  leakyFile = path.join(dir, 'leaky.json');
  fs.writeFileSync(leakyFile, JSON.stringify(leaky));
  fixed = (await profileJson(example('fixed.js'))).report;
});

test('the comparison of the leaky run and its fix: 1 Processor/call before, no leak after', () => {
  assert.equal(leaky.verdict, 'leak');
  assert.equal(fixed.verdict, 'clean');
  const c = compareRuns(leaky, fixed);
  assert.equal(c.summary, 'before: 1 Processor/call → after: no leak');
  assert.deepEqual(c.classes, [{ className: 'Processor', before: 1, after: 0 }]);
  assert.equal(c.previous.verdict, 'leak');
  assert.equal(c.previous.summary, leaky.summary);
  assert.deepEqual(c.previous.samples, leaky.samples, 'the previous memory series, for the chart');
  assert.deepEqual(c.previous.slope, leaky.slope);

  // The other way round the fix is undone; a run against itself changes nothing.
  assert.equal(compareRuns(fixed, leaky).summary, 'before: no leak → after: 1 Processor/call');
  assert.equal(compareRuns(leaky, leaky).summary, 'before: 1 Processor/call → after: 1 Processor/call');
  assert.equal(compareRuns(fixed, fixed).summary, 'before: no leak → after: no leak');

  // A report with a comparison still reads back; the previous run's own comparison is not nested.
  const both = withComparison(withComparison(fixed, leaky), fixed);
  const back = validateReport(JSON.parse(JSON.stringify(both)));
  assert.equal(back.comparison?.summary, 'before: no leak → after: no leak');
  assert.equal('comparison' in (back.comparison?.previous ?? {}), false);
});

test('a damaged comparison in a report is refused when the report is read back', () => {
  const damaged = JSON.parse(JSON.stringify(withComparison(fixed, leaky))) as { comparison: { previous: { samples: unknown } } };
  damaged.comparison.previous.samples = 'x';
  assert.throws(() => validateReport(damaged), /"comparison" has previous samples without call\/usedBytes/);
});

test('profile --compare prints "1 Processor/call → no leak" and --json carries the comparison', async () => {
  const text = await runCli(['profile', example('fixed.js'), '--function', 'loadApp', '--compare', leakyFile]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Before → after \(previous run .*leaky\.js\):$/m);
  assert.match(text.stdout, /^ {2}before: 1 Processor\/call → after: no leak$/m);
  assert.match(text.stdout, /^ {2}1 Processor\/call → no leak$/m);
  assert.match(text.stdout, /^ {2}memory per call \+\d+(\.\d)? KB\/call → [+−]\d+(\.\d)? [KB]+\/call$/m);

  const { run, report } = await profileJson(example('fixed.js'), ['--compare', leakyFile]);
  assert.equal(run.code, 0);
  assert.equal(report.verdict, 'clean');
  assert.equal(report.comparison?.summary, 'before: 1 Processor/call → after: no leak');
  assert.equal(report.comparison?.previous.createdAt, leaky.createdAt);
  assert.deepEqual(report.comparison?.previous.samples, leaky.samples);
});

test('a --compare file that is not a report ends in one sentence, before the program runs', async () => {
  const notReport = path.join(dir, 'not-a-report.json');
  fs.writeFileSync(notReport, JSON.stringify({ verdict: 'leak' }));
  const notJson = path.join(dir, 'notes.txt');
  fs.writeFileSync(notJson, 'loadApp leaked\n');
  const cases: [string, RegExp][] = [
    [notReport, /^leak-lens: Cannot compare with .*not-a-report\.json: it is not a Leak Lens report \(version undefined is not supported \(expected 1\)\); give --compare a report written by leak-lens profile --json\.$/],
    [notJson, /^leak-lens: Cannot compare with .*notes\.txt: it is not JSON; give --compare a report written by/],
    [path.join(dir, 'missing.json'), /^leak-lens: Cannot compare with .*missing\.json: no such file; give --compare a report/],
    [dir, /^leak-lens: Cannot compare with .*: it is a folder; give --compare a report/],
  ];
  for (const [file, message] of cases) {
    const r = await runCli(['profile', example('leaky.js'), '--function', 'loadApp', '--compare', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /^\s+at\s/m, 'no stack frames');
    assert.doesNotMatch(r.stderr, /\[leaky\.js\]/, 'the program never started');
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], message);
  }
});
