/** Real snapshots for tests: generated once per test process from the fixture programs. */
import { spawn, type ChildProcess } from 'node:child_process';
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

export interface ProcessOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` from the repository root and collects its output; killed after `timeoutMs`. */
export function runProcess(command: string, args: string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(command)} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the built CLI and collects its output; `env` replaces the environment it gets. */
export function runCli(args: string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<ProcessOutput> {
  return runProcess(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args], timeoutMs, env);
}

export interface Debuggee {
  child: ChildProcess;
  wsUrl: string;
  port: number;
  exited: Promise<void>;
  stderr: () => string;
}

const debuggees = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of debuggees) c.kill('SIGKILL');
});

/**
 * Starts `node --inspect=127.0.0.1:0 script` and resolves once the inspector listens and, with
 * `readyMarker`, once the script has printed it (the inspector listens before the script runs).
 * Killed when the test process exits.
 */
export function startDebuggee(script: string, readyMarker?: string): Promise<Debuggee> {
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  debuggees.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      debuggees.delete(child);
      resolve();
    }),
  );
  let stderr = '';
  let stdout = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`debuggee not ready in 10 s:\n${stderr}`)), 10_000);
    const check = () => {
      const m = /Debugger listening on (ws:\/\/[^\s]+)/.exec(stderr);
      if (m && (!readyMarker || stdout.includes(readyMarker))) {
        clearTimeout(timer);
        resolve({ child, wsUrl: m[1], port: Number(new URL(m[1]).port), exited, stderr: () => stderr });
      }
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
      check();
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      check();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`debuggee exited (${code}) before listening:\n${stderr}`));
    });
  });
}
