/**
 * The one-snapshot protocol (heap walks between calls, one snapshot at the end) and the
 * three-snapshot protocol give the same verdict on every leak and control program: the same
 * leaking class, count per call and culprit, and clean where the other is clean.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { LeakReport } from '../src/report/types';
import { validateReport } from '../src/report/validate';
import { repoRoot, runCli } from './support/fixtures';

const leaks = (f: string) => path.join(repoRoot, 'test/fixtures/leaks', f);
const example = (f: string) => path.join(repoRoot, 'examples/registry', f);

const CASES: [script: string, fn: string][] = [
  [example('leaky.js'), 'loadApp'],
  [leaks('registry.mjs'), 'loadApp'],
  [leaks('listeners.js'), 'handleRequest'],
  [leaks('interval.js'), 'startPolling'],
  [leaks('memo.js'), 'render'],
  [leaks('asyncLeak.js'), 'runJob'],
  [example('fixed.js'), 'loadApp'],
  [leaks('controls.js'), 'useLru'],
  [leaks('controls.js'), 'temporaries'],
  [leaks('controls.js'), 'logs'],
  [leaks('nestedListeners.js'), 'subscribe'],
  [leaks('mapKeys.js'), 'track'],
  [leaks('mapKeys.js'), 'trackWeakly'],
  [leaks('logBuffer.js'), 'handle'],
  [leaks('moduleReload.js'), 'reloadPlugin'],
  [leaks('moduleReload.js'), 'reloadPluginCleanly'],
];

async function verdict(script: string, fn: string, snapshots: '1' | '3') {
  const r = await runCli(['profile', script, '--function', fn, '--json', '--snapshots', snapshots]);
  assert.ok(r.stdout.trim(), `a report (--snapshots ${snapshots})\n${r.stderr}`);
  const report: LeakReport = validateReport(JSON.parse(r.stdout));
  assert.equal(report.options.snapshots, Number(snapshots));
  const top = report.leaks.find((l) => l.primary);
  return {
    code: r.code,
    verdict: report.verdict,
    className: top?.className,
    countPerCall: top?.countPerCall,
    culprit: top?.culprit?.text,
  };
}

for (const [script, fn] of CASES) {
  test(`same verdict from one snapshot and from three: ${path.basename(script)} ${fn}`, async () => {
    const one = await verdict(script, fn, '1');
    const three = await verdict(script, fn, '3');
    assert.deepEqual(one, three);
  });
}
