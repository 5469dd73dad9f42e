'use strict';
// Test helpers: generate heap snapshots from the fixture programs at test time
// and compute the Chrome DevTools reference numbers for them (via
// test/support/devtoolsReference.js, run in a child process).
//
// Tests run compiled from out/test/*.test.js, so paths are resolved from the
// repository root (the nearest ancestor folder containing package.json), not
// from __dirname.

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function findRepoRoot(start) {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + start);
    dir = parent;
  }
}

const repoRoot = findRepoRoot(__dirname);
const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
const programsDir = path.join(fixturesDir, 'programs');
const dumperPath = path.join(repoRoot, 'test', 'support', 'devtoolsReference.js');

const TIMEOUT_MS = 60_000;

/**
 * Runs `process.execPath [...nodeArgs] script ...args`; resolves when it exits
 * with code 0, rejects with its stderr otherwise (or after the timeout).
 */
function run(script, args, { nodeArgs = [], timeoutMs = TIMEOUT_MS, cwd = repoRoot } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const name = path.basename(script);
      if (timedOut) {
        reject(new Error(`${name} timed out after ${timeoutMs} ms\n${stderr}`));
      } else if (code !== 0) {
        reject(new Error(`${name} exited with ${code === null ? 'signal ' + signal : 'code ' + code}\n${stderr}`));
      } else {
        resolve();
      }
    });
  });
}

/**
 * Runs a fixture program (`node <program> <outFile>`), which writes a heap
 * snapshot to outFile. `programPath` may be absolute, relative to the repo
 * root, or a bare file name inside test/fixtures/programs.
 * @returns {Promise<void>}
 */
async function generateSnapshot(programPath, outFile) {
  let program = programPath;
  if (!path.isAbsolute(program)) {
    const fromRoot = path.join(repoRoot, program);
    program = fs.existsSync(fromRoot) ? fromRoot : path.join(programsDir, program);
  }
  const out = path.resolve(outFile);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await run(program, [out]);
  if (!fs.existsSync(out)) throw new Error(`${path.basename(program)} did not write ${out}`);
}

/**
 * Computes Chrome DevTools' numbers for a snapshot with heap-snapshot-toolkit
 * in a child process. See the header of devtoolsReference.js for the shape:
 * { nodeCount, edgeCount, rootOrdinal, ids, selfSizes, retainedSizes,
 *   distances, dominators, classes: [{ key, name, count, self, maxRet, distance }] }
 * @returns {Promise<object>}
 */
async function devtoolsReference(snapshotFile) {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-ref-'));
  const outFile = path.join(tmpDir, 'reference.json');
  try {
    await run(dumperPath, [path.resolve(snapshotFile), outFile], {
      nodeArgs: ['--max-old-space-size=4096'],
    });
    return JSON.parse(fs.readFileSync(outFile, 'utf8'));
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Absolute paths of all fixture programs (.js and .mjs). */
function fixturePrograms() {
  return fs
    .readdirSync(programsDir)
    .filter((f) => f.endsWith('.js') || f.endsWith('.mjs'))
    .sort()
    .map((f) => path.join(programsDir, f));
}

module.exports = {
  repoRoot,
  fixturesDir,
  programsDir,
  generateSnapshot,
  devtoolsReference,
  fixturePrograms,
};
