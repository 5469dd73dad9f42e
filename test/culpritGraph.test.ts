/**
 * The retainer graph's first view, the culprit path, on the report page the CLI writes for a
 * real profile run of examples/registry/leaky.js, in headless Chromium: few nodes, all in view
 * without panning, the culprit edge labelled with the fix; internals behind a toggle; nodes
 * open more retainers. Screenshot: test-artifacts/culprit-graph-dark.png (docs/images/culprit-graph.png).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { LeakFinding, LeakReport } from '../src/report/types';
import { PANEL_SCRIPT_PATH, PANEL_STYLE_PATH, standaloneHtml } from '../src/report/page';
import { validateReport } from '../src/report/validate';
import { culpritGraph, isInternalNode, shortFix } from '../media/src/culpritGraph';
import { repoRoot, runCli, testTempDir } from './support/fixtures';

const chromiumPath = process.env.LEAK_LENS_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'test-artifacts');
const skip = fs.existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium)`;

let browser: Browser | undefined;
let tempDir = '';
let report: LeakReport;
let pageFile = '';

/* The browser globals the page callbacks below use (this project's lib has no DOM). */
interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface PageElement {
  getBoundingClientRect(): Rect;
  getAttribute(name: string): string | null;
  textContent: string | null;
}
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): ArrayLike<PageElement> };

before(async () => {
  tempDir = testTempDir();
  pageFile = path.join(tempDir, 'leaky.html');
  const r = await runCli(['profile', path.join(repoRoot, 'examples/registry/leaky.js'), '--function', 'loadApp', '--json', '--html', pageFile]);
  assert.equal(r.code, 1, `a leak: ${r.stderr}`);
  report = validateReport(JSON.parse(r.stdout));
  if (skip) return;
  fs.mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
});

function primary(): LeakFinding {
  const leak = report.leaks.find((l) => l.primary && l.graph && l.culprit);
  assert.ok(leak, 'the run found a leak with a culprit and a graph');
  return leak;
}

async function open(file: string): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
  assert.ok(browser);
  const context = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`file://${file}`);
  await page.waitForSelector('[data-testid="graph-node"]');
  return { page, context, problems };
}

const shownNodes = (page: Page): Promise<number> => page.$$eval('[data-testid="graph-node"], [data-testid="more-node"]', (els) => els.length);

/** Nodes and culprit edges whose box is not inside the graph's visible area (the svg's box). */
function outsideView(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const svgBox = document.querySelector('.ll-graph-svg')?.getBoundingClientRect();
    if (!svgBox) return ['no graph'];
    const out: string[] = [];
    const items = document.querySelectorAll('[data-testid="graph-node"], [data-testid="more-node"], [data-testid="graph-edge"][data-culprit="true"]');
    for (let i = 0; i < items.length; i++) {
      const b = items[i].getBoundingClientRect();
      if (b.left < svgBox.left - 0.5 || b.top < svgBox.top - 0.5 || b.right > svgBox.right + 0.5 || b.bottom > svgBox.bottom + 0.5) {
        out.push(`${items[i].getAttribute('data-testid')} ${items[i].getAttribute('data-name') ?? items[i].getAttribute('data-id')}`);
      }
    }
    return out;
  });
}

