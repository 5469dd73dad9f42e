/**
 * Runs the extension tests (test/vscode/suite) in a real VS Code and exits with their code:
 * `node out/test/vscode/host.js`.
 *
 * On these machines VS Code desktop cannot be downloaded, so the suite runs in VS Code's server
 * build opened in headless Chromium (vscodeHost.ts, which starts server.ts and drives
 * browser.ts); suite/index.ts appends mocha's report to a results file that this runner prints.
 * See /work/shared/docs/vscode-test-host.md. Environment:
 *   LEAK_LENS_VSCODE_TIMEOUT_MS   overall timeout (default 600000)
 *   LEAK_LENS_VSCODE_VERBOSE=1    also print the server's log and every browser console line
 *   LEAK_LENS_VSCODE_GREP         only run tests whose title matches (mocha --grep)
 *   VSCODE_EXECUTABLE             path to a VS Code desktop executable: run the same suite with
 *                                 @vscode/test-electron instead (machines that have VS Code)
 *
 * UI tests start their own VS Code with startVscodeHost() (vscodeHost.ts) and drive it with
 * the helpers in browser.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ARTIFACTS_DIR, REPO_ROOT, SUITE_PATH } from './paths';
import { startVscodeHost, stopAllHosts, type VscodeHost } from './vscodeHost';

/** Calls onLine for each complete line appended to `file`, until the returned stop(). */
function followFile(file: string, onLine: (line: string) => void): () => void {
  let offset = 0;
  let partial = '';
  const poll = (final: boolean): void => {
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch {
      return;
    }
    if (data.length > offset) {
      partial += data.subarray(offset).toString('utf8');
      offset = data.length;
    }
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    if (final && partial) {
      lines.push(partial);
      partial = '';
    }
    for (const line of lines) onLine(line);
  };
  const timer = setInterval(() => poll(false), 200);
  return () => {
    clearInterval(timer);
    poll(true);
  };
}

async function runInVsCodeServer(): Promise<number> {
  const timeoutMs = Number(process.env.LEAK_LENS_VSCODE_TIMEOUT_MS) || 600_000;
  const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-vscode-results-'));
  const resultsFile = path.join(resultsDir, 'results.txt');
  const started = Date.now();
  let host: VscodeHost | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`host: ${signal}, stopping`);
    void stopAllHosts().finally(() => {
      fs.rmSync(resultsDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);

  // suite/index.ts appends its mocha report to this file; print it as it grows.
  let summary: string | undefined;
  const stopFollowing = followFile(resultsFile, (line) => {
    const m = /^LEAK_LENS_VSCODE_SUMMARY (.*)$/.exec(line);
    if (m) summary = m[1];
    else console.log(line);
  });

  let code: number;
  try {
    host = await startVscodeHost({
      extensionTestsPath: SUITE_PATH,
      serverEnv: { LEAK_LENS_VSCODE_RESULTS: resultsFile },
    });
    console.log(`host: VS Code server on ${host.origin}, workspace ${host.workspace} (${Date.now() - started} ms)`);
    let timer: NodeJS.Timeout | undefined;
    const server = host.server;
    const outcome = await Promise.race([
      host.exited,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
      new Promise<'server exited'>((resolve) => server.once('exit', () => resolve('server exited'))),
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      console.error(`host: no result within ${timeoutMs} ms`);
      code = 124;
    } else if (outcome === 'server exited') {
      console.error(`host: the VS Code server exited before the tests finished:\n${host.serverLog().slice(-5000)}`);
      code = 1;
    } else {
      code = outcome;
    }
    if (code !== 0) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const shot = await host.screenshot(`vscode-host-failure-${stamp}`);
      if (shot) console.error(`host: screenshot ${path.relative(REPO_ROOT, shot)}`);
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const logFile = path.join(ARTIFACTS_DIR, `vscode-host-failure-${stamp}-server.log`);
      fs.writeFileSync(logFile, host.serverLog());
      console.error(`host: server output ${path.relative(REPO_ROOT, logFile)}`);
      const logsCopy = path.join(ARTIFACTS_DIR, `vscode-host-failure-${stamp}-logs`);
      try {
        fs.cpSync(host.logsDir, logsCopy, { recursive: true });
        console.error(`host: server logs ${path.relative(REPO_ROOT, logsCopy)}`);
      } catch {
        // no logs written
      }
    }
  } catch (e) {
    console.error(`host: ${e instanceof Error ? e.stack : String(e)}`);
    code = 1;
  } finally {
    await host?.stop();
    stopFollowing();
  }

  if (summary) {
    console.log(`host: results ${summary}`);
  } else {
    console.error('host: the suite reported no summary (run() did not finish, or never started)');
    if (code === 0) code = 1;
  }
  fs.rmSync(resultsDir, { recursive: true, force: true });
  console.log(`host: exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

/** On machines with VS Code desktop: the same suite through @vscode/test-electron. */
async function runInVsCodeDesktop(executable: string): Promise<number> {
  const { runTests } = await import('@vscode/test-electron');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-vscode-desktop-'));
  const workspace = path.join(tmpDir, 'workspace');
  fs.cpSync(path.join(REPO_ROOT, 'examples'), workspace, { recursive: true });
  try {
    return await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: SUITE_PATH,
      launchArgs: [workspace, '--disable-workspace-trust', '--user-data-dir', path.join(tmpDir, 'user-data'), '--skip-welcome'],
    });
  } catch (e) {
    console.error(`host: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const executable = process.env.VSCODE_EXECUTABLE;
  (executable ? runInVsCodeDesktop(executable) : runInVsCodeServer()).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
