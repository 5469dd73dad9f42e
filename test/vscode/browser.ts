/**
 * Driving the workbench in headless Debian Chromium through playwright-core: launching the
 * browser, forwarding the page's console, and the steps UI tests repeat (run a command, open a
 * file, find CodeLenses and webview frames, take screenshots).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import type { Browser, ConsoleMessage, Frame, Locator, Page } from 'playwright-core';
import { ARTIFACTS_DIR, CHROMIUM, toPosix } from './paths';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(timeoutMs: number): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: timeoutMs,
    // Playwright's own handlers would kill the browser and exit on a signal before stop()
    // has killed the server; the runner's handler calls stopAllHosts() instead.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/** Prints the page's console messages through `log` (see formatConsole for which). */
export function forwardConsole(page: Page, log: (line: string) => void, verbose: boolean): void {
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

/** The CodeLens anchor just above the first line that contains `lineText`. */
export async function lensAbove(page: Page, lineText: string, title: string | RegExp): Promise<Locator> {
  const line = page.locator('.monaco-editor .view-lines .view-line', { hasText: lineText }).first();
  await line.waitFor({ state: 'visible', timeout: 30_000 });
  const lenses = codeLenses(page, title);
  await lenses.first().waitFor({ state: 'visible', timeout: 60_000 });
  // Lenses arrive one provider answer at a time and push their lines down as they do, so the
  // line and the lenses are measured together, again until one sits right above the line.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const lineBox = await line.boundingBox();
    let best: { index: number; gap: number } | undefined;
    const count = await lenses.count();
    for (let i = 0; lineBox && i < count; i++) {
      const box = await lenses.nth(i).boundingBox();
      if (!box) continue;
      const gap = lineBox.y - box.y;
      if (gap > 0 && (!best || gap < best.gap)) best = { index: i, gap };
    }
    if (best) return lenses.nth(best.index);
    if (Date.now() > deadline) {
      await screenshot(page, 'ui-failure-no-lens');
      assert.fail(`no "${String(title)}" lens above "${lineText}" within 60 s (${count} such lenses on screen)`);
    }
    await page.waitForTimeout(500);
  }
}

/**
 * Clicks the lens `find` returns until a profile run starts (a click right after a session
 * starts can land on a lens VS Code is redrawing); a screenshot named `name` on failure.
 */
export async function clickLensUntilProfiling(page: Page, find: () => Promise<Locator>, name: string): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt++) {
    await page.waitForTimeout(2500); // let the lenses settle after the session started
    await (await find()).click();
    const started = await page
      .locator('.notifications-toasts', { hasText: /Leak Lens: profiling/ })
      .first()
      .waitFor({ state: 'visible', timeout: 8000 })
      .then(() => true)
      .catch(() => false);
    if (started) return;
  }
  await screenshot(page, `${name}-failure-lens-click`);
  throw new Error('clicking the CodeLens did not start a profile run');
}

/** The report panel's frame once it shows `text` and its graph; a screenshot named `name` on failure. */
export async function reportFrame(page: Page, text: string | RegExp, name: string): Promise<Frame> {
  try {
    return await waitForWebview(page, { text, selector: '[data-testid="graph-node"]' }, 120_000);
  } catch (e) {
    await screenshot(page, `${name}-failure-no-report`);
    throw e;
  }
}
