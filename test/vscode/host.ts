/**
 * Runs the extension tests (test/vscode/suite) in a real VS Code, and gives UI tests a VS Code
 * to drive.
 *
 * On these machines VS Code desktop cannot be downloaded, so the workbench is VS Code's server
 * build shipped by npm `code-server` (installed by scripts/setup-vscode-host.sh into
 * .cache/vscode-host/), opened in headless Debian Chromium through playwright-core. The
 * extension under development and the test module are passed in the `payload` URL parameter,
 * which the workbench honours because the server runs with --enable-smoke-test-driver; when
 * the test module's run() settles, the workbench calls window.codeAutomationExit(code).
 * See /work/shared/docs/vscode-test-host.md.
 *
 * `node out/test/vscode/host.js` runs the suite and exits with its code. Environment:
 *   LEAK_LENS_VSCODE_TIMEOUT_MS   overall timeout (default 600000)
 *   LEAK_LENS_VSCODE_VERBOSE=1    also print the server's log and every browser console line
 *   LEAK_LENS_VSCODE_GREP         only run tests whose title matches (mocha --grep)
 *   VSCODE_EXECUTABLE             path to a VS Code desktop executable: run the same suite with
 *                                 @vscode/test-electron instead (machines that have VS Code)
 *
 * For UI tests, startVscodeHost() returns the playwright page of a running workbench, and
 * the helpers below (waitForWorkbench, runCommand, openFile, waitForText, webviewFrames, ...)
 * cover the usual steps; stop() kills everything.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import type { Browser, BrowserContext, ConsoleMessage, Frame, Page } from 'playwright-core';

/** The repository root (this file compiles to out/test/vscode/host.js). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const HOST_CACHE = path.join(REPO_ROOT, '.cache', 'vscode-host');
export const SERVER_MAIN = path.join(HOST_CACHE, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
export const CHROMIUM = process.env.LEAK_LENS_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');
/** The compiled test module directory (its index.js exports run()). */
export const SUITE_PATH = path.join(__dirname, 'suite');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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

export interface StartOptions {
  /** Folder the window opens. Default: a fresh copy of the repo's examples/ (removed by stop()). */
  workspace?: string;
  /** The extension under development. Default: the repo root. `null`: none. */
  extensionDevelopmentPath?: string | null;
  /** A test module directory whose run() the extension host calls; the window then exits. */
  extensionTestsPath?: string;
  /** Extra settings, merged over DEFAULT_SETTINGS (user and remote-machine settings). */
  settings?: Record<string, unknown>;
  /** Extra environment for the server, and so for the extension host and its children. */
  serverEnv?: NodeJS.ProcessEnv;
  /** Prints browser console messages (see forwardConsole below). Default true. */
  forwardConsole?: boolean;
  /** Print the server's output as it comes. Default: LEAK_LENS_VSCODE_VERBOSE. */
  verbose?: boolean;
  /** Where log lines go. Default: process.stdout. */
  log?: (line: string) => void;
  viewport?: { width: number; height: number };
  /** For the server to listen and the workbench to load, ms. Default 120 000. */
  startTimeoutMs?: number;
}

export interface VscodeHost {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** The workbench URL the page opened. */
  readonly url: string;
  readonly workspace: string;
  /** Scratch folder of this host (data dirs, logs); removed by stop(). */
  readonly tmpDir: string;
  readonly server: ChildProcess;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Resolves with the code the workbench passes to codeAutomationExit (extension tests done). */
  readonly exited: Promise<number>;
  /** The server's output so far. */
  serverLog(): string;
  /** The server's log folder (remoteagent.log, exthostN/remoteexthost.log, extension logs). */
  readonly logsDir: string;
  /** Saves a full-page screenshot to test-artifacts/<name>.png; returns the path, undefined on failure. */
  screenshot(name: string): Promise<string | undefined>;
  /** Closes the browser, kills the server and everything it started, removes tmpDir. Idempotent. */
  stop(): Promise<void>;
}

/** Hosts not stopped yet; see stopAllHosts and the exit handler below. */
const activeHosts = new Set<{ stop: () => Promise<void>; kill: () => void }>();
process.on('exit', () => {
  for (const host of activeHosts) host.kill();
});

/** Stops every host this process started and has not stopped (for signal handlers). */
export async function stopAllHosts(): Promise<void> {
  await Promise.all([...activeHosts].map((h) => h.stop()));
}

