/** Text formatting for the CLI's human-readable output. */

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
