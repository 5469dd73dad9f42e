/**
 * Hardening of the extension's surfaces against heap text and workspace settings, the pure
 * parts (the real VS Code checks are in test/vscode/suite/hardening.test.ts and
 * test/vscode/uiHardening.test.ts):
 * - hovers: heap text in a markdown code block that no name can close;
 * - CodeLens titles and QuickPick labels: `$(icon)` syntax shown literally, by VS Code's own
 *   rendering rule (renderLabelWithIcons, copied below);
 * - which paths the panel opens and the inline notes read;
 * - numeric settings clamped to the ranges package.json declares.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { escapeIcons, labelText, markdownCodeBlock, messageText, oneLine } from '../src/vscode/inertText';
import { verdictTitle } from '../src/vscode/labels';
import { isInsideFolder, mayDecorate, revealDecision } from '../src/vscode/revealPolicy';
import { clampProfileOptions, clampSetting, SETTING_RANGES } from '../src/vscode/settingRanges';
import { DEFAULT_PROFILE_OPTIONS, type LeakFinding, type LeakReport } from '../src/report/types';
import { repoRoot } from './support/fixtures';

const EVIL_NAME = '\n```\n[click](https://evil.test) ![x](https://evil.test/x.png)';
/** Gets past VS Code's own appendCodeblock, which lengthens its fence only past runs that start a line. */
const EVIL_INDENTED = '\n```\n  ````\n[click](https://evil.test) ![x](https://evil.test/x.png)';

// --- markdown --------------------------------------------------------------------------------

/**
 * CommonMark's rule for a fenced block (spec 4.5): the block opened by the first line ends at
 * the first later line holding only a fence of the same character at least as long, indented
 * by up to three spaces. Returns the block's content and what follows it (rendered as markdown).
 */
function splitFencedBlock(markdown: string): { content: string; after: string } {
  const lines = markdown.split('\n');
  const open = /^ {0,3}(`{3,})[^`]*$/.exec(lines[0]);
  assert.ok(open, `not a fenced block: ${JSON.stringify(lines[0])}`);
  const fence = open[1].length;
  for (let i = 1; i < lines.length; i++) {
    const close = /^ {0,3}(`+)[ \t]*$/.exec(lines[i]);
    if (close && close[1].length >= fence) return { content: lines.slice(1, i).join('\n'), after: lines.slice(i + 1).join('\n') };
  }
  return { content: lines.slice(1).join('\n'), after: '' };
}

test('markdownCodeBlock: a name with a newline and a code fence cannot end the block', () => {
  for (const text of [
    `Retainer path:\n  Registry —${EVIL_NAME}→`,
    EVIL_NAME,
    `Retainer path:\n  Registry —${EVIL_INDENTED}→`,
    '````\n[a](https://evil.test)\n`````',
    '   ```\n![x](https://evil.test/x.png)',
    'plain text',
    '',
  ]) {
    const md = markdownCodeBlock(text);
    const { content, after } = splitFencedBlock(md);
    assert.equal(content, text, `the whole text is inside the block: ${JSON.stringify(md)}`);
    assert.equal(after.trim(), '', `nothing after the block renders as markdown: ${JSON.stringify(md)}`);
  }
});

test('oneLine: heap names lose their newlines and control characters, visibly', () => {
  assert.equal(oneLine('a\nb\r\u2028c'), 'a\\u000ab\\u000d\\u2028c');
  assert.ok(!/[\n\r]/.test(oneLine(EVIL_NAME)));
  assert.ok(oneLine(EVIL_NAME).includes('[click](https://evil.test)'), 'the rest is kept as it was');
});

// --- $(icon) syntax ----------------------------------------------------------------------------

/**
 * VS Code's renderLabelWithIcons (src/vs/base/browser/ui/iconLabel/iconLabels.ts, with
 * ThemeIcon.iconNameExpression and iconModifierExpression), which CodeLens titles and
 * QuickPick labels go through: the text shown, and the icons rendered.
 */
function renderLabelWithIcons(text: string): { shown: string; icons: string[] } {
  const re = /(\\)?\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g;
  let shown = '';
  const icons: string[] = [];
  let start = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    shown += text.substring(start, m.index);
    start = m.index + m[0].length;
    if (m[1]) shown += `$(${m[2]})`;
    else icons.push(m[2]);
  }
  return { shown: shown + text.substring(start), icons };
}

const ICON_NAMES = ['$(bug) icon', '{$(bug) icon}', '$(zap~spin)', 'a\\$(x)b', '$(alert)$(alert)', '$(not an icon)', '$()', 'costs $(5)', 'plain'];