/** Starts a VS Code server and opens its workbench in headless Chromium. */
export async function startVscodeHost(options: StartOptions = {}): Promise<VscodeHost> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const verbose = options.verbose ?? process.env.LEAK_LENS_VSCODE_VERBOSE === '1';
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  if (!fs.existsSync(SERVER_MAIN)) {
    throw new Error(`${SERVER_MAIN} is missing: run scripts/setup-vscode-host.sh first`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-vscode-host.sh first`);

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

  let serverOutput = '';
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (browser) await withTimeout(browser.close(), 10_000).catch(() => undefined);
      if (server) await killGroup(server);
      killMarked(runMarker);
      fs.rmSync(tmpDir, { recursive: true, force: true, maxRetries: 3 });
      activeHosts.delete(emergencyStop);
    })();
    return stopped;
  };
  // If this process exits without stop() (a crash, process.exit), still kill the server.
  const emergencyStop = { stop, kill: () => server?.pid !== undefined && signalGroup(server.pid, 'SIGKILL') };
  activeHosts.add(emergencyStop);

  try {
    // --- the server -----------------------------------------------------------------------
    server = spawn(
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
        env: { ...process.env, ...options.serverEnv, LEAK_LENS_VSCODE_HOST_RUN: path.basename(tmpDir) },
      },
    );
    const srv = server;
    const onOutput = (chunk: Buffer): void => {
      const text = chunk.toString();
      serverOutput += text;
      if (serverOutput.length > 4_000_000) serverOutput = serverOutput.slice(-2_000_000);
      if (verbose) for (const line of text.split('\n')) if (line.trim()) log(`[server] ${line}`);
    };
    srv.stdout!.on('data', onOutput);
    srv.stderr!.on('data', onOutput);

    // --port 0: the server picks a free port and prints it.
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not listen within ${startTimeoutMs} ms`)), startTimeoutMs);
      const check = (): void => {
        const m = /Extension host agent listening on (\d+)/.exec(serverOutput);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      srv.stdout!.on('data', check);
      srv.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${signal ?? code}) before listening:\n${serverOutput}`));
      });
      srv.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const origin = `http://127.0.0.1:${port}`;

    // --- the browser ----------------------------------------------------------------------
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: startTimeoutMs,
      // Playwright's own handlers would kill the browser and exit on a signal before stop()
      // has killed the server; the runner's handler calls stopAllHosts() instead.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();

    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    // The workbench calls this when the extension tests are done (before navigation!).
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      const n = Number(code);
      resolveExit(Number.isInteger(n) ? n : 1);
    });
    if (options.forwardConsole ?? true) {
      // Formatting needs the message's arguments (async); chain to keep the order.
      let chain = Promise.resolve();
      page.on('console', (msg) => {
        chain = chain.then(
          () =>
            formatConsole(msg, verbose).then((line) => {
              if (line !== undefined) log(line);
            }),
          () => undefined,
        );
      });
      page.on('pageerror', (err) => {
        if (verbose) log(`[page error] ${err.message}`);
      });
    }

    const payload: [string, string][] = [];
    const devPath = options.extensionDevelopmentPath === undefined ? REPO_ROOT : options.extensionDevelopmentPath;
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${toPosix(p)}`;
    if (devPath) payload.push(['extensionDevelopmentPath', remote(devPath)]);
    if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
    const url =
      `${origin}/?folder=${encodeURIComponent(toPosix(workspace))}` +
      (payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : '');
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: startTimeoutMs });

    return {
      port,
      origin,
      url,
      workspace,
      tmpDir,
      server: srv,
      browser,
      context,
      page,
      exited,
      serverLog: () => serverOutput,
      logsDir: path.join(dirs.user, 'logs'),
      screenshot: (name) => screenshot(page, name),
      stop,
    };
  } catch (e) {
    if (serverOutput && !verbose) log(`[server log]\n${serverOutput.slice(-20_000)}`);
    await stop();
    throw e;
  }
}

// --- helpers for UI tests ----------------------------------------------------------------

/** Waits until the workbench has rendered and its status bar is there. */
export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForSelector('.monaco-workbench .part.statusbar', { state: 'visible', timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench .part.editor', { state: 'visible', timeout: timeoutMs });
}

/** Runs a command by its title through the command palette (F1), e.g. "Leak Lens: Open heap snapshot". */
export async function runCommand(page: Page, title: string, timeoutMs = 20_000): Promise<void> {
  await page.locator('.monaco-workbench').focus().catch(() => undefined);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill('>' + title);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
  await input.waitFor({ state: 'hidden', timeout: timeoutMs });
}

/**
 * Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab.
 * `relativePath` is relative to the workspace folder, e.g. "registry/leaky.js".
 */
export async function openFile(page: Page, relativePath: string, timeoutMs = 30_000): Promise<void> {
  const base = path.posix.basename(toPosix(relativePath));
  await page.locator('.monaco-workbench').focus().catch(() => undefined);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(toPosix(relativePath));
  // Results come from the file search (ripgrep) on the server; wait for the matching row.
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: base }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
  await page
    .locator('.tabs-container .tab.active', { hasText: base })
    .first()
    .waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Waits for some text in the page (not in webviews; see webviewFrames for those). */
export async function waitForText(page: Page, text: string | RegExp, timeoutMs = 30_000): Promise<void> {
  await page.getByText(text).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** The CodeLens items of the visible editor(s): a locator of the clickable anchors. */
export function codeLenses(page: Page, text?: string | RegExp) {
  const lenses = page.locator('.monaco-editor .contentWidgets .codelens-decoration a');
  return text === undefined ? lenses : lenses.filter({ hasText: text });
}

/**
 * The content frames of the open webviews. In the web workbench each webview is an
 * <iframe class="webview"> (served from /.../contrib/webview/browser/pre/index.html) holding
 * an inner <iframe> ("fake.html") with the extension's HTML; those inner frames are returned.
 */
export function webviewFrames(page: Page): Frame[] {
  return page.frames().filter((f) => {
    const parent = f.parentFrame();
    return parent !== null && /\/webview\/browser\/pre\/index\.html/.test(parent.url()) && f.url() !== parent.url();
  });
}

/** Waits until a webview content frame contains `text` (or matches `selector`) and returns it. */
export async function waitForWebview(
  page: Page,
  match: { text?: string | RegExp; selector?: string },
  timeoutMs = 30_000,
): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of webviewFrames(page)) {
      try {
        if (match.selector && (await frame.locator(match.selector).count()) === 0) continue;
        if (match.text !== undefined) {
          const body = await frame.locator('body').innerText({ timeout: 1000 });
          if (typeof match.text === 'string' ? !body.includes(match.text) : !match.text.test(body)) continue;
        }
        return frame;
      } catch {
        // frame detached or still loading
      }
    }
    if (Date.now() > deadline) throw new Error(`no webview matching ${JSON.stringify(String(match.text ?? match.selector))} within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

