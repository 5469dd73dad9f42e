/**
 * Functions found by name through the runtime, without a heap snapshot: `Runtime.queryObjects`
 * lists every function (one GC and heap walk: about a second on a server-sized heap, where a
 * snapshot takes tens of seconds), the debuggee keeps those with the name, and each one's
 * `[[FunctionLocation]]` gives its script and line. Nothing is added to the debuggee; every
 * object stays in the session's group, released with the run.
 */
import { normalizeScriptLocation } from '../report/scriptLocation';
import type { InspectorSession, RemoteObject } from '../inspector/session';

export interface LiveFunction {
  object: RemoteObject;
  scriptId: number;
  /** 0-based, as V8 reports it: the start of the parameter list. */
  line: number;
  column: number;
  /** Undefined where the script's URL is not known (through js-debug). */
  url?: string;
}

/**
 * Reads own data properties only and skips native code, so no program code runs. Skips
 * bundlers' export getters, which return the function of the same name.
 */
const NAMED = `function (name, limit) {
  const out = [];
  const describe = Object.getOwnPropertyDescriptor;
  const source = Function.prototype.toString;
  for (let i = 0; i < this.length && out.length < limit; i++) {
    const f = this[i];
    let own;
    try { own = describe(f, 'name'); } catch { continue; }
    if (!own || own.value !== name) continue;
    let text;
    try { text = source.call(f); } catch { continue; }
    if (/\\{\\s*\\[native code\\]\\s*\\}$/.test(text)) continue;
    // A bundler's export getter (esbuild, so tsx: \`{ handle: () => handle }\`) carries the name too.
    const getter = /^\\(\\)\\s*=>\\s*([\\w$]+)$/.exec(text);
    if (getter && getter[1] === name) continue;
    out[out.length] = f;
  }
  return out;
}`;

/** The distinct names of the program's functions, for "did you mean". */
const NAMES = `function (limit) {
  const names = new Set();
  const describe = Object.getOwnPropertyDescriptor;
  const source = Function.prototype.toString;
  for (let i = 0; i < this.length && names.size < limit; i++) {
    let own;
    try { own = describe(this[i], 'name'); } catch { continue; }
    if (!own || typeof own.value !== 'string' || own.value === '') continue;
    try { if (/\\{\\s*\\[native code\\]\\s*\\}$/.test(source.call(this[i]))) continue; } catch { continue; }
    names.add(own.value);
  }
  return [...names];
}`;

const MAX_CANDIDATES = 64;

export class LiveFunctionIndex {
  private all: RemoteObject | undefined;

  constructor(private readonly session: InspectorSession) {}

  /** Live, non-native functions whose own name is `name`, with their locations. */
  async named(name: string): Promise<LiveFunction[]> {
    const all = await this.allFunctions();
    const list = await this.session.callOn(all.objectId as string, NAMED, [{ value: name }, { value: MAX_CANDIDATES }], {
      label: 'the function lookup',
      timeoutMs: 30_000,
    });
    const elements = await this.session.call<{ result: { name: string; value?: RemoteObject }[] }>('Runtime.getProperties', {
      objectId: list.objectId,
      ownProperties: true,
    });
    const found: LiveFunction[] = [];
    for (const e of elements.result) {
      if (!/^\d+$/.test(e.name) || !e.value?.objectId) continue;
      const where = await this.location(e.value);
      if (where) found.push({ object: e.value, ...where, url: await this.session.scriptUrl(where.scriptId) });
    }
    return found;
  }

  /** Up to three names of live functions close to `name` (edit distance), closest first. */
  async closestNames(name: string): Promise<string[]> {
    const all = await this.allFunctions();
    const names = await this.session.callOnValue<string[]>(all.objectId as string, NAMES, [{ value: 20_000 }], 30_000);
    const limit = Math.max(2, Math.floor(name.length / 3));
    return names
      .map((n) => ({ n, d: editDistance(name.toLowerCase(), n.toLowerCase()) }))
      .filter((x) => x.d <= limit)
      .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
      .slice(0, 3)
      .map((x) => x.n);
  }

  private async allFunctions(): Promise<RemoteObject> {
    if (this.all) return this.all;
    const prototype = await this.session.evaluate('Function.prototype');
    const r = await this.session.call<{ objects: RemoteObject }>('Runtime.queryObjects', {
      prototypeObjectId: prototype.objectId,
      objectGroup: this.session.objectGroup,
    }, 60_000);
    return (this.all = r.objects);
  }

  private async location(fn: RemoteObject): Promise<{ scriptId: number; line: number; column: number } | undefined> {
    const r = await this.session.call<{ internalProperties?: { name: string; value?: { value?: unknown } }[] }>('Runtime.getProperties', {
      objectId: fn.objectId,
      ownProperties: true,
    });
    const loc = r.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value as
      | { scriptId: string; lineNumber: number; columnNumber: number }
      | undefined;
    if (!loc) return undefined;
    return { scriptId: Number(loc.scriptId), line: loc.lineNumber, column: loc.columnNumber };
  }
}

/** Whether a live function's script is the file (a path or file:// URL). */
export function inFile(fn: LiveFunction, file: string): boolean {
  return fn.url !== undefined && normalizeScriptLocation(fn.url) === normalizeScriptLocation(file);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
