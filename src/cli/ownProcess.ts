/**
 * The CLI never runs under the program's NODE_OPTIONS (`-r ts-node/register` is the program's
 * setting, not ours): when they are set, the CLI starts itself again without them, keeping
 * them aside for the program it launches (launch.ts puts them back in the program's env).
 */
import { spawn } from 'node:child_process';

/** Where the program's NODE_OPTIONS wait while the CLI runs without them. */
export const PROGRAM_NODE_OPTIONS = 'LEAK_LENS_PROGRAM_NODE_OPTIONS';

/**
 * If NODE_OPTIONS is set: runs this CLI again without it, passes its exit code (or signal)
 * on, and returns true; the caller then does nothing else. Otherwise false.
 */
export function relaunchWithoutNodeOptions(entry: string): boolean {
  const options = process.env.NODE_OPTIONS;
  if (!options) return false;
  const env: NodeJS.ProcessEnv = { ...process.env, [PROGRAM_NODE_OPTIONS]: options };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...process.execArgv, entry, ...process.argv.slice(2)], { stdio: 'inherit', env });
  // A terminal's Ctrl-C reaches both processes (one group): the child handles it, we wait.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, forward);
  child.once('error', (e) => {
    process.stderr.write(`leak-lens: cannot start ${process.execPath}: ${e.message}\n`);
    process.exitCode = 2;
  });
  child.once('exit', (code, signal) => {
    process.off('SIGINT', ignore);
    for (const s of ['SIGTERM', 'SIGHUP'] as const) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 2;
  });
  return true;
}
