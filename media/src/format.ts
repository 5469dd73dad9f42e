/** Text for the page: sizes, counts, references and source places. */
import type { LeakFinding, LeakReport, OriginalPosition, SourceLocation } from '../../src/report/types';
import { byteSeriesFormat, formatBytes, groupedHolds, refsText, shownHolds, signedBytes } from '../../src/report/format';

export { byteSeriesFormat, formatBytes, groupedHolds, refsText, shownHolds, signedBytes };

/** Per-call counts are often whole; when not, two decimals at most ("1.14"). */
export function formatPerCall(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

export interface Place {
  /** What the report's scripts table says: a file path or a URL. */
  url: string;
  /** 0-based. */
  line: number;
  column: number;
  /** "leaky.js:20" (1-based line). */
  label: string;
  /** The full "url:line:column". */
  title: string;
}

export function placeOf(report: LeakReport, location: SourceLocation | undefined): Place | null {
  if (!location) return null;
  // The file the user wrote, when the script has a source map.
  if (location.original) return originalPlace(location.original, '');
  const url = report.scripts?.[String(location.scriptId)];
  if (typeof url !== 'string' || url === '') return null;
  const line = Math.max(0, Math.floor(location.line));
  const column = Math.max(0, Math.floor(location.column));
  return { url, line, column, label: `${shortName(url)}:${line + 1}`, title: `${url}:${line + 1}:${column + 1}` };
}

/**
 * Where a finding is in the source: its class's location, or for objects without one (object
 * literals, arrays) the user's function that allocated them, when allocation tracking has it.
 */
export function findingPlace(report: LeakReport, finding: LeakFinding): Place | null {
  const own = placeOf(report, finding.location);
  if (own) return own;
  const a = finding.allocation;
  const frame = a && a.userFrames > 0 ? a.frames[0] : undefined;
  if (!frame || frame.line <= 0) return null;
  const fnName = frame.functionName || '(anonymous)';
  if (frame.original) return originalPlace(frame.original, `in ${fnName} `, `allocated in ${fnName}, defined at `);
  const url = report.scripts?.[String(frame.scriptId)] || frame.scriptName;
  if (typeof url !== 'string' || url === '') return null;
  const line = Math.max(0, Math.floor(frame.line) - 1);
  const column = Math.max(0, Math.floor(frame.column) - 1);
  const fn = frame.functionName || '(anonymous)';
  return {
    url,
    line,
    column,
    label: `in ${fn} (${shortName(url)}:${line + 1})`,
    title: `allocated in ${fn}, defined at ${url}:${line + 1}:${column + 1}`,
  };
}

/** A source map's position (1-based line, 0-based column) as a place; `label` and `title` prefix the text. */
export function originalPlace(o: OriginalPosition, label: string, title = ''): Place | null {
  if (typeof o.file !== 'string' || o.file === '') return null;
  const line = Math.max(0, Math.floor(o.line) - 1);
  const column = Math.max(0, Math.floor(o.column));
  const at = `${shortName(o.file)}:${line + 1}`;
  return { url: o.file, line, column, label: label ? `${label}(${at})` : at, title: `${title}${o.file}:${line + 1}:${column + 1}` };
}

/** The file name of a path or URL; Node's own modules keep their "node:" name. */
function shortName(url: string): string {
  if (url.startsWith('node:')) return url;
  const clean = url.replace(/[?#].*$/, '');
  const parts = clean.split(/[\\/]/).filter((p) => p !== '');
  return parts.length ? parts[parts.length - 1] : url;
}

/** Cuts long labels for the graph; the full text stays in titles and aria labels. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The unit for a byte axis from lo to hi: the largest in which the span is at least 0.05 units,
 * so ticks can be nice numbers in that unit (3,237.5 KB rather than 3.16 MB for every tick).
 */
export function byteUnit(lo: number, hi: number): { name: string; size: number } {
  const span = Math.max(1, hi - lo);
  const units = [
    { name: 'GB', size: 1024 ** 3 },
    { name: 'MB', size: 1024 ** 2 },
    { name: 'KB', size: 1024 },
  ];
  return units.find((u) => Math.max(Math.abs(lo), Math.abs(hi)) >= u.size && span / u.size >= 0.05) ?? { name: 'B', size: 1 };
}

/** Tick labels in one unit with as many decimals as the tick step (in that unit) needs. */
export function unitTickFormat(unit: { name: string; size: number }, step: number): (value: number) => string {
  const decimals = step > 0 ? Math.min(3, Math.max(0, -Math.floor(Math.log10(step) + 1e-9))) : 0;
  return (value) => `${value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })} ${unit.name}`;
}
