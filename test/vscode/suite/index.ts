/**
 * Extension test entry point: the extension host (VS Code's server build driven by
 * test/vscode/host.ts, or VS Code desktop under @vscode/test-electron) loads this module and
 * awaits `run()`. It runs every compiled `*.test.js` next to this file with mocha (tdd UI:
 * suite/test/suiteSetup/...), prints mocha's spec report and rejects when a test fails, which
 * makes the workbench report a non-zero exit code.
 *
 * Where the report goes: when LEAK_LENS_VSCODE_RESULTS names a file (test/vscode/host.ts sets
 * it), the report and a final `LEAK_LENS_VSCODE_SUMMARY {json}` line are appended to that file,
 * which the host prints as it grows; the browser console that the extension host's console
 * reaches in the web workbench is noisy and loses formatting. Otherwise the report goes to
 * console.log (what @vscode/test-electron shows). LEAK_LENS_VSCODE_GREP filters tests by title.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const resultsFile = process.env.LEAK_LENS_VSCODE_RESULTS;
  const report = (line: string): void => {
    if (!resultsFile) {
      console.log(line);
      return;
    }
    try {
      fs.appendFileSync(resultsFile, line + '\n');
    } catch {
      // nothing better to do from inside the extension host
    }
  };

  // Mocha's reporters print through Base.consoleLog. With a results file (test/vscode/host.ts,
  // which prints it as it grows) the report goes there only; otherwise (@vscode/test-electron)
  // to the console, which the runner shows.
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const consoleLog = base.consoleLog;
  base.consoleLog = resultsFile ? (...args: unknown[]) => report(util.format(...args)) : consoleLog;

  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.LEAK_LENS_VSCODE_TEST_TIMEOUT) || 60_000,
    ...(process.env.LEAK_LENS_VSCODE_GREP ? { grep: process.env.LEAK_LENS_VSCODE_GREP } : {}),
  });
  const files = fs
    .readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .sort()
    .map((name) => path.join(__dirname, name));
  for (const file of files) mocha.addFile(file);

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        base.consoleLog = consoleLog;
        const stats = runner.stats ?? { passes: 0, failures, pending: 0, tests: 0, duration: 0 };
        report(
          'LEAK_LENS_VSCODE_SUMMARY ' +
            JSON.stringify({
              files: files.length,
              tests: stats.tests,
              passes: stats.passes,
              failures: stats.failures,
              pending: stats.pending,
              durationMs: stats.duration,
            }),
        );
        if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
        else if (files.length === 0) reject(new Error(`no *.test.js files in ${__dirname}`));
        else resolve();
      });
    } catch (err) {
      base.consoleLog = consoleLog;
      report(`mocha failed to start: ${err instanceof Error ? err.stack : String(err)}`);
      reject(err);
    }
  });
}

