/** Reading a report back from a file: checked field by field, with a message that says what is wrong. */
import { LEAK_REPORT_VERSION, type LeakReport } from './types';

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
    for (const field of ['userCall', 'storedAt'] as const) {
      const call = (l as Record<string, Record<string, unknown> | undefined>)[field];
      if (call !== undefined && !(typeof call === 'object' && call !== null && Number.isInteger(call.line) && Number.isInteger(call.scriptId) &&
          typeof call.scriptName === 'string' && typeof call.callee === 'string' && typeof call.constructs === 'boolean')) {
        fail(`the ${field === 'userCall' ? 'user call' : 'storing line'} of ${String(l.className)} is malformed`);
      }
    }
    if ('allocation' in l && l.allocation !== undefined && !isAllocation(l.allocation)) {
      fail(`the allocation site of ${String(l.className)} is malformed`);
    }
    if (!originalsValid(l)) fail(`a source-mapped position of ${String(l.className)} is malformed`);
    if (isObject(l.graph) && 'starts' in l.graph && !isNumberList(l.graph.starts)) {
      fail(`the graph of ${String(l.className)} has "starts" that are not node ids`);
    }
  }
  if (!isObject(value.target) || typeof value.target.description !== 'string') fail('"target" is missing');
  // Reports of functions have no "request"; an endpoint's names its method and URL.
  const request = isObject(value.function) ? value.function.request : undefined;
  if (request !== undefined && !(isObject(request) && typeof request.method === 'string' && typeof request.url === 'string')) {
    fail('the request of "function" must have a method and a url');
  }
  if (!isObject(value.scripts)) fail('"scripts" is missing');
  if (!isObject(value.options)) fail('"options" is missing');
  if (!isObject(value.timings)) fail('"timings" is missing');
  if (typeof value.summary !== 'string') fail('"summary" is missing');
  // Reports made before "runtimeHeld" existed lack it.
  if ('runtimeHeld' in value && value.runtimeHeld !== undefined) {
    if (!Array.isArray(value.runtimeHeld)) fail('"runtimeHeld" must be an array');
    for (const h of value.runtimeHeld as unknown[]) {
      if (!isRuntimeHeld(h)) fail('an entry of "runtimeHeld" is malformed');
    }
  }
  if ('comparison' in value && value.comparison !== undefined) {
    const problem = comparisonProblem(value.comparison);
    if (problem) fail(`"comparison" ${problem}`);
  }
  return value as unknown as LeakReport;
}

/** What is wrong with a report's comparison (src/report/compareRuns.ts), or '' when nothing is. */
function comparisonProblem(v: unknown): string {
  if (!isObject(v)) return 'must be an object';
  if (typeof v.summary !== 'string') return 'lacks its "summary" text';
  if (!Array.isArray(v.classes) || !v.classes.every((c) => isObject(c) && typeof c.className === 'string' && typeof c.before === 'number' && typeof c.after === 'number')) {
    return 'has "classes" without a className and before/after counts';
  }
  const p = v.previous;
  if (!isObject(p)) return 'lacks the "previous" run';
  if (p.verdict !== 'leak' && p.verdict !== 'clean') return 'has a previous verdict that is not "leak" or "clean"';
  if (typeof p.createdAt !== 'string' || typeof p.summary !== 'string') return 'has a previous run without its time or summary';
  if (!Array.isArray(p.samples) || !p.samples.every((s) => isObject(s) && typeof s.call === 'number' && typeof s.usedBytes === 'number')) {
    return 'has previous samples without call/usedBytes';
  }
  if (p.snapshots !== 1 && p.snapshots !== 3) return 'has a previous "snapshots" that is not 1 or 3';
  if (p.slope !== null && !(isObject(p.slope) && typeof p.slope.bytesPerCall === 'number' && typeof p.slope.r2 === 'number')) return 'has a malformed previous slope';
  if (!isObject(p.target) || typeof p.target.description !== 'string') return 'has a previous run without its target';
  return '';
}

/** Loosely: the counts are numbers and each frame has text names and a numeric position. */
function isAllocation(v: unknown): boolean {
  if (!isObject(v) || !Array.isArray(v.frames)) return false;
  if (!['userFrames', 'count', 'traced', 'of'].every((k) => typeof v[k] === 'number')) return false;
  return v.frames.every(
    (f) => isObject(f) && typeof f.functionName === 'string' && typeof f.scriptName === 'string' && typeof f.line === 'number' && typeof f.column === 'number',
  );
}

const RUNTIME_REASONS = ['jit', 'console', 'debugger'];

/** A class held by the runtime: its name, counts, why (one of the reasons) and the path's text. */
function isRuntimeHeld(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v.className === 'string' &&
    ['count', 'countPerCall', 'retainedSize'].every((k) => typeof v[k] === 'number') &&
    RUNTIME_REASONS.includes(v.reason as string) &&
    typeof v.via === 'string' &&
    typeof v.note === 'string'
  );
}

/**
 * Each `original` (a source map's position) that a leak's locations carry: a file name, a
 * line from 1 and a column from 0. Reports made before it existed, and positions without a
 * map, have none.
 */
function originalsValid(l: Record<string, unknown>): boolean {
  const carriers: unknown[] = [l.location, l.userCall, l.storedAt];
  if (isObject(l.culprit)) carriers.push(l.culprit.holderLocation);
  if (isObject(l.graph) && Array.isArray(l.graph.nodes)) for (const n of l.graph.nodes) if (isObject(n)) carriers.push(n.location);
  if (isObject(l.allocation) && Array.isArray(l.allocation.frames)) carriers.push(...l.allocation.frames);
  return carriers.every((c) => !isObject(c) || c.original === undefined || isOriginal(c.original));
}

function isOriginal(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v.file === 'string' &&
    v.file !== '' &&
    Number.isInteger(v.line) &&
    (v.line as number) >= 1 &&
    Number.isInteger(v.column) &&
    (v.column as number) >= 0
  );
}

function isNumberList(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
