/** Starts `node --inspect=127.0.0.1:0 <script>` and waits for its inspector's WebSocket URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { InspectorError } from '../inspector/session';
import { CliError } from './args';
import { nodeArguments } from './nodeCommand';
import { PROGRAM_NODE_OPTIONS } from './ownProcess';
import { MarkedLines, programMark } from './programOutput';

/** The launched program did not start, or ended before the run finished: its last output says why. */
export class LaunchError extends CliError {
  override readonly name = 'LaunchError';
}

export interface LaunchedProcess {
  child: ChildProcess;
  wsUrl: string;
  /**
   * The inspectors the program's own child processes opened, as they announced them on the
   * stderr they share with it: cluster workers (Node gives each the next port), or forks that
   * inherit --inspect.
   */
  childInspectors(): string[];
  /** Kills the process (and waits for it to exit). */
  stop(): Promise<void>;
  /**
   * The program is running: its stderr, held back until now, goes on to `output` from here.
   * (Held so that a program that dies while starting shows its error once, in explain's.)
   */
  started(): void;
  /** Stops passing the program's output on: what it prints now goes only into explain's error. */
  mute(): void;
  /**
   * For an error that ended the run: if the program ended early (a crash, a syntax error,
   * process.exit), a LaunchError saying so with the last lines it printed; else `e` itself.
   * Call after closing the inspector session: with a debugger attached, Node prints an uncaught
   * error and exits only once the debugger has gone.
   */
  explain(e: unknown): Promise<unknown>;
}

/** Lines of the inspector's own, not the program's. */
const BANNER = /^(Debugger listening on|Debugger ending on|For help, see:|Debugger attached\.|Waiting for the debugger).*\n/gm;

/**
 * Keeps a script whose top level finishes at once alive, so its functions can be called: a
 * CommonJS preload (dist/leak-lens-keep-alive.cjs, next to this bundle), which leaves module
 * loading as it is. heap/names.ts (KEEP_ALIVE_FILE) leaves this name out of the program's root.
 */
const KEEP_ALIVE = path.join(__dirname, 'leak-lens-keep-alive.cjs');

/** The program's environment: the user's, with their NODE_OPTIONS back in place. */
function programEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const kept = env[PROGRAM_NODE_OPTIONS];
  delete env[PROGRAM_NODE_OPTIONS];
  if (kept !== undefined) env.NODE_OPTIONS = kept;
  return env;
}

export async function launchWithInspector(
  script: string,
  scriptArgs: string[],
  options: { timeoutMs?: number; output?: NodeJS.WritableStream; nodeArgs?: readonly string[]; exec?: string } = {},
): Promise<LaunchedProcess> {
  checkScript(script);
  const name = path.basename(script);
  const args = nodeArguments(script, scriptArgs, { nodeArgs: options.nodeArgs, exec: options.exec, keepAlive: KEEP_ALIVE });
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: programEnv() });
  const output = options.output;
  // What the program prints on stderr: held until it has started, then passed on; the last
  // 16 KB kept for explain(). Its stdout goes on at once (to our stderr: ours is the report).
  // Each of its lines is marked "[name] " (programOutput.ts), one stream's lines kept whole.
  let forwarding: 'held' | 'live' | 'muted' = 'held';
  const mark = programMark(name);
  const outLines = new MarkedLines(output, mark);
  const errLines = new MarkedLines(output, mark);
  let held = '';
  let tail = '';
  /** Node printed "Waiting for the debugger to disconnect": the program has ended. */
  let ending = false;
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    if (forwarding !== 'muted') outLines.write(d);
  });
  const inspectors: string[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    const raw = d.toString();
    for (const m of raw.matchAll(/Debugger listening on (ws:\/\/\S+)/g)) inspectors.push(m[1]);
    if (/Waiting for the debugger to disconnect/.test(raw)) ending = true;
    const text = raw.replace(BANNER, '');
    if (!text) return;
    tail = (tail + text).slice(-16384);
    if (forwarding === 'live') errLines.write(text);
    else if (forwarding === 'held') held = (held + text).slice(-(1 << 20));
  });
  // 'close', not 'exit': by then all it printed has been read.
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      if (forwarding !== 'muted') {
        outLines.flush();
        errLines.flush();
      }
      resolve();
    }),
  );
  const closedOrLater = (ms: number) => Promise.race([closed, new Promise((r) => setTimeout(r, ms).unref())]);
  // The child has an open inspector and never exits by itself: it must not outlive us, even
  // when we are killed or crash.
  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (child.exitCode !== null || child.signalCode !== null) process.exit(code);
    // Wait for the child's exit (so it is reaped, not left a zombie), but not for long.
    child.once('exit', () => process.exit(code));
    setTimeout(() => process.exit(code), 2000).unref();
    killNow();
  };
  process.on('exit', killNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  const stop = async () => {
    process.off('exit', killNow);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, onSignal);
    if (forwarding !== 'muted') {
      outLines.flush();
      errLines.flush();
    }
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new LaunchError(`${name} did not open an inspector within ${options.timeoutMs ?? 10_000} ms; check that it runs with plain node.`));
    }, options.timeoutMs ?? 10_000);
    const onData = (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8192);
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      void closedOrLater(1000).then(() => reject(endedError(name, child, tail, 'before its inspector was ready')));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new LaunchError(`Cannot start ${process.execPath}: ${e.message}.`));
    });
  });
  const hasEnded = () => ending || child.exitCode !== null || child.signalCode !== null;
  const explain = async (e: unknown): Promise<unknown> => {
    // A lost connection or context may be the program dying: give its exit a moment to show.
    if (!hasEnded() && mayBeEnding(e)) await waitFor(hasEnded, 1500);
    if (!hasEnded()) {
      // Still running: what it printed before it started was never shown; show it now.
      if (held) errLines.write(held);
      held = '';
      return e;
    }
    forwarding = 'muted';
    // Node prints the program's uncaught error once the debugger is gone, then exits.
    await closedOrLater(3000);
    return endedError(name, child, tail, 'before the run finished', e);
  };
  return {
    child,
    wsUrl,
    childInspectors: () => inspectors.filter((url) => url !== wsUrl),
    stop,
    explain,
    started: () => {
      if (forwarding !== 'held') return;
      forwarding = 'live';
      if (held) errLines.write(held);
      held = '';
    },
    mute: () => {
      forwarding = 'muted';
      outLines.drop();
      errLines.drop();
    },
  };
}