/** Saves a full-page screenshot to test-artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string | undefined> {
  try {
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 15_000 });
    return file;
  } catch {
    return undefined;
  }
}

// --- process handling --------------------------------------------------------------------

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
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

/** Workbench chatter that is expected offline; printed only when verbose. */
const CONSOLE_NOISE = new RegExp(
  [
    'connection token',
    'Creating a socket',
    'builtin extensions cache',
    'ChatSessionStore',
    'Service Worker',
    'service worker',
    'open-vsx\\.org',
    'vsda',
    'Failed to load resource',
    'bad HTTP response code',
    'allow-scripts and allow-same-origin',
    'web worker extension host',
    'Overwriting extension',
    'ERR_NAME_NOT_RESOLVED',
    'marketplace',
  ].join('|'),
);

/**
 * Formats a browser console message for our stdout, or undefined to drop it. The workbench's
 * log service (which also carries the extension host's console output when extension tests
 * run) logs as console.log('%c INFO', 'color: ...', format, ...args); plain console calls
 * come from the workbench or the browser and are printed only when verbose, like the
 * offline noise (open-vsx.org, the service worker, vsda, 404s).
 */
async function formatConsole(msg: ConsoleMessage, verbose: boolean): Promise<string | undefined> {
  const args = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => '[unserializable]')));
  const head = args[0];
  if (typeof head === 'string' && head.startsWith('%c') && args.length >= 2) {
    const level = head.slice(2).trim() || msg.type();
    const text = util.format(...args.slice(2));
    if (!verbose && (CONSOLE_NOISE.test(text) || /^(TRACE|DEBUG)$/.test(level))) return undefined;
    return `[vscode ${level}] ${text}`;
  }
  return verbose ? `[browser ${msg.type()}] ${msg.text()}` : undefined;
}

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

// --- the test runner ---------------------------------------------------------------------

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
