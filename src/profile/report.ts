/**
 * LeakReport: the one plain, versioned, JSON-serializable result of a profile run — the only
 * thing the CLI and the VS Code views read. Validated when read back from a file.
 */
import type { LeakFinding } from '../heap/leaks';
import type { Slope } from './fit';

export const LEAK_REPORT_VERSION = 1;

export interface LeakReport {
  version: typeof LEAK_REPORT_VERSION;
  createdAt: string;
  target: { kind: 'launch' | 'attach' | 'snapshots'; description: string };
  function: { name: string; file?: string; line?: number; expression?: string } | null;
  options: ProfileOptions;
  /** Heap use after GC following each measured call (calls 1..2N). */
  samples: { call: number; usedBytes: number }[];
  slope: Slope | null;
  verdict: 'leak' | 'clean';
  /** One sentence a person can act on. */
  summary: string;
  leaks: LeakFinding[];
  watch: { className: string; survivors: number; growth: number }[];
  noiseFiltered: number;
  /** Script URLs by the snapshot's script ids, for source locations. */
  scripts: Record<string, string>;
  timings: { resolveMs: number; callsMs: number; snapshotMs: number; analysisMs: number; totalMs: number };
  snapshots?: { baseline: string; target: string; final: string };
}

export interface ProfileOptions {
  iterations: number;
  warmup: number;
  callTimeoutMs: number;
  maxDepth: number;
  tooMany: number;
}

export const DEFAULT_PROFILE_OPTIONS: ProfileOptions = {
  iterations: 7,
  warmup: 1,
  callTimeoutMs: 30_000,
  maxDepth: 10,
  tooMany: 3,
};

export class ReportFormatError extends Error {
  override readonly name = 'ReportFormatError';
}

/** Checks a parsed JSON value is a LeakReport this version can read; says what is wrong if not. */
export function validateReport(value: unknown): LeakReport {
  const fail = (what: string): never => {
    throw new ReportFormatError(`Not a Leak Lens report: ${what}`);
  };
  if (!isObject(value)) return fail('expected a JSON object');
  if (value.version !== LEAK_REPORT_VERSION) {
    return fail(`version ${String(value.version)} is not supported (expected ${LEAK_REPORT_VERSION})`);
  }
  if (value.verdict !== 'leak' && value.verdict !== 'clean') fail('"verdict" must be "leak" or "clean"');
  if (!Array.isArray(value.samples)) fail('"samples" must be an array');
  for (const s of value.samples as unknown[]) {
    if (!isObject(s) || typeof s.call !== 'number' || typeof s.usedBytes !== 'number') fail('a sample lacks call/usedBytes');
  }
  if (!Array.isArray(value.leaks)) fail('"leaks" must be an array');
  for (const l of value.leaks as unknown[]) {
    if (!isObject(l)) return fail('a leak is not an object');
    for (const k of ['className', 'countPerCall', 'bytesPerCall', 'retainedSize', 'survivors']) {
      if (!(k in l)) fail(`a leak lacks "${k}"`);
    }
    if (typeof l.className !== 'string') fail('a leak\'s className must be text');
    if (!Array.isArray(l.paths)) fail(`leak ${String(l.className)} lacks "paths"`);
    for (const p of l.paths as unknown[]) {
      if (!isObject(p) || !Array.isArray(p.steps) || typeof p.culprit !== 'number') fail(`a path of ${String(l.className)} is malformed`);
    }
    if (!isObject(l.refs) || typeof l.refs.min !== 'number') fail(`leak ${String(l.className)} lacks "refs"`);
    if (!Array.isArray(l.holds)) fail(`leak ${String(l.className)} lacks "holds"`);
    if (isObject(l.graph) && 'starts' in l.graph && !isNumberList(l.graph.starts)) {
      fail(`the graph of ${String(l.className)} has "starts" that are not node ids`);
    }
  }
  if (!isObject(value.target) || typeof value.target.description !== 'string') fail('"target" is missing');
  if (!isObject(value.scripts)) fail('"scripts" is missing');
  if (!isObject(value.options)) fail('"options" is missing');
  if (!isObject(value.timings)) fail('"timings" is missing');
  if (typeof value.summary !== 'string') fail('"summary" is missing');
  return value as unknown as LeakReport;
}

function isNumberList(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The verdict: each primary leak is confirmed on its own by the heap-use slope (heap use after
 * GC grows by at least a quarter of what the leak retains per call), so one large doubtful
 * class cannot hide a real small leak. Without a slope (saved snapshots) the class rule decides.
 */
export function decideVerdict(
  leaks: LeakFinding[],
  slope: Slope | null,
  options: { requireSlope: boolean } = { requireSlope: true },
): { verdict: 'leak' | 'clean'; confirmed: LeakFinding[] } {
  const primary = leaks.filter((l) => l.primary);
  const confirmed = options.requireSlope
    ? primary.filter((l) => slope !== null && slope.bytesPerCall > 0 && slope.bytesPerCall >= l.bytesPerCall * 0.25)
    : primary;
  return { verdict: confirmed.length > 0 ? 'leak' : 'clean', confirmed };
}
