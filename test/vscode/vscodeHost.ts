/**
 * A running VS Code to test in: the server (server.ts) with its workbench open in headless
 * Chromium (browser.ts). The extension under development and the test module are passed in
 * the `payload` URL parameter, which the workbench honours because the server runs with
 * --enable-smoke-test-driver; when the test module's run() settles, the workbench calls
 * window.codeAutomationExit(code). The runner (host.ts) and the UI tests start one with
 * startVscodeHost(); stop() ends everything.
 */
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { forwardConsole, launchChromium, screenshot } from './browser';
import { CHROMIUM, REPO_ROOT, SERVER_MAIN, toPosix } from './paths';
import { spawnVscodeServer, waitForPort, withTimeout, type VscodeServer } from './server';

export interface StartOptions {
  /** Folder the window opens. Default: a fresh copy of the repo's examples/ (removed by stop()). */
  workspace?: string;
  /** The extension under development. Default: the repo root. `null`: none. */
  extensionDevelopmentPath?: string | null;
  /** A test module directory whose run() the extension host calls; the window then exits. */
  extensionTestsPath?: string;
  /** Extra settings, merged over the server's defaults (user and remote-machine settings). */
  settings?: Record<string, unknown>;
  /** Extra environment for the server, and so for the extension host and its children. */
  serverEnv?: NodeJS.ProcessEnv;
  /** Prints browser console messages (see forwardConsole in browser.ts). Default true. */
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

/** Stop functions of the hosts not stopped yet, for stopAllHosts. */
const activeHosts = new Set<() => Promise<void>>();

/** Stops every host this process started and has not stopped (for signal handlers). */
export async function stopAllHosts(): Promise<void> {
  await Promise.all([...activeHosts].map((stop) => stop()));
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

  // The server is spawned synchronously, so a stop() while it starts (a signal) still kills it.
  const server: VscodeServer = spawnVscodeServer({ workspace: options.workspace, settings: options.settings, env: options.serverEnv, verbose, log });
  let browser: Browser | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (browser) await withTimeout(browser.close(), 10_000).catch(() => undefined);
      await server.stop();
      activeHosts.delete(stop);
    })();
    return stopped;
  };
  activeHosts.add(stop);

  try {
    const port = await waitForPort(server, startTimeoutMs);
    const origin = `http://127.0.0.1:${port}`;

    browser = await launchChromium(startTimeoutMs);
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();

    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    // The workbench calls this when the extension tests are done (before navigation!).
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      const n = Number(code);
      resolveExit(Number.isInteger(n) ? n : 1);
    });
    if (options.forwardConsole ?? true) forwardConsole(page, log, verbose);

    const payload: [string, string][] = [];
    const devPath = options.extensionDevelopmentPath === undefined ? REPO_ROOT : options.extensionDevelopmentPath;
    const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${toPosix(p)}`;
    if (devPath) payload.push(['extensionDevelopmentPath', remote(devPath)]);
    if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
    const url =
      `${origin}/?folder=${encodeURIComponent(toPosix(server.workspace))}` +
      (payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : '');
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: startTimeoutMs });

    return {
      port,
      origin,
      url,
      workspace: server.workspace,
      tmpDir: server.tmpDir,
      server: server.process,
      browser,
      context,
      page,
      exited,
      serverLog: server.output,
      logsDir: server.logsDir,
      screenshot: (name) => screenshot(page, name),
      stop,
    };
  } catch (e) {
    const serverOutput = server.output();
    if (serverOutput && !verbose) log(`[server log]\n${serverOutput.slice(-20_000)}`);
    await stop();
    throw e;
  }
}