/** A script node can run: one clear sentence if not, before anything is started. */
export function checkScript(script: string): void {
  const stat = statOrNull(script);
  if (!stat) throw new CliError(`No such script: ${script}; check the path.`);
  if (stat.isDirectory() && !statOrNull(path.join(script, 'package.json')) && !statOrNull(path.join(script, 'index.js'))) {
    throw new CliError(`${script} is a folder, not a script; give the program's main .js or .mjs file.`);
  }
}

/** Resolves once `check()` holds (looked at every 50 ms), or after `ms`. */
async function waitFor(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
}

function statOrNull(file: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/** Errors the program's own end can cause: the connection or its context gone. */
function mayBeEnding(e: unknown): boolean {
  if (e instanceof InspectorError && (e.code === 'CLOSED' || e.code === 'CONNECT_FAILED')) return true;
  return e instanceof Error && /Cannot find context|context was destroyed/i.test(e.message);
}

/**
 * "app.js exited with code 1 before …; fix what it printed and try again:" and its last lines.
 * An error that already says the program exited (and while doing what) keeps its words.
 */
function endedError(name: string, child: ChildProcess, tail: string, when: string, cause?: unknown): LaunchError {
  const how =
    child.exitCode !== null ? ` with code ${child.exitCode}` : child.signalCode !== null ? ` on ${child.signalCode}` : '';
  const last = lastLines(tail);
  const said = cause instanceof Error && /\bexited\b/.test(cause.message) ? cause.message : undefined;
  if (said) return new LaunchError(last ? `${said}; what it printed last:\n${last}` : said);
  return new LaunchError(
    last
      ? `${name} exited${how} ${when}; fix what it printed and try again:\n${last}`
      : `${name} exited${how} ${when} without printing why; run it with plain node to see what happens.`,
  );
}

/**
 * The last lines a program printed, for an error message: without stack frames (Node's
 * internals, mostly; the first lines already say where) and the "Node.js vX" footer.
 */
export function lastLines(text: string, max = 12): string {
  const lines = text
    .replace(BANNER, '')
    .split(/\r?\n/)
    .filter((l) => !/^\s+at\s/.test(l) && !/^Node\.js v\d/.test(l))
    .map((l) => l.trimEnd());
  // No blank lines at either end, no runs of them inside.
  const kept = lines.filter((l, i) => l !== '' || (i > 0 && lines[i - 1] !== ''));
  while (kept.length && kept[0] === '') kept.shift();
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  return kept
    .slice(-max)
    .map((l) => (l ? `  ${l}` : ''))
    .join('\n');
}
