/** Real snapshots for tests: generated once per test process from the fixture programs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const snapshots = require('../../../test/support/snapshots.js') as {
  generateSnapshot(program: string, out: string): Promise<void>;
  devtoolsReference(file: string): Promise<DevtoolsReference>;
  repoRoot: string;
  fixturePrograms(): string[];
};

export interface DevtoolsReference {
  nodeCount: number;
  edgeCount: number;
  ids: number[];
  selfSizes: number[];
  retainedSizes: number[];
  distances: number[];
  dominators: number[];
  classes: { key: string; name: string; count: number; self: number; maxRet: number; distance: number }[];
}

export const repoRoot: string = snapshots.repoRoot;
export const fixturePrograms = (): string[] => snapshots.fixturePrograms();
export const devtoolsReference = (file: string): Promise<DevtoolsReference> => snapshots.devtoolsReference(file);

let tempDir: string | undefined;
export function testTempDir(): string {
  tempDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-test-'));
  return tempDir;
}

process.on('exit', () => {
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
});

const made = new Map<string, Promise<string>>();

/** Path of a snapshot written by the named fixture program (e.g. "registry.js"). */
export function snapshotOf(program: string): Promise<string> {
  let p = made.get(program);
  if (!p) {
    const out = path.join(testTempDir(), `${path.basename(program)}.heapsnapshot`);
    p = snapshots.generateSnapshot(program, out).then(() => out);
    made.set(program, p);
  }
  return p;
}

/** Runs the built CLI and collects its output; `env` replaces the environment it gets. */
export function runCli(
  args: string[],
  timeoutMs = 120_000,
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args], { cwd: repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`leak-lens ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
