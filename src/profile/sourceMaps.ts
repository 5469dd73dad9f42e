/**
 * Source maps of the debuggee's scripts, both ways: a position in a running script to the
 * line the user wrote (a .ts file), and a .ts file to the scripts whose maps name it. A script
 * names its map in its `sourceMappingURL` (inline as a data: URL, or a file beside it), which
 * `Debugger.scriptParsed` reports; through js-debug the script's own source is read instead.
 *
 * A map is untrusted input (it comes with the program): one that cannot be read or parsed is
 * treated as absent, so every position stays the running script's.
 */
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { InspectorSession } from '../inspector/session';
import type { LeakFinding, OriginalPosition, SourceLocation } from '../report/types';
import { normalizeScriptLocation } from '../report/scriptLocation';

/** Larger maps are left alone: reading them would cost more than the run. */
const MAX_MAP_BYTES = 64 * 2 ** 20;

/** The last `sourceMappingURL` comment of a script's source. */
const MAP_COMMENT = /[#@]\s*sourceMappingURL=([^\s'"]+)\s*(?:\*\/\s*)?$/;

interface LoadedMap {
  map: TraceMap;
  /** The map's sources, normalized (normalizeScriptLocation), in the map's order. */
  sources: string[];
}

export class SourceMaps {
  private readonly maps = new Map<number, Promise<LoadedMap | undefined>>();

  constructor(private readonly session: InspectorSession) {}

  /**
   * The original position of a 0-based `line` and `column` in script `scriptId` (whose URL or
   * path is `scriptUrl`); undefined without a usable map or a mapping there.
   */
  async original(scriptId: number, scriptUrl: string | undefined, line: number, column: number): Promise<OriginalPosition | undefined> {
    const loaded = await this.mapOf(scriptId, scriptUrl);
    return loaded ? originalIn(loaded, line, column) : undefined;
  }

  /** Whether the script's map names `file` (a path or file:// URL) among its sources. */
  async namesFile(scriptId: number, scriptUrl: string | undefined, file: string): Promise<boolean> {
    const loaded = await this.mapOf(scriptId, scriptUrl);
    return loaded !== undefined && loaded.sources.includes(normalizeScriptLocation(file));
  }

  /** The one file the script was compiled from (a path, or the map's name for it); undefined for a bundle or without a map. */
  async onlySource(scriptId: number, scriptUrl: string | undefined): Promise<string | undefined> {
    const loaded = await this.mapOf(scriptId, scriptUrl);
    const source = loaded?.map.resolvedSources;
    return source && source.length === 1 && source[0] ? sourceName(source[0]) : undefined;
  }

  /** Whether the script has a usable map at all. */
  async has(scriptId: number, scriptUrl: string | undefined): Promise<boolean> {
    return (await this.mapOf(scriptId, scriptUrl)) !== undefined;
  }

  private mapOf(scriptId: number, scriptUrl: string | undefined): Promise<LoadedMap | undefined> {
    let p = this.maps.get(scriptId);
    if (!p) {
      p = this.load(scriptId, scriptUrl).catch(() => undefined);
      this.maps.set(scriptId, p);
    }
    return p;
  }

  private async load(scriptId: number, scriptUrl: string | undefined): Promise<LoadedMap | undefined> {
    if (!scriptUrl || isRuntimeScript(scriptUrl)) return undefined;
    let mapUrl = await this.session.scriptSourceMapUrl(scriptId);
    if (mapUrl === undefined && this.session.viaJsDebug) {
      const source = await this.session.scriptSource(scriptId);
      mapUrl = source === undefined ? undefined : MAP_COMMENT.exec(source.slice(-MAX_COMMENT_TAIL))?.[1];
    }
    if (!mapUrl) return undefined;
    const scriptFileUrl = asFileUrl(scriptUrl);
    if (!scriptFileUrl) return undefined;
    const text = await readMapText(mapUrl, scriptFileUrl);
    if (text === undefined) return undefined;
    const base = mapUrl.startsWith('data:') ? scriptFileUrl : new URL(mapUrl, scriptFileUrl).href;
    const map = new TraceMap(JSON.parse(text) as ConstructorParameters<typeof TraceMap>[0], base);
    // Decoding is lazy: touch the mappings now, so a broken map fails here, once.
    originalPositionFor(map, { line: 1, column: 0 });
    return { map, sources: map.resolvedSources.map((s) => normalizeScriptLocation(s ?? '')) };
  }
}

/** A source's name as a path when it is a local file, else as the map gives it. */
function sourceName(source: string): string {
  if (!source.startsWith('file:')) return source;
  try {
    return fileURLToPath(source);
  } catch {
    return source;
  }
}

function originalIn(loaded: LoadedMap, line: number, column: number): OriginalPosition | undefined {
  try {
    for (const bias of [GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND] as const) {
      const o = originalPositionFor(loaded.map, { line: line + 1, column: Math.max(0, column), bias });
      if (o.source !== null && o.line !== null && o.line >= 1) {
        return { file: sourceName(o.source), line: o.line, column: Math.max(0, o.column ?? 0) };
      }
    }
  } catch {
    // A malformed segment: no original position.
  }
  return undefined;
}

/** Only this much of a script's end is searched for its map comment. */
const MAX_COMMENT_TAIL = 4 * 2 ** 20;

/** Node's own scripts and other non-file scripts carry no map of the user's. */
export function isRuntimeScript(url: string): boolean {
  return /^(node:|internal[\\/])/.test(url) || (/^[a-z][a-z0-9+.-]+:/i.test(url) && !/^file:/i.test(url) && !/^[a-z]:[\\/]/i.test(url));
}

function asFileUrl(scriptUrl: string): string | undefined {
  if (/^file:/i.test(scriptUrl)) return scriptUrl;
  if (scriptUrl.startsWith('/') || /^[a-z]:[\\/]/i.test(scriptUrl)) return pathToFileURL(scriptUrl).href;
  return undefined;
}

/** The map's JSON text: decoded from a data: URL, or read from a local file beside the script. */
async function readMapText(mapUrl: string, scriptFileUrl: string): Promise<string | undefined> {
  if (mapUrl.startsWith('data:')) {
    const comma = mapUrl.indexOf(',');
    if (comma < 0 || mapUrl.length > MAX_MAP_BYTES * 2) return undefined;
    const meta = mapUrl.slice(5, comma);
    const body = mapUrl.slice(comma + 1);
    return /;base64$/i.test(meta) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
  }
  let url: URL;
  try {
    url = new URL(mapUrl, scriptFileUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'file:' || (url.hostname !== '' && url.hostname !== 'localhost')) return undefined;
  const file = fileURLToPath(url);
  const info = await stat(file);
  if (!info.isFile() || info.size > MAX_MAP_BYTES) return undefined;
  return readFile(file, 'utf8');
}

/**
 * Adds the original position to every location of the leaks whose script has a map: the
 * class's location, the culprit holder's, the graph's nodes, the allocation frames and the
 * user's call. Never throws: a position that cannot be mapped keeps only the running script's.
 */
export async function addOriginalPositions(maps: SourceMaps, leaks: LeakFinding[], scripts: Record<string, string>): Promise<void> {
  const at = (scriptId: number, line: number, column: number) =>
    maps.original(scriptId, scripts[String(scriptId)], line, column).catch(() => undefined);
  const mark = async (loc: SourceLocation | undefined) => {
    if (!loc) return;
    const o = await at(loc.scriptId, loc.line, loc.column);
    if (o) loc.original = o;
  };
  for (const l of leaks) {
    await mark(l.location);
    await mark(l.culprit?.holderLocation);
    for (const n of l.graph?.nodes ?? []) await mark(n.location);
    for (const f of l.allocation?.frames ?? []) {
      if (f.line <= 0 || !f.scriptName) continue;
      const o = await maps.original(f.scriptId, scripts[String(f.scriptId)] ?? f.scriptName, f.line - 1, Math.max(0, f.column - 1)).catch(() => undefined);
      if (o) f.original = o;
    }
    for (const call of [l.userCall, l.storedAt]) {
      if (!call) continue;
      const o = await maps.original(call.scriptId, scripts[String(call.scriptId)] ?? call.scriptName, call.line - 1, call.column ?? 0).catch(() => undefined);
      if (o) call.original = o;
    }
  }
}
