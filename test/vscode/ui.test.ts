/**
 * The extension as a person uses it, in a real VS Code (server build) in headless Chromium:
 * open the example, start debugging, click the "Profile leaks" CodeLens, read the report
 * panel's graph, click a node and see the editor jump. Then the same with a program whose heap
 * strings are HTML/script payloads: shown as text, nothing runs. Then a .heapsnapshot clicked
 * in the explorer opens in the snapshot editor. Screenshots go to
 * test-artifacts/ (the README's pictures come from here).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { clickLensUntilProfiling, codeLenses, lensAbove, openFile, reportFrame, runCommand, screenshot, waitForWebview, waitForWorkbench } from './browser';
import { REPO_ROOT } from './paths';
import { startVscodeHost, type VscodeHost } from './vscodeHost';

let host: VscodeHost;
let page: Page;
let workspace: string;

before(async () => {
  // The workspace: the examples, the payload fixture, and a launch config for the open file.
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-ui-'));
  fs.cpSync(path.join(REPO_ROOT, 'examples'), workspace, { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'test/fixtures/ui/payload.js'), path.join(workspace, 'payload.js'));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'launch.json'),
    JSON.stringify({ version: '0.2.0', configurations: [{ type: 'node', request: 'launch', name: 'Launch current file', program: '${file}' }] }),
  );
  host = await startVscodeHost({ workspace, viewport: { width: 1600, height: 1000 } });
  page = host.page;
  await waitForWorkbench(page);
});

after(async () => {
  await host?.stop();
});

async function startDebugging(): Promise<void> {
  await page.keyboard.press('Escape');
  await runCommand(page, 'Debug: Start Debugging');
  // The debug toolbar shows while the session runs.
  await page.locator('.debug-toolbar').first().waitFor({ state: 'visible', timeout: 60_000 });
}

async function stopDebugging(): Promise<void> {
  await runCommand(page, 'Debug: Stop').catch(() => undefined);
  await page.locator('.debug-toolbar').first().waitFor({ state: 'hidden', timeout: 30_000 }).catch(() => undefined);
}

/**
 * Clicks a lens and waits for the run to start (its progress notification). Lenses re-render
 * when sessions change, so a click can land on one being replaced: then it is clicked again.
 */

test('CodeLens → report panel with the retainer graph → click a node → the editor jumps', { timeout: 300_000 }, async (t) => {
  t.after(stopDebugging);
  await openFile(page, 'registry/leaky.js');
  await startDebugging();
  await lensAbove(page, 'function loadApp', 'Profile leaks');
  await screenshot(page, 'ui-1-codelens');
  await clickLensUntilProfiling(page, () => lensAbove(page, 'function loadApp', 'Profile leaks'), 'ui');

  const frame = await reportFrame(page, /Processor/, 'ui');
  const names = await frame.locator('[data-testid="graph-node"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name') ?? e.textContent ?? ''));
  assert.ok(names.some((n) => n.includes('Processor')), `graph labels: ${names.join(' | ')}`);
  assert.ok(names.some((n) => n.includes('Map')), 'the Map behind instanceMap is in the graph');
  assert.ok((await frame.locator('[data-testid="graph-edge"][data-culprit="true"]').count()) >= 1, 'the culprit edge is highlighted');
  assert.match(await frame.locator('[data-testid="culprit"]').innerText(), /Processor\.instanceMap \(Map\) → value → Processor/);
  assert.match(await frame.locator('[data-testid="fix"]').innerText(), /WeakRef/);
  await screenshot(page, 'ui-2-report');

  // The lens now carries the verdict.
  await codeLenses(page, /leaks 1 Processor\/call/).first().waitFor({ state: 'visible', timeout: 30_000 });

  // Clicking the leaked Processor's node (it has a source location) reveals its constructor.
  const processorNode = frame.locator('[data-testid="graph-node"][data-name="Processor"]').first();
  await processorNode.click();
  const cursor = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
  const source = fs.readFileSync(path.join(REPO_ROOT, 'examples/registry/leaky.js'), 'utf8').split('\n');
  const classLine = source.findIndex((l) => l.startsWith('class Processor'));
  const expectedLine = source.findIndex((l, i) => i > classLine && l.trim().startsWith('constructor('));
  await page.waitForFunction(
    (want) =>
      Array.from((globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> } }).document.querySelectorAll('.statusbar-item')).some((e) =>
        (e.textContent ?? '').includes(`Ln ${want},`),
      ),
    expectedLine + 1,
    { timeout: 20_000 },
  ).catch(async () => {
    assert.fail(`the editor did not jump to line ${expectedLine + 1}; status bar says "${await cursor.innerText()}"`);
  });
  await screenshot(page, 'ui-3-revealed');
  await stopDebugging();
});

