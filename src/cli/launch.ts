/** Starts `node --inspect=127.0.0.1:0 <script>` and waits for its inspector's WebSocket URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface LaunchedProcess {
  child: ChildProcess;
  wsUrl: string;
  /** Kills the process (and waits for it to exit). */
  stop(): Promise<void>;
}

/** Keeps a script whose top level finishes at once alive, so its functions can be called. */
const KEEP_ALIVE = 'data:text/javascript,setInterval(()=>{},2**30)';

export async function launchWithInspector(
  script: string,
  scriptArgs: string[],
  options: { timeoutMs?: number; output?: NodeJS.WritableStream } = {},
): Promise<LaunchedProcess> {
  if (!existsSync(script)) throw new Error(`No such script: ${script}`);
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', `--import=${KEEP_ALIVE}`, script, ...scriptArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = options.output;
  child.stdout?.on('data', (d) => output?.write(d));
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
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${script} did not open an inspector within ${options.timeoutMs ?? 10_000} ms`));
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
    child.stderr?.on('data', (d: Buffer) => {
      // The program's own stderr goes on to ours, without the inspector's banner lines.
      const text = d.toString().replace(/^(Debugger listening on|Debugger ending on|For help, see:|Debugger attached\.|Waiting for the debugger).*\n/gm, '');
      if (text) output?.write(text);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${signal ?? `code ${code}`}) before its inspector was ready:\n${stderr.slice(-2000)}`));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  return { child, wsUrl, stop };
}