test('labelText: $(icon) in heap names renders as the literal text, no icon', () => {
  assert.equal(escapeIcons('$(bug) icon'), '\\$(bug) icon');
  for (const name of ICON_NAMES) {
    const { shown, icons } = renderLabelWithIcons(labelText(name));
    assert.deepEqual(icons, [], `${name}: no icon`);
    assert.equal(shown, name, `${name}: shown as it is`);
  }
  const { shown } = renderLabelWithIcons(labelText(`x${EVIL_NAME}`));
  assert.equal(shown, oneLine(`x${EVIL_NAME}`), 'one line');
});

function leakReport(className: string): LeakReport {
  const finding: LeakFinding = {
    key: className,
    className,
    survivors: 7,
    countPerCall: 1,
    bytesPerCall: 56,
    retainedSize: 392,
    growth: 7,
    primary: true,
    refs: { min: 1, median: 1, max: 1, typical: 1 },
    examples: [],
    paths: [],
    holds: [],
  };
  return {
    version: 1,
    createdAt: new Date(0).toISOString(),
    target: { kind: 'attach', description: 'test' },
    function: { name: 'addEntry' },
    options: DEFAULT_PROFILE_OPTIONS,
    samples: [],
    slope: null,
    verdict: 'leak',
    summary: '',
    leaks: [finding],
    watch: [],
    noiseFiltered: 0,
    scripts: {},
    timings: { resolveMs: 0, callsMs: 0, snapshotMs: 0, analysisMs: 0, totalMs: 0 },
  };
}

test('CodeLens titles: a class named with $(icon) syntax shows literally', () => {
  const title = verdictTitle(leakReport('{$(bug) icon}'));
  assert.deepEqual(renderLabelWithIcons(title), { shown: 'Leak Lens: leaks 1 {$(bug) icon}/call · 1 ref', icons: [] });
  const multiline = verdictTitle(leakReport(`{${EVIL_NAME}}`));
  assert.ok(!multiline.includes('\n'), multiline);
});

test('messageText: no [label](https://…) link in a notification', () => {
  // VS Code's parseLinkedText (src/vs/base/common/linkedText.ts) for notification messages.
  const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
  const text = messageText(`Leak Lens: not opening /tmp/[click](https://evil.test)${EVIL_NAME}: no`);
  assert.equal(text.match(LINK), null, text);
  assert.ok(!text.includes('\n'));
});

// --- paths -------------------------------------------------------------------------------------

test('isInsideFolder: resolved paths, no prefix tricks, Windows without case', () => {
  assert.equal(isInsideFolder('/ws/app/a.js', '/ws'), true);
  assert.equal(isInsideFolder('/ws/app/../a.js', '/ws'), true);
  assert.equal(isInsideFolder('/ws/../etc/passwd', '/ws'), false);
  assert.equal(isInsideFolder('/ws2/a.js', '/ws'), false, 'a sibling with the folder as prefix');
  assert.equal(isInsideFolder('/ws', '/ws'), false, 'the folder itself is no file in it');
  assert.equal(isInsideFolder('/ws/..a.js', '/ws/'), true, 'a name that starts with ..');
  assert.equal(isInsideFolder('C:\\Work\\app\\a.js', 'c:\\work'), true);
  assert.equal(isInsideFolder('D:\\work\\a.js', 'C:\\work'), false);
  assert.equal(isInsideFolder('C:\\work\\a.js', '/work'), false);
  assert.equal(isInsideFolder('relative/a.js', '/ws'), false);
});

test('revealDecision: only the report\'s scripts; inside the workspace opens, outside asks', () => {
  const scripts = { '1': '/ws/app.js', '2': 'file:///ws/lib/util.js', '3': '/elsewhere/lib.js', '4': 'node:internal/main', '5': '//evil-host/share/x.js' };
  const folders = ['/ws'];
  assert.deepEqual(revealDecision('/ws/app.js', scripts, folders), { action: 'open', file: '/ws/app.js' });
  assert.deepEqual(revealDecision('file:///ws/lib/util.js', scripts, folders), { action: 'open', file: '/ws/lib/util.js' });
  assert.deepEqual(revealDecision('/elsewhere/lib.js', scripts, folders), { action: 'ask', file: '/elsewhere/lib.js' });
  assert.deepEqual(revealDecision('/elsewhere/lib.js', scripts, []), { action: 'ask', file: '/elsewhere/lib.js' }, 'no folder open');
  for (const url of ['/etc/passwd', '/ws/other.js', 'file:///ws/app.js']) {
    assert.equal(revealDecision(url, scripts, folders).action, 'refuse', `${url} is not among the report's scripts`);
  }
  assert.equal(revealDecision('/ws/app.js', undefined, folders).action, 'refuse', 'no report');
  for (const url of ['node:internal/main', '//evil-host/share/x.js']) assert.equal(revealDecision(url, scripts, folders).action, 'refuse', url);
  // A link inside the workspace to a file outside it: the real path decides.
  const viaLink = revealDecision('/ws/app.js', scripts, folders, (f) => (f === '/ws/app.js' ? '/etc/passwd' : f));
  assert.deepEqual(viaLink, { action: 'ask', file: '/etc/passwd' });
});

