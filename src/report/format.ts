/** Text formatting for the CLI's human-readable output. */
import type { GrowthCheck, LeakReport, UserCall } from './types';

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${bytes} B`;
  if (abs < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (abs < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** "+1.2 KB" / "−3.0 MB": a change in bytes. */
export function signedBytes(bytes: number): string {
  return `${bytes >= 0 ? '+' : '−'}${formatBytes(Math.abs(Math.round(bytes)))}`;
}

/** Byte resolutions, coarsest first: a unit and its decimals. */
const BYTE_STEPS = [
  { name: 'GB', size: 1024 ** 3, decimals: 1 },
  { name: 'GB', size: 1024 ** 3, decimals: 2 },
  { name: 'MB', size: 1024 ** 2, decimals: 1 },
  { name: 'MB', size: 1024 ** 2, decimals: 2 },
  { name: 'KB', size: 1024, decimals: 0 },
  { name: 'KB', size: 1024, decimals: 1 },
  { name: 'KB', size: 1024, decimals: 2 },
  { name: 'B', size: 1, decimals: 0 },
];

/**
 * A formatter for a series of byte values (a memory chart's samples) in one unit, fine enough
 * that the series' growth shows: its resolution is at most a fiftieth of the series' span
 * ("3,371.2 KB", "3,372.0 KB"… rather than "3.3 MB" on every row).
 */
export function byteSeriesFormat(values: readonly number[]): (bytes: number) => string {
  if (values.length === 0) return formatBytes;
  const top = Math.max(...values.map((v) => Math.abs(v)));
  const span = Math.max(...values) - Math.min(...values);
  if (span <= 0) return formatBytes;
  const fits = BYTE_STEPS.filter((u) => top >= u.size || u.size === 1);
  const step = fits.find((u) => u.size / 10 ** u.decimals <= span / 50) ?? BYTE_STEPS[BYTE_STEPS.length - 1];
  return (bytes) =>
    `${(bytes / step.size).toLocaleString('en-US', { minimumFractionDigits: step.decimals, maximumFractionDigits: step.decimals })} ${step.name}`;
}

/** "1" when every survivor has the same number of strong retainers, else "1–3 (mostly 1)". */
export function refsText(refs: { min: number; max: number; typical: number } | undefined): string {
  if (!refs) return '—';
  return refs.min === refs.max ? String(refs.min) : `${refs.min}–${refs.max} (mostly ${refs.typical})`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatMs(ms: number): string {
  return `${formatCount(Math.round(ms))} ms`;
}

/**
 * Lays out rows as aligned columns: the first `numeric` columns right-aligned (default: all
 * but the last), the rest left-aligned.
 */
export function table(header: string[], rows: string[][], numeric = header.length - 1): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < numeric ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => '  ' + l).join('\n');
}

/**
 * Heap strings are untrusted: keep control characters (escape sequences) and bidirectional
 * overrides ("Trojan Source") out of the terminal. `keepLines` leaves newlines and tabs, for
 * messages and stacks.
 */
export function printable(text: string, keepLines = false): string {
  // eslint-disable-next-line no-control-regex
  const unsafe = keepLines ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g : /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
  return text.replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON for the terminal: `JSON.stringify` escapes C0 controls but leaves C1 controls (U+0080–
 * U+009F, which some terminals obey as escape sequences), bidirectional overrides and line
 * separators raw. Those become \u escapes too: the same JSON value, safe to print.
 */
export function printableJson(value: unknown, space: number | string = 2): string {
  return JSON.stringify(value, null, space).replace(
    /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * What each leaked object holds, as listed: bound functions (an object's methods bound to it,
 * `this.onData = this.onData.bind(this)`) grouped into one entry when there are several, so a
 * listener per call reads as one listener and its object, not a dozen classes.
 */
export function groupedHolds(holds: readonly { className: string; countPerCall: number }[]): { className: string; countPerCall: number }[] {
  const bound = holds.filter((h) => /^bound .+\(\)$/.test(h.className));
  if (bound.length < 3) return [...holds];
  const names = bound.map((h) => h.className.replace(/^bound /, ''));
  const shown = names.length > 4 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');
  const count = Math.round(bound.reduce((sum, h) => sum + h.countPerCall, 0) * 100) / 100;
  return [...holds.filter((h) => !bound.includes(h)), { className: `bound functions (${shown})`, countPerCall: count }];
}

/** The holds worth a line: the first `max` (the biggest come first), and how many kinds are left. */
export function shownHolds(holds: readonly { className: string; countPerCall: number }[], max = 6): { shown: { className: string; countPerCall: number }[]; more: number } {
  const grouped = groupedHolds(holds);
  return { shown: grouped.slice(0, max), more: Math.max(0, grouped.length - max) };
}

/** What one run of the target is called in the report's text: an endpoint's are requests. */
export interface CallWords {
  one: 'call' | 'request';
  many: 'calls' | 'requests';
}

export function callWords(report: Pick<LeakReport, 'function'> | undefined): CallWords {
  return report?.function?.request ? { one: 'request', many: 'requests' } : { one: 'call', many: 'calls' };
}

/** "grew to 100, then flat for 56 calls: bounded, not a leak" and the like. */
export function growthText(c: GrowthCheck, words: CallWords = callWords(undefined)): string {
  const first = c.sizes[0];
  const last = c.sizes[c.sizes.length - 1];
  if (c.outcome === 'bounded') {
    const prev = c.sizes[c.sizes.length - 2];
    // Already full when the watch began (a cache the phases filled): no growth to tell of.
    if (first.size === last.size) return `stayed at ${last.size} from ${words.one} ${first.call} to ${words.one} ${last.call}: bounded, not a leak`;
    return `grew from ${first.size} to ${prev.size} by ${words.one} ${prev.call}, then flat for ${last.call - prev.call} ${words.many}: bounded, not a leak`;
  }
  if (c.outcome === 'grows') return `kept growing in every batch: ${c.sizes.map((s) => `${s.size} at ${words.one} ${s.call}`).join(', ')}`;
  return 'not checked further';
}

/** What the user's line does: "new Processor()", "makes a {key, history}", "calls use()". */
export function userCallText(call: Pick<UserCall, 'callee' | 'constructs'>): string {
  if (call.constructs && call.callee.startsWith('{')) return `makes a ${call.callee}`;
  return call.constructs ? `new ${call.callee}()` : `calls ${call.callee}()`;
}
