/**
 * The VS Code server: the server build that npm `code-server` ships (installed by
 * scripts/setup-vscode-host.sh into .cache/vscode-host/). Each server gets a fresh scratch
 * folder (data dirs, settings, a copy of examples/ as the default workspace), picks its own
 * port, and is stopped together with every process it started.
 * See /work/shared/docs/vscode-test-host.md.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, SERVER_MAIN } from './paths';

/** Settings for every host: fewer popups and panels, no network, no tips. */
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'npm.autoDetect': 'off',
  'typescript.disableAutomaticTypeAcquisition': true,
  'debug.openDebug': 'neverOpen',
  'debug.internalConsoleOptions': 'neverOpen',
};

export interface ServerOptions {
  /** Folder the window opens. Default: a fresh copy of the repo's examples/ (removed by stop()). */
  workspace?: string;
  /** Extra settings, merged over DEFAULT_SETTINGS (user and remote-machine settings). */
  settings?: Record<string, unknown>;
  /** Extra environment for the server, and so for the extension host and its children. */
  env?: NodeJS.ProcessEnv;
  /** Print the server's output as it comes. */
  verbose: boolean;
  log: (line: string) => void;
}

export interface VscodeServer {
  readonly process: ChildProcess;
  readonly workspace: string;
  /** Scratch folder of this server (data dirs, logs); removed by stop(). */
  readonly tmpDir: string;
  /** The server's log folder (remoteagent.log, exthostN/remoteexthost.log, extension logs). */
  readonly logsDir: string;
  /** The server's output so far. */
  output(): string;
  /** Kills the server and everything it started, removes tmpDir. Idempotent. */
  stop(): Promise<void>;
}

/** Servers not stopped yet: killed if this process exits without stopping them (a crash, process.exit). */
const runningServers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const server of runningServers) if (server.pid !== undefined) signalGroup(server.pid, 'SIGKILL');
});

/**
 * Prepares the scratch folder and spawns the server on a port of its choosing; waitForPort()
 * tells which. Returns at once so that a caller can stop the server while it starts.
 */
export function spawnVscodeServer(options: ServerOptions): VscodeServer {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-vscode-'));
  // Every process the server starts inherits this; stop() finds leftovers by it.
  const runMarker = `LEAK_LENS_VSCODE_HOST_RUN=${path.basename(tmpDir)}`;
  let workspace = options.workspace;
  if (!workspace) {
    workspace = path.join(tmpDir, 'workspace');
    fs.cpSync(path.join(REPO_ROOT, 'examples'), workspace, { recursive: true });
  }
  const dirs = { server: path.join(tmpDir, 'server-data'), user: path.join(tmpDir, 'user-data'), ext: path.join(tmpDir, 'extensions') };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  // code-server keeps the web user's settings on the server: <user-data-dir>/User holds the
  // user settings, <user-data-dir>/Machine the remote machine's. Write both.
  const settings = JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2);
  for (const scope of ['User', 'Machine']) {
    fs.mkdirSync(path.join(dirs.user, scope), { recursive: true });
    fs.writeFileSync(path.join(dirs.user, scope, 'settings.json'), settings);
  }

  const server = spawn(
    process.execPath,
    [
      SERVER_MAIN,
      '--host', '127.0.0.1',
      '--port', '0',
      '--without-connection-token',
      '--accept-server-license-terms',
      '--enable-smoke-test-driver',
      '--disable-workspace-trust',
      '--disable-telemetry',
      '--server-data-dir', dirs.server,
      '--user-data-dir', dirs.user,
      '--extensions-dir', dirs.ext,
    ],
    {
      cwd: tmpDir,
      // Its own process group, so stop() can kill it with everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, LEAK_LENS_VSCODE_HOST_RUN: path.basename(tmpDir) },
    },
  );
  runningServers.add(server);

  let output = '';
  const onOutput = (chunk: Buffer): void => {
    const text = chunk.toString();
    output += text;
    if (output.length > 4_000_000) output = output.slice(-2_000_000);
    if (options.verbose) for (const line of text.split('\n')) if (line.trim()) options.log(`[server] ${line}`);
  };
  server.stdout!.on('data', onOutput);
  server.stderr!.on('data', onOutput);

  let stopped: Promise<void> | undefined;
  return {
    process: server,
    workspace,
    tmpDir,
    logsDir: path.join(dirs.user, 'logs'),
    output: () => output,
    stop: () => {
      stopped ??= (async () => {
        await killGroup(server);
        killMarked(runMarker);
        fs.rmSync(tmpDir, { recursive: true, force: true, maxRetries: 3 });
        runningServers.delete(server);
      })();
      return stopped;
    },
  };
}

/** The port the server listens on (--port 0: it picks a free one and prints it). */
export function waitForPort(server: VscodeServer, timeoutMs: number): Promise<number> {
  const srv = server.process;
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within ${timeoutMs} ms`)), timeoutMs);
    const check = (): void => {
      const m = /Extension host agent listening on (\d+)/.exec(server.output());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    srv.stdout!.on('data', check);
    srv.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${signal ?? code}) before listening:\n${server.output()}`));
    });
    srv.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

// --- process handling --------------------------------------------------------------------

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** SIGTERM to the server's process group, then SIGKILL to whatever of it is left. */
async function killGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  signalGroup(pid, 'SIGTERM');
  await withTimeout(exited, 5000).catch(() => undefined);
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * SIGKILLs processes that carry this run's marker in their environment: descendants of the
 * server that left its process group (debuggees launched detached, for instance).
 */
function killMarked(marker: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.split('\0').includes(marker)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone, or not ours to read
    }
  }
}