test('the "Profile function leaks" command: pick the function, leave the arguments empty, get the report', { timeout: 300_000 }, async (t) => {
  t.after(stopDebugging);
  await openFile(page, 'registry/leaky.js');
  await startDebugging();
  await page.waitForTimeout(2000);
  // Through the Command Palette by hand: the command opens its own quick pick at once, so
  // the palette's input does not go away as it does for other commands.
  await page.keyboard.press('Escape');
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('F1');
  const palette = page.locator('.quick-input-widget .quick-input-box input');
  await palette.waitFor({ state: 'visible', timeout: 20_000 });
  await palette.fill('>Leak Lens: Profile function leaks');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Profile function leaks' }).first().click();
  // The quick pick lists the file's functions and methods.
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'loadApp' }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  assert.ok((await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'handle' }).count()) >= 1, 'methods are listed too');
  await row.click();
  // The optional arguments prompt: accept it empty.
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.locator('.quick-input-widget', { hasText: 'Arguments for loadApp' }).waitFor({ state: 'visible', timeout: 20_000 });
  await input.press('Enter');
  const frame = await reportFrame(page, /loadApp leaks 1 Processor per call/, 'ui');
  assert.match(await frame.locator('[data-testid="summary"]').innerText(), /Processor\.instanceMap/);
});

test('heap strings with HTML and script payloads render as text and run nothing', { timeout: 300_000 }, async (t) => {
  t.after(stopDebugging);
  await openFile(page, 'payload.js');
  await startDebugging();
  await clickLensUntilProfiling(page, () => lensAbove(page, 'function addPayload', 'Profile leaks'), 'ui');
  const payload = '<script>window.__pwned=2</script>';
  const frame = await reportFrame(page, payload, 'ui');
  assert.ok((await frame.locator('body').innerText()).includes(payload), 'the payload is shown literally');
  const edgeLabels = await frame.locator('[data-testid="graph-edge"]').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  assert.ok(edgeLabels.some((t) => t.includes(payload)), `edge labels: ${edgeLabels.join(' | ')}`);
  assert.equal(await frame.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined, 'no payload ran');
  // (VS Code injects its own bridge script into the frame; none may carry the payload.)
  const scriptsWithPayload = await frame.locator('script').evaluateAll((els) => els.filter((e) => (e.textContent ?? '').includes('__pwned')).length);
  assert.equal(scriptsWithPayload, 0, 'no script element made from the payload');
  assert.equal(await frame.locator('img').count(), 0, 'no element made from the payload');
  await screenshot(page, 'ui-4-payload');
  await stopDebugging();
});

test('a .heapsnapshot clicked in the explorer opens in the snapshot editor: classes, a class\'s objects, the path from a root', { timeout: 300_000 }, async () => {
  // A real snapshot of the example after 8 loads: 8 Processors held by Processor.instanceMap.
  const file = path.join(workspace, 'registry-8-loads.heapsnapshot');
  const leaky = path.join(workspace, 'registry', 'leaky.js');
  const written = spawnSync(process.execPath, ['-e', `const app = require(${JSON.stringify(leaky)}); for (let i = 0; i < 8; i++) app.loadApp(); require('v8').writeHeapSnapshot(${JSON.stringify(file)});`], { encoding: 'utf8' });
  assert.equal(written.status, 0, written.stderr);

  await page.keyboard.press('Escape');
  await runCommand(page, 'View: Show Explorer');
  await runCommand(page, 'Refresh Explorer');
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'registry-8-loads.heapsnapshot' }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();

  // The custom editor, not the JSON text: its tab, its title-bar action, and its page.
  await page.locator('.tabs-container .tab.active', { hasText: 'registry-8-loads.heapsnapshot' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await page.locator('.editor-instance .monaco-editor .view-lines').count(), 0, 'no text editor shows the raw JSON');
  await page.locator('.editor-actions [aria-label*="Compare with"]').first().waitFor({ state: 'visible', timeout: 30_000 });
  const frame = await waitForWebview(page, { selector: '.ll-snap-table td.ll-class' }, 120_000);
  assert.match(await frame.locator('.ll-snap-totals').innerText(), /nodes/);
  const processorRow = frame.locator('.ll-snap-table tr.ll-row', { has: frame.locator('td.ll-class', { hasText: /^Processor$/ }) }).first();
  assert.equal((await processorRow.locator('td.num').first().innerText()).trim(), '8', 'the snapshot holds the 8 Processors');

  await processorRow.click();
  const objects = frame.locator('.ll-snap-object');
  await objects.first().waitFor({ state: 'visible', timeout: 60_000 });
  assert.equal(await objects.count(), 8);
  await objects.first().click();
  const pathSection = frame.locator('.ll-snap-path');
  await pathSection.locator('.ll-snap-steps').waitFor({ state: 'visible', timeout: 60_000 });
  assert.match(await pathSection.innerText(), /instanceMap/);
  await screenshot(page, 'ui-5-snapshot-editor');
});