test('the culprit view of the demo: root → holder → Map → samples and "N more", the V8 internals left out', () => {
  const leak = primary();
  const view = culpritGraph(leak, { internals: false, opened: new Set(), expanded: new Set(), tooMany: 3 });
  assert.ok(view);
  const real = view.nodes.flatMap((n) => (n.kind === 'node' ? [n.node] : []));
  assert.ok(view.nodes.length <= 30, `${view.nodes.length} nodes`);
  assert.deepEqual(
    real.filter((n) => isInternalNode(n)).map((n) => n.name),
    [],
    'no V8 internals',
  );
  // Every named object on the path is drawn, in the path's order of steps.
  const step = leak.paths[0].steps;
  for (const s of step) if (!isInternalNode({ name: s.to, type: s.toType })) assert.ok(real.some((n) => n.id === s.toId), `${s.to} is drawn`);
  assert.ok(real.some((n) => n.id === leak.culprit?.holderId), 'the holder is drawn');
  assert.equal(real.filter((n) => n.leaked).length, leak.graph?.starts?.length);
  const more = view.nodes.find((n) => n.kind === 'more' && n.leaked !== undefined);
  assert.equal(more?.kind === 'more' ? more.count : 0, leak.survivors - (leak.graph?.starts?.length ?? 0));
  const fixEdges = view.edges.filter((e) => e.fix);
  assert.equal(fixEdges.length, 1);
  assert.equal(fixEdges[0].from, `n${leak.culprit?.holderId}`);
  assert.ok(fixEdges[0].culprit);

  const all = culpritGraph(leak, { internals: true, opened: new Set(), expanded: new Set(), tooMany: 3 });
  assert.ok(all && all.nodes.length > view.nodes.length, 'internals add nodes');
  assert.ok(all.nodes.some((n) => n.kind === 'node' && isInternalNode(n.node)));
});

test('shortFix: the hint\'s first advice', () => {
  const leak = primary();
  const fix = shortFix(leak.fixHint ?? '');
  assert.ok(fix.length >= 8 && fix.length < (leak.fixHint ?? '').length / 2, fix);
  assert.ok((leak.fixHint ?? '').includes(fix), 'taken from the hint');
  assert.equal(shortFix('A timer is made per call. Keep the handle and clearInterval it when done.'), 'Keep the handle and clearInterval it when done');
  assert.equal(shortFix('One sentence only.'), 'One sentence only');
});