test('mayDecorate: notes read files inside the workspace, or documents already open', () => {
  assert.equal(mayDecorate('/ws/app.js', ['/ws'], []), true);
  assert.equal(mayDecorate('/elsewhere/lib.js', ['/ws'], []), false);
  assert.equal(mayDecorate('/elsewhere/lib.js', ['/ws'], ['/elsewhere/lib.js']), true);
  assert.equal(mayDecorate('/ws/../etc/passwd', ['/ws'], []), false);
});

// --- settings ----------------------------------------------------------------------------------

test('clampSetting: out of range, NaN, strings and fractions give usable values and a warning naming the setting', () => {
  const range = SETTING_RANGES.iterations;
  assert.deepEqual(clampSetting('iterations', 7, range, 7), { value: 7 });
  assert.deepEqual(clampSetting('iterations', undefined, range, 7), { value: 7 });
  const cases: [unknown, number][] = [
    [1e9, 101],
    [Infinity, 101],
    [1, 2],
    [-5, 2],
    [-Infinity, 2],
    [NaN, 7],
    ['1e9', 7],
    ['7', 7],
    [null, 7],
    [true, 7],
    [{ n: 5 }, 7],
    [[5], 7],
    [7.6, 8],
  ];
  for (const [raw, want] of cases) {
    const got = clampSetting('iterations', raw, range, 7);
    assert.equal(got.value, want, `${String(raw)} → ${want}`);
    assert.match(got.warning ?? '', /leakLens\.iterations/, `a warning for ${String(raw)}`);
  }
});

test('clampProfileOptions: every numeric setting has its range', () => {
  const huge = { iterations: 1e9, warmup: 1e9, callTimeoutMs: 1e12, maxDepth: 1e6, tooMany: 1e6 };
  const { options, warnings } = clampProfileOptions((name) => huge[name], DEFAULT_PROFILE_OPTIONS);
  assert.deepEqual(options, { ...DEFAULT_PROFILE_OPTIONS, iterations: 101, warmup: 100, callTimeoutMs: 600_000, maxDepth: 50, tooMany: 50 });
  assert.equal(warnings.length, 5);
  for (const name of Object.keys(huge)) assert.ok(warnings.some((w) => w.includes(`leakLens.${name} `)), `a warning names ${name}`);
  const low = clampProfileOptions(() => -1, DEFAULT_PROFILE_OPTIONS).options;
  assert.deepEqual(low, { ...DEFAULT_PROFILE_OPTIONS, iterations: 2, warmup: 0, callTimeoutMs: 100, maxDepth: 1, tooMany: 1 });
  const unset = clampProfileOptions(() => undefined, DEFAULT_PROFILE_OPTIONS);
  assert.deepEqual(unset, { options: DEFAULT_PROFILE_OPTIONS, warnings: [] });
});

test("package.json: every integer setting has a minimum and a maximum, the ranges settings.ts clamps to", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const properties: Record<string, { type: string; minimum?: number; maximum?: number; default?: number }> = pkg.contributes.configuration.properties;
  const integers = Object.entries(properties).filter(([, p]) => p.type === 'integer' || p.type === 'number');
  assert.deepEqual(integers.map(([k]) => k).sort(), Object.keys(SETTING_RANGES).map((k) => `leakLens.${k}`).sort());
  for (const [key, p] of integers) {
    const range = SETTING_RANGES[key.slice('leakLens.'.length) as keyof typeof SETTING_RANGES];
    assert.equal(typeof p.minimum, 'number', `${key} has a minimum`);
    assert.equal(typeof p.maximum, 'number', `${key} has a maximum`);
    assert.deepEqual({ min: p.minimum, max: p.maximum }, range, `${key}: package.json and settingRanges.ts agree`);
    assert.ok(p.default !== undefined && p.default >= range.min && p.default <= range.max, `${key}'s default is in range`);
  }
});
