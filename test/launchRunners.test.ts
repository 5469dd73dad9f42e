/**
 * `profile` starts programs the way their users do: TypeScript through the real tsx and
 * ts-node from node_modules (`--exec`, `--node-arg -r`), NODE_OPTIONS kept for the program and
 * off the CLI, start-up crashes told in the program's own words, and a missing function
 * failing once the program has finished starting while late functions are still waited for.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, runCli, type ProcessOutput } from './support/fixtures';

const fixture = (f: string) => path.join(repoRoot, 'test/fixtures/runners', f);
const quick = ['--iterations', '3', '--growth-calls', '0'];

function assertLeak(r: ProcessOutput, what: string): void {
  assert.equal(r.code, 1, `${what}: exit code 1 (a leak)\n${r.stderr}`);
  assert.match(r.stdout, /openSession leaks \d+ Session per call/, `${what}: the leaked class\n${r.stdout}`);
}

test('a TypeScript leak is found through --exec tsx, --exec ts-node and --node-arg -r ts-node/register', async () => {
  const runs: [string, string[]][] = [
    ['--exec tsx', ['--exec', 'tsx']],
    ['--exec ts-node', ['--exec', 'ts-node']],
    ['--node-arg -r ts-node/register', ['--node-arg', '-r', '--node-arg', 'ts-node/register']],
  ];
  for (const [what, how] of runs) {
    const r = await runCli(['profile', fixture('registry.ts'), '--function', 'openSession', ...quick, ...how]);
    assertLeak(r, what);
    assert.doesNotMatch(r.stderr, /ERR_UNKNOWN_FILE_EXTENSION/, what);
  }
  const fixed = await runCli(['profile', fixture('fixed.ts'), '--function', 'openSession', ...quick, '--exec', 'tsx']);
  assert.equal(fixed.code, 0, `the fixed twin is clean\n${fixed.stdout}\n${fixed.stderr}`);
});

test('an ES module main still loads as one, and its function defined after a 1.5 s top-level await is waited for', async () => {
  const esm = await runCli(['profile', fixture('late-function.mjs'), '--function', 'recordVisit', ...quick]);
  assert.equal(esm.code, 1, esm.stderr);
  assert.match(esm.stdout, /recordVisit leaks \d+ Visit per call/, 'a function defined after a 1.5 s top-level await is still profiled');
});

test("NODE_OPTIONS reach the program and not the CLI's working process", async () => {
  const env = { ...process.env, NODE_OPTIONS: `--require=${fixture('preload-marker.cjs')}` };
  const r = await runCli(['profile', fixture('pid.ts'), '--function', 'openSession', ...quick, '--exec', 'tsx'], 120_000, env);
  assert.equal(r.code, 1, r.stderr);
  const programPid = /\[pid\.ts\] program pid (\d+)/.exec(r.stderr)?.[1];
  assert.ok(programPid, `the program ran\n${r.stderr}`);
  const inProgram = /\[pid\.ts\] preload-marker pid (\d+)/.exec(r.stderr)?.[1];
  assert.equal(inProgram, programPid, 'the preload ran in the program');
  // The CLI re-executes itself without NODE_OPTIONS: at most its short-lived launcher saw them,
  // once; the process that did the work (and printed the report) did not.
  const unmarked = r.stderr.split('\n').filter((l) => /^preload-marker pid/.test(l));
  assert.ok(unmarked.length <= 1, r.stderr);
});

test('--node-arg refuses the inspector flags and --exec names a missing runner clearly', async () => {
  const inspect = await runCli(['profile', fixture('registry.ts'), '--function', 'openSession', '--node-arg', '--inspect-brk=9229']);
  assert.equal(inspect.code, 2);
  assert.match(inspect.stderr, /^leak-lens: --node-arg --inspect-brk=9229: Leak Lens starts the program's inspector itself; leave this flag out\.$/m);
  const missing = await runCli(['profile', fixture('registry.ts'), '--function', 'openSession', '--exec', 'no-such-runner-here']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^leak-lens: --exec no-such-runner-here: no such runner in node_modules\/\.bin of .* install it, or give the path of its script\.$/m);
});

test("start-up failures show the program's own error and exit code, promptly", async () => {
  const cases: [string, RegExp, RegExp][] = [
    ['startup-throw.js', /startup-throw\.js exited with code 1/, /Error: config file settings\.json is missing/],
    ['startup-exit.js', /startup-exit\.js exited with code 3/, /no database URL given, exiting/],
    ['startup-late-crash.js', /startup-late-crash\.js exited with code 1/, /Error: lost the connection to the queue/],
  ];
  for (const [file, exited, said] of cases) {
    const started = Date.now();
    const r = await runCli(['profile', fixture(file), '--function', 'work', '--iterations', '101', '--warmup', '0']);
    const took = Date.now() - started;
    assert.equal(r.code, 2, `${file}\n${r.stderr}`);
    assert.match(r.stderr, exited, file);
    assert.match(r.stderr, said, file);
    assert.doesNotMatch(r.stderr, /Cannot find context|ECONNREFUSED|No live function/, file);
    assert.ok(took < 5000, `${file}: the CLI returned ${took} ms after starting (the program ends within 0.3 s)`);
  }
});

test('a name that does not exist fails with the closest names, long before the old 10 s wait', async () => {
  const plainStarted = Date.now();
  const plain = await runCli(['profile', path.join(repoRoot, 'test/fixtures/hardening/cli-program.js'), '--function', 'wrok']);
  const plainTook = Date.now() - plainStarted;
  assert.equal(plain.code, 2, plain.stderr);
  assert.match(plain.stderr, /No live function named "wrok".* Did you mean [^?]*"work"/);
  assert.ok(plainTook < 5000, `a plain script: failed after ${plainTook} ms`);
  const started = Date.now();
  const r = await runCli(['profile', fixture('registry.ts'), '--function', 'openSesion', '--exec', 'tsx']);
  const took = Date.now() - started;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /No live function named "openSesion".* Did you mean [^?]*"openSession"/);
  assert.match(r.stderr, /still so once the program had finished starting/);
  assert.ok(took < 5000, `failed after ${took} ms`);
});