test('the first graph of the demo: at most 30 nodes, all in view without panning, the culprit edge labelled with the fix', { skip }, async () => {
  const leak = primary();
  const { page, context, problems } = await open(pageFile);
  try {
    const nodes = await shownNodes(page);
    assert.ok(nodes >= 6 && nodes <= 30, `${nodes} nodes`);
    assert.deepEqual(await outsideView(page), [], 'every node and the culprit edge inside the visible graph');
    // Not shrunk to a thumbnail: the path reads at a normal size.
    const scale = await page.evaluate(() => {
      const t = document.querySelector('.ll-viewport')?.getAttribute('transform') ?? '';
      return Number(/scale\(([\d.]+)\)/.exec(t)?.[1] ?? '1');
    });
    assert.ok(scale >= 0.6, `scale ${scale}`);

    const fixEdge = page.locator('[data-testid="graph-edge"][data-fix="true"]');
    assert.equal(await fixEdge.count(), 1);
    assert.equal(await fixEdge.getAttribute('data-culprit'), 'true');
    assert.equal(await fixEdge.getAttribute('data-from'), String(leak.culprit?.holderId));
    const fixText = (await fixEdge.locator('[data-testid="edge-fix"]').textContent()) ?? '';
    assert.match(fixText, /^Fix: /);
    assert.ok((leak.fixHint ?? '').includes(fixText.slice(5)), `"${fixText}" comes from the report's fix`);
    assert.ok(fixText.length > 12);
    assert.equal(await page.getAttribute('.ll-holder', 'data-id'), String(leak.culprit?.holderId));
    assert.ok((await page.locator('[data-testid="graph-node"].ll-root').count()) >= 1, 'the path starts at a GC root');
    const names = await page.$$eval('[data-testid="graph-node"]', (els) => els.map((e) => e.getAttribute('data-name') ?? ''));
    assert.deepEqual(
      names.filter((n) => n.startsWith('system / ') || /^\(.*\)$/.test(n)),
      [],
      'no V8 internals by default',
    );
    assert.equal(await page.locator('[data-testid="graph-node"].ll-leaked').count(), leak.graph?.starts?.length);
    assert.match((await page.textContent('[data-testid="more-node"][data-id="more-leaked"]')) ?? '', new RegExp(`\\+${leak.survivors - 3} more ${leak.className}`));
    assert.equal(await page.isChecked('[data-testid="graph-toggle-internals"]'), false);
    assert.equal(await page.isChecked('[data-testid="graph-toggle-culprit"]'), true);
    await page.locator('[data-testid="graph"]').screenshot({ path: path.join(artifacts, 'culprit-graph-dark.png') });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('V8 internals behind the toggle; a node\'s badge opens its retainers, "+N more" expands them', { skip }, async () => {
  const { page, context, problems } = await open(pageFile);
  try {
    const first = await shownNodes(page);
    await page.click('[data-testid="graph-toggle-internals"]');
    const withInternals = await shownNodes(page);
    assert.ok(withInternals > first, `internals show more nodes (${withInternals} > ${first})`);
    const names = await page.$$eval('[data-testid="graph-node"]', (els) => els.map((e) => e.getAttribute('data-name') ?? ''));
    assert.ok(names.some((n) => /^\(.*\)$/.test(n) || n.startsWith('system / ')), `internal nodes: ${names.join(', ')}`);
    await page.click('[data-testid="graph-toggle-internals"]');
    assert.equal(await shownNodes(page), first);

    // One retainer per node, so a node with more opens one and folds the rest into "+N more".
    await page.fill('input[name="tooMany"]', '1');
    await page.dispatchEvent('input[name="tooMany"]', 'change');
    // Leaves the field, whose own change event (on blur) would redraw the graph under a click.
    await page.click('button[data-action="fit"]');
    const badges = await page.$$eval('[data-testid="open-node"]', (els) =>
      els.map((e) => ({ target: e.getAttribute('data-target') ?? '', count: Number(e.getAttribute('data-count')) })),
    );
    const many = badges.find((b) => b.count >= 2);
    assert.ok(many, `a node with 2+ more retainers: ${JSON.stringify(badges)}`);
    await page.click(`[data-testid="open-node"][data-target="${many.target}"]`);
    const opened = await shownNodes(page);
    assert.ok(opened > first, `opening adds nodes (${opened} > ${first})`);
    assert.equal(await page.locator(`[data-testid="open-node"][data-target="${many.target}"]`).count(), 0, 'the badge is gone once open');
    const more = page.locator(`[data-testid="more-node"][data-target="${many.target}"][data-expandable="true"]`);
    assert.equal(await more.count(), 1, '"+N more" for the rest');
    await more.click();
    const expanded = await shownNodes(page);
    assert.ok(expanded > opened, `"+N more" expands (${expanded} > ${opened})`);
    assert.equal(await page.locator(`[data-testid="more-node"][data-target="${many.target}"][data-expandable="true"]`).count(), 0);
    assert.deepEqual(await outsideView(page), [], 'still fitted to the view');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('heap strings in the culprit view stay text', { skip }, async () => {
  const IMG = '<img src=x onerror=alert(1)>';
  const SCRIPT = '<script>window.__pwned=1</script>';
  const hostile = structuredClone(report);
  const leak = hostile.leaks.find((l) => l.primary && l.graph && l.culprit);
  assert.ok(leak?.graph && leak.culprit);
  leak.fixHint = `Bad. ${SCRIPT} — then more.`;
  for (const st of leak.paths[0].steps) {
    st.label = st.label ? IMG : st.label;
    st.to = IMG;
  }
  for (const n of leak.graph.nodes) if (n.id === leak.culprit.holderId) n.name = IMG;
  const file = path.join(tempDir, 'hostile.html');
  fs.writeFileSync(file, standaloneHtml(hostile, fs.readFileSync(path.join(repoRoot, PANEL_SCRIPT_PATH), 'utf8'), fs.readFileSync(path.join(repoRoot, PANEL_STYLE_PATH), 'utf8')));
  const { page, context, problems } = await open(file);
  try {
    assert.equal(await page.textContent('[data-testid="edge-fix"]'), `Fix: ${SCRIPT}`);
    assert.equal(await page.getAttribute('.ll-holder', 'data-name'), IMG);
    const labels = await page.$$eval('[data-testid="graph-edge"] .ll-edge-label', (els) => els.map((e) => e.textContent ?? ''));
    assert.ok(labels.includes(IMG), labels.join(' | '));
    const dom = await page.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      pwned: (globalThis as unknown as { __pwned?: unknown }).__pwned,
    }));
    assert.deepEqual(dom, { imgs: 0, scripts: 2, pwned: undefined });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
