/**
 * Names a person reads: the words every surface prints for what the engine found. Articles ("an
 * Array"), the global object as `globalThis`, a module's variable by its name and file, bound
 * functions by their target (one listener per call is one), retainer paths in source terms with
 * the raw edges on request, chart rows that show the growth, no "each holds" under a string,
 * a place for object literals, and the program's own output marked apart from the report.
 * Real CLI runs on test/fixtures/wording, and unit checks of the helpers behind them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { LeakFinding, LeakReport, RetainerPath } from '../src/report/types';
import { validateReport } from '../src/report/validate';
import { byteSeriesFormat, callWords, formatBytes, groupedHolds, growthText, userCallText } from '../src/report/format';
import { pathLines } from '../src/report/pathText';
import { renderReport } from '../src/cli/renderReport';
import { MarkedLines } from '../src/cli/programOutput';
import { withArticle } from '../src/heap/names';
import { findingPlace } from '../media/src/format';
import { chromium } from 'playwright-core';
import { PANEL_SCRIPT_PATH, PANEL_STYLE_PATH, standaloneHtml } from '../src/report/page';
import { repoRoot, runCli, testTempDir } from './support/fixtures';

const wording = (f: string) => path.join(repoRoot, 'test/fixtures/wording', f);
/** The page the module-variable run writes (--html), for the page's own test. */
const pageFile = path.join(testTempDir(), 'wording-module-cache.html');
const chromiumPath = process.env.LEAK_LENS_CHROMIUM ?? '/usr/bin/chromium';
const noBrowser = fs.existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium)`;

/* The browser globals the page callbacks below use (this project's lib has no DOM). */
declare const document: { querySelectorAll(selector: string): { length: number } };
const readReport = (name: string): LeakReport =>
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'reports', name), 'utf8')) as LeakReport;

/** One run with --json: stdout must be the report and nothing else. */
async function profileJson(script: string, fn: string) {
  const r = await runCli(['profile', script, '--function', fn, '--json']);
  assert.ok(r.stdout.trim().startsWith('{'), `stdout is the report alone:\n${r.stdout.slice(0, 400)}\n${r.stderr}`);
  const report = validateReport(JSON.parse(r.stdout));
  return { ...r, report };
}

function topLeak(report: LeakReport): LeakFinding {
  const primary = report.leaks.filter((l) => l.primary);
  assert.ok(primary.length >= 1, `a primary leak in ${JSON.stringify(report.leaks.map((l) => l.className))}`);
  return primary[0];
}

/** The lines of the text report's first retainer path, without their indent. */
function pathSection(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('  Retainer path'));
  assert.ok(start >= 0, `a retainer path in:\n${text}`);
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('    ')) break;
    out.push(l.trim());
  }
  return out;
}

test('a/an: articles follow the sound of the word', () => {
  assert.equal(withArticle('Array'), 'an Array');
  assert.equal(withArticle('Object'), 'an Object');
  assert.equal(withArticle('EventEmitter'), 'an EventEmitter');
  assert.equal(withArticle('Map'), 'a Map');
  assert.equal(withArticle('WeakSet'), 'a WeakSet');
  assert.equal(withArticle('promise'), 'a promise');
  assert.equal(withArticle('Uint8Array'), 'a Uint8Array');
  assert.equal(withArticle('URL'), 'a URL');
  assert.equal(withArticle('HTTPParser'), 'an HTTPParser');
  assert.equal(withArticle('(internal array)'), 'an (internal array)');
  assert.equal(withArticle('{id, name}'), 'an object {id, name}');
});

test('a property of the global object reads globalThis.x, and the path reads in source terms', async () => {
  const r = await profileJson(wording('globalStore.js'), 'schedule');
  assert.equal(r.code, 1, r.stderr);
  const top = topLeak(r.report);
  assert.equal(top.className, 'Task');
  assert.equal(top.culprit?.text, 'globalThis.scheduledTasks (Map) → value → Task');
  assert.equal(top.culprit?.where, 'globalThis.scheduledTasks');
  assert.match(top.fixHint ?? '', /^globalThis\.scheduledTasks is a Map that gains an entry/);
  // The raw edges stay in the JSON, next to each step's label.
  const steps = top.paths[0].steps;
  assert.ok(steps.some((st) => st.edgeType === 'property' && st.edgeName === 'scheduledTasks'));
  assert.ok(steps.some((st) => st.label === 'globalThis.scheduledTasks'));

  const text = await runCli(['profile', wording('globalStore.js'), '--function', 'schedule']);
  assert.equal(text.code, 1, text.stderr);
  assert.deepEqual(pathSection(text.stdout), ['globalThis.scheduledTasks   ◀ culprit', '→ Map → value   ◀ grows on every call', '→ Task']);
  assert.doesNotMatch(text.stdout, /\(synthetic\)|—shortcut|global \/ |system \/ Context/);
  assert.match(text.stdout, /Culprit: globalThis\.scheduledTasks \(Map\) → value → Task/);

  // The snapshot's own edges on request.
  const raw = await runCli(['profile', wording('globalStore.js'), '--function', 'schedule', '--raw-paths']);
  assert.equal(raw.code, 1, raw.stderr);
  const rawPath = pathSection(raw.stdout);
  assert.ok(rawPath.some((l) => /—property scheduledTasks→\s+◀ culprit$/.test(l)), rawPath.join('\n'));
  assert.ok(rawPath.some((l) => /^Map —internal table→\s+◀ grows on every call$/.test(l)), rawPath.join('\n'));
});

test('a module-level variable in another file is named by its variable, its file and "module variable"', async () => {
  const r = await profileJson(wording('moduleCache.js'), 'cacheRequest');
  assert.equal(r.code, 1, r.stderr);
  const top = topLeak(r.report);
  assert.equal(top.className, 'Entry');
  assert.equal(top.culprit?.where, 'entries in lib/cache.js (module variable)');
  assert.equal(top.culprit?.text, 'entries in lib/cache.js (module variable, Array) → [i] → Entry');
  assert.match(top.fixHint ?? '', /^entries in lib\/cache\.js \(module variable\) is an Array that gains/);
  assert.match(r.report.summary, /held by entries in lib\/cache\.js \(module variable, Array\)/);
  // The graph names the scope, not "system / Context".
  const names = top.graph?.nodes.map((n) => n.name) ?? [];
  assert.ok(names.includes('lib/cache.js (module scope)'), names.join(', '));
  assert.ok(!names.includes('system / Context'), names.join(', '));

  const text = await runCli(['profile', wording('moduleCache.js'), '--function', 'cacheRequest', '--html', pageFile]);
  assert.equal(text.code, 1, text.stderr);
  const lines = pathSection(text.stdout);
  assert.ok(lines.includes('→ entries in lib/cache.js (module variable)   ◀ culprit'), lines.join('\n'));
  // The way in passes the function that holds the scope: "remember()", then its module's variable.
  assert.ok(lines.indexOf('→ remember()') >= 0 && lines.indexOf('→ remember()') === lines.indexOf('→ entries in lib/cache.js (module variable)   ◀ culprit') - 1, lines.join('\n'));
  assert.ok(lines.some((l) => /^→ Array\[\d+\]   ◀ grows on every call$/.test(l)), lines.join('\n'));
  assert.equal(lines[lines.length - 1], '→ Entry');
  assert.ok(!lines.some((l) => /—|system \/ |\(synthetic\)/.test(l)), lines.join('\n'));

  // The chart's rows show the growth: the values differ from row to row, with the change.
  const rows = text.stdout.split('\n').filter((l) => /^ {2}call +\d+ /.test(l));
  assert.equal(rows.length, r.report.samples.length);
  const values = rows.map((l) => /^ {2}call +\d+ +(\S+ [KMG]?B)/.exec(l)?.[1]);
  assert.ok(new Set(values).size >= rows.length - 3, `rows tell the samples apart:\n${rows.join('\n')}`);
  assert.ok(rows.slice(1).every((l) => /[+−]\d[\d.,]* [KMG]?B/.test(l)), `each row after the first gives its change:\n${rows.join('\n')}`);
});

test('a bound listener per call is one "bound handle()" per call; the program\'s output is marked, --json stays pure', async () => {
  const r = await profileJson(wording('boundListener.js'), 'subscribe');
  assert.equal(r.code, 1, r.stderr);
  const top = topLeak(r.report);
  assert.equal(top.className, 'bound handle()');
  assert.equal(top.countPerCall, 1);
  assert.equal(top.culprit?.kind, 'listeners');
  assert.match(top.culprit?.text ?? '', /listeners for "x" .* → bound handle\(\)$/);
  // The Handler's own bound methods are held by it, not more listeners.
  assert.ok(!r.report.leaks.some((l) => l.className === 'native_bind()'), JSON.stringify(r.report.leaks.map((l) => l.className)));
  assert.ok(r.report.leaks.filter((l) => l.primary && l.className.startsWith('bound ')).length === 1);
  assert.ok(top.holds.some((h) => h.className === 'Handler' && h.countPerCall === 1));
  assert.ok(top.holds.some((h) => h.className === 'bound open()'));
  // The program printed to stdout and stderr: marked lines on our stderr, nothing on stdout.
  assert.match(r.stderr, /^\[boundListener\.js\] subscribed 0$/m);
  assert.match(r.stderr, /^\[boundListener\.js\] note 0$/m);
  assert.doesNotMatch(r.stderr, /^subscribed \d+$/m);
  assert.ok(!r.stdout.includes('subscribed'));

  const text = await runCli(['profile', wording('boundListener.js'), '--function', 'subscribe']);
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /^LEAK bound handle\(\): 1\/call/m);
  assert.match(text.stdout, /each holds: .*1 Handler.*10 bound functions \(/);
  assert.ok(!text.stdout.includes('subscribed'), 'the program\'s lines stay out of the report');
  assert.match(text.stderr, /^\[boundListener\.js\] subscribed 14$/m);
});

test('growth check and user line wording: a cache already full stayed, one that filled grew; literals are made, classes new, functions called', () => {
  const full = growthText({ outcome: 'bounded', sizes: [{ call: 15, size: 10 }, { call: 30, size: 10 }] });
  assert.equal(full, 'stayed at 10 from call 15 to call 30: bounded, not a leak');
  const filled = growthText({ outcome: 'bounded', sizes: [{ call: 15, size: 15 }, { call: 120, size: 100 }, { call: 215, size: 100 }] }, callWords({ function: { name: 'GET /x', request: { method: 'GET', url: 'http://127.0.0.1:1/x' } } }));
  assert.equal(filled, 'grew from 15 to 100 by request 120, then flat for 95 requests: bounded, not a leak');
  assert.equal(userCallText({ callee: '{key, history}', constructs: true }), 'makes a {key, history}');
  assert.equal(userCallText({ callee: 'Processor', constructs: true }), 'new Processor()');
  assert.equal(userCallText({ callee: 'use', constructs: false }), 'calls use()');
});

test('memory chart rows: one unit, fine enough to tell 3.1 MB samples apart', () => {
  const samples = Array.from({ length: 14 }, (_, i) => 3.1 * 1024 * 1024 + i * 700);
  assert.equal(new Set(samples.map(formatBytes)).size, 1, 'the plain format shows 3.1 MB on every row');
  const format = byteSeriesFormat(samples);
  assert.equal(new Set(samples.map(format)).size, 14);
  assert.equal(format(samples[0]), '3,174.4 KB');
  // A wide span keeps a coarse unit.
  assert.deepEqual([21_800, 39_000, 284_000].map(byteSeriesFormat([21_800, 39_000, 284_000])), ['21 KB', '38 KB', '277 KB']);
  // Text rows: the value and the change since the first sample.
  const report = structuredClone(readReport('registry-leak.json'));
  report.samples = samples.map((usedBytes, i) => ({ call: i + 1, usedBytes }));
  const rows = renderReport(report).split('\n').filter((l) => /^ {2}call +\d+ /.test(l));
  assert.equal(rows.length, 14);
  assert.match(rows[0], /^ {2}call +1 +3,174\.4 KB +█$/);
  assert.match(rows[13], /^ {2}call +14 +3,183\.3 KB +\+8\.9 KB +█+$/);
});

test('no "each holds" under a string; bound functions held by one object are grouped', () => {
  const report = structuredClone(readReport('registry-leak.json'));
  const string = report.leaks.find((l) => l.className === '(concatenated string)');
  assert.ok(string);
  string.primary = true;
  string.holds = [{ className: '(string)', countPerCall: 2 }];
  const text = renderReport(report);
  const block = text.slice(text.indexOf('LEAK (concatenated string)'));
  assert.ok(block.startsWith('LEAK (concatenated string)'), text);
  assert.doesNotMatch(block.split('\n\n')[0], /each holds/);
  assert.match(text, /LEAK Processor: .*\n {2}each holds: /);

  const grouped = groupedHolds([
    { className: 'Handler', countPerCall: 1 },
    { className: 'bound a()', countPerCall: 1 },
    { className: 'bound b()', countPerCall: 1 },
    { className: 'bound c()', countPerCall: 1 },
  ]);
  assert.deepEqual(grouped, [
    { className: 'Handler', countPerCall: 1 },
    { className: 'bound functions (a(), b(), c())', countPerCall: 3 },
  ]);
});

test('paths in source terms: folded steps join the next line, marks follow them; old reports show raw edges', () => {
  const step = (from: string, edgeType: string, edgeName: string, label?: string) => ({
    fromId: 1,
    from,
    fromType: 'object',
    edgeType,
    edgeName,
    toId: 2,
    to: '',
    toType: 'object',
    fromOld: true,
    ...(label === undefined ? {} : { label }),
  });
  const path: RetainerPath = {
    steps: [
      step('(synthetic)', 'shortcut', '2', ''),
      step('global / ', 'property', 'registry', 'globalThis.registry'),
      step('Map', 'internal', 'table', ''),
      step('(array)', 'internal', '15', 'Map → value'),
    ],
    count: 1,
    culprit: 2,
    holder: 1,
  };
  const lines = pathLines(path);
  assert.deepEqual(
    lines.map((l) => [l.text, l.mark]),
    [
      ['globalThis.registry', 'culprit'],
      ['Map → value', 'grows'],
    ],
  );
  assert.equal(lines[1].raw, 'Map —internal table→, (array) —internal 15→');
  // Raw on request, and for reports made before labels.
  assert.equal(pathLines(path, true)[1].text, 'global /  —property registry→');
  const old: RetainerPath = { ...path, steps: path.steps.map(({ label: _label, ...rest }) => rest) };
  assert.equal(pathLines(old).length, 4);
});

test('the program\'s lines are marked whole, across chunks', () => {
  const written: string[] = [];
  const out = { write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
  const lines = new MarkedLines(out, '[app.js] ');
  lines.write('listening on ');
  lines.write('3000\nready\npart');
  lines.flush();
  assert.equal(written.join(''), '[app.js] listening on 3000\n[app.js] ready\n[app.js] part\n');
});

test('an object literal without a class location is placed at the user function that allocated it', () => {
  const report = structuredClone(readReport('registry-leak.json'));
  const literal = report.leaks.find((l) => l.className === '{path, bytes}');
  assert.ok(literal && !literal.location);
  literal.allocation = {
    frames: [
      { functionName: 'ResourceLoader', scriptName: '/work/app/leaky.js', scriptId: 102, line: 7, column: 14, depth: 0 },
      { functionName: 'loadApp', scriptName: '/work/app/leaky.js', scriptId: 102, line: 33, column: 17, depth: 2 },
    ],
    userFrames: 2,
    count: 7,
    traced: 7,
    of: 7,
  };
  const place = findingPlace(report, literal);
  assert.ok(place);
  assert.equal(place.label, 'in ResourceLoader (leaky.js:7)');
  assert.equal(place.line, 6);
  // Without allocation stacks there is still no place.
  delete literal.allocation;
  assert.equal(findingPlace(report, literal), null);
});

test('the page: the path in source terms (raw edges in titles), chart points with their change, scopes named in the graph', { skip: noBrowser }, async () => {
  assert.ok(fs.existsSync(pageFile), 'the module-variable run wrote its page');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`file://${pageFile}`);
    await page.waitForSelector('[data-testid="graph-node"]');
    const steps = await page.$$eval('.ll-path li', (els) =>
      els.map((e) => ({ text: e.querySelector('.ll-step-node')?.textContent ?? '', title: e.querySelector('.ll-step-node')?.getAttribute('title') ?? '', culprit: e.querySelector('.ll-mark-culprit') !== null })),
    );
    const holder = steps.find((st) => st.culprit);
    assert.equal(holder?.text, 'entries in lib/cache.js (module variable)', JSON.stringify(steps));
    assert.match(holder?.title ?? '', /—context entries→/);
    assert.equal(steps[steps.length - 1].text, 'Entry');
    const points = await page.$$eval('[data-testid="chart"] circle title', (els) => els.map((e) => e.textContent ?? ''));
    assert.ok(points.length > 5);
    assert.ok(new Set(points.map((p) => p.replace(/^call \d+: /, ''))).size >= points.length - 3, points.join('\n'));
    assert.match(points[points.length - 1], /\(\+[\d.,]+ [KMG]?B since call \d+\)$/);
    const nodes = await page.$$eval('[data-testid="graph-node"]', (els) => els.map((e) => e.getAttribute('data-name')));
    assert.ok(nodes.includes('lib/cache.js (module scope)'), nodes.join(', '));
  } finally {
    await browser.close();
  }
});

test('the page shows path labels as text: markup in a label stays inert', { skip: noBrowser }, async () => {
  const IMG = '<img src=x onerror=alert(1)>';
  const report = structuredClone(readReport('registry-leak.json'));
  const leak = report.leaks[0];
  leak.paths[0].steps.forEach((st, i) => (st.label = i === 0 ? '' : `${IMG}${i}`));
  const script = fs.readFileSync(path.join(repoRoot, PANEL_SCRIPT_PATH), 'utf8');
  const css = fs.readFileSync(path.join(repoRoot, PANEL_STYLE_PATH), 'utf8');
  const file = path.join(testTempDir(), 'wording-hostile-labels.html');
  fs.writeFileSync(file, standaloneHtml(report, script, css));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    await page.waitForSelector('.ll-path li', { state: 'attached' });
    const texts = await page.$$eval('.ll-path li .ll-step-node', (els) => els.map((e) => e.textContent));
    assert.equal(texts[0], `${IMG}1`);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0);
  } finally {
    await browser.close();
  }
});
