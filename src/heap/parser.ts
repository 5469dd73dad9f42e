/**
 * Streaming .heapsnapshot parser. Feed it chunks (Buffers from a file, or strings as CDP's
 * HeapProfiler.addHeapSnapshotChunk delivers them) and it fills preallocated typed arrays as
 * the bytes go by: numbers are accumulated digit by digit, strings are copied raw into the
 * string table. It never holds the file, a section, or the string table as one JS string.
 *
 * This file is the state machine over the top-level object: it captures the "snapshot" header
 * (checked, and the arrays sized, in parserHeader.ts), skips the values it does not use, and
 * hands "nodes", "edges" and "locations" to parserRows.ts (fast paths in parserFastRows.ts,
 * location rows in parserLocations.ts), "strings" to parserStrings.ts, and the allocation-trace
 * sections to parserTrace.ts, only when the header counts trace functions.
 *
 * Every problem is a HeapSnapshotError naming what was wrong and the byte offset.
 */
import { HeapSnapshotError } from './errors';
import type { GraphMemory } from './graphMemory';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  describeByte,
  isSpace,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './parserBytes';
import { allocateRows, readSnapshotMeta } from './parserHeader';
import { RowReader, Section } from './parserRows';
import { StringsReader } from './parserStrings';
import { TraceReader } from './parserTrace';
import { resolveEdgeTypes, resolveNodeTypes, type HeapSnapshot } from './snapshot';

const enum State {
  BeforeRoot,
  ExpectKey,
  InKey,
  AfterKey,
  BeforeValue,
  Header,
  Numbers,
  Strings,
  /** "trace_function_infos" or "trace_tree", in a snapshot with trace data. */
  Trace,
  Skip,
  /** The "edges" section while another parser reads it (see ParserOptions.edgesElsewhere). */
  SkipEdges,
  AfterValue,
  Done,
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

const MAX_HEADER_BYTES = 1 << 20;
const MAX_KEY_BYTES = 256;

/**
 * Everything a second parser needs to read the "edges" section on its own, into the arrays
 * this parser allocated (shared, so the result needs no copy).
 */
export interface EdgeSectionJob {
  /** Absolute offset just past the "snapshot" header: the "edges" key lies after it. */
  readonly searchFrom: number;
  readonly nodeCount: number;
  readonly nodeFieldCount: number;
  readonly edgeCount: number;
  readonly edgeFields: readonly string[];
  readonly edgeTypeNames: readonly string[];
  readonly edgeType: Uint8Array;
  readonly edgeName: Uint32Array;
  readonly edgeTarget: Uint32Array;
  /** Where edgeTarget lives, if in a graph memory: the retainer counts go there too. */
  readonly graphMemory?: GraphMemory;
  /** As ParserOptions.rowKernels. */
  readonly rowKernels: boolean;
}

/** What the second parser reports back once the section is read. */
export interface EdgeSectionResult {
  /** Absolute offsets of the section's '[' and ']'. */
  readonly sectionOffset: number;
  readonly sectionEnd: number;
  /** The largest string index a string-named edge uses, and that edge (-1 if none). */
  readonly maxNamedEdge: number;
  readonly maxNamedEdgeRow: number;
}

export interface ParserOptions {
  /** Total input size when known (a file): lets a header that promises more than fits fail at once. */
  expectedBytes?: number;
  /** Called after each chunk with the bytes read so far. */
  onProgress?: (bytesRead: number) => void;
  /**
   * Another parser reads the "edges" section (SnapshotParser.forEdgeSection): called once the
   * header is read; this parser then skips the section. The caller must pass that parser's
   * result to checkEdgeSection() before using the snapshot.
   */
  edgesElsewhere?: (job: EdgeSectionJob) => void;
  /**
   * Plain rows of edges and of V8-layout nodes go through WebAssembly kernels (rowKernels.ts)
   * where the platform has them: the default. False keeps to the JavaScript fast paths (the
   * tests compare the two).
   */
  rowKernels?: boolean;
  /**
   * First edges, edge types and edge targets go into a graph memory (graphMemory.ts), where
   * the analysis' WebAssembly steps read them, where the platform has one: the default. False
   * keeps them in plain shared arrays and the analysis in JavaScript (the tests compare the two).
   */
  graphMemory?: boolean;
}

export class SnapshotParser {
  private state = State.BeforeRoot;
  /** Absolute offset of the first byte of the chunk being read. */
  private base = 0;
  private keysSeen = 0;
  private key = '';
  private keyBytes: number[] = [];
  private readonly seen = new Set<string>();

  // Header capture
  private header: Uint8Array[] = [];
  private headerSize = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  // Generic skip of values we do not use (trace_tree, samples, …)
  private skipScalar = false;

  /** The number sections: their rows, and the arrays they fill. */
  private readonly rows: RowReader;
  private readonly strings = new StringsReader();
  /** Only for a snapshot with trace data (trace_function_count > 0). */
  private trace: TraceReader | null = null;
  private graphMemory: GraphMemory | null = null;
  private rootIndex = 0;
  private extraNativeBytes = 0;
  private headerEnd = 0;
  /** Absolute offset of the "edges" section's '[', once seen. */
  private edgeSectionOffset = -1;
  private stringsEnd = 0;
  /** Set for a parser that reads only the "edges" section. */
  private edgesOnly = false;

  constructor(private readonly options: ParserOptions = {}) {
    this.rows = new RowReader(options.rowKernels !== false);
  }

  /** Feed the next chunk. Throws HeapSnapshotError on the first problem. */
  write(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    const end = bytes.length;
    let i = 0;
    while (i < end) {
      if (this.edgesOnly && this.state !== State.Numbers) break;
      switch (this.state) {
        case State.Numbers:
          i = this.rows.read(bytes, i, end, this.base);
          if (this.rows.closed) this.state = State.AfterValue;
          break;
        case State.Strings:
          i = this.strings.read(bytes, i, end, this.base);
          if (this.strings.closed) this.finishStrings(i - 1);
          break;
        case State.Header:
          i = this.readHeader(bytes, i, end);
          break;
        case State.Trace:
          i = (this.trace as TraceReader).read(bytes, i, end, this.base);
          if ((this.trace as TraceReader).closed) this.state = State.AfterValue;
          break;
        case State.Skip:
          i = this.readSkip(bytes, i, end);
          break;
        case State.SkipEdges: {
          // No bracket inside the section: its end is the first ']' (the other parser checks the rest).
          const close = bytes.indexOf(CLOSE_BRACKET, i);
          if (close < 0) i = end;
          else {
            this.rows.edgeSectionEnd = this.base + close;
            this.state = State.AfterValue;
            i = close + 1;
          }
          break;
        }
        default:
          i = this.readStructure(bytes, i, end);
      }
    }
    this.base += end;
    this.options.onProgress?.(this.base);
  }

  /** Finish: validates completeness and returns the snapshot. */
  end(): HeapSnapshot {
    if (this.base === 0) {
      throw new HeapSnapshotError('Empty input: no heap snapshot data was received', 0);
    }
    if (this.state !== State.Done) {
      throw new HeapSnapshotError(
        `Unexpected end of input ${this.where()}: the snapshot is truncated or incomplete`,
        this.base,
      );
    }
    for (const required of ['nodes', 'edges', 'strings']) {
      if (!this.seen.has(required)) {
        throw new HeapSnapshotError(`Not a complete heap snapshot: the "${required}" section is missing`, this.base);
      }
    }
    const rows = this.rows;
    return {
      nodeCount: rows.nodeCount,
      edgeCount: rows.edgeCount,
      nodeTypeNames: rows.nodeTypeNames,
      edgeTypeNames: rows.edgeTypeNames,
      types: resolveNodeTypes(rows.nodeTypeNames),
      edgeKinds: resolveEdgeTypes(rows.edgeTypeNames),
      nodeType: rows.nodeType,
      nodeName: rows.nodeName,
      nodeId: rows.nodeId,
      selfSize: rows.selfSize,
      firstEdge: rows.firstEdge,
      detachedness: rows.detachedness,
      edgeType: rows.edgeType,
      edgeName: rows.edgeName,
      edgeTarget: rows.edgeTarget,
      locations: rows.locations.finish(),
      strings: this.strings.table,
      rootOrdinal: this.rootIndex,
      extraNativeBytes: this.extraNativeBytes,
      byteLength: this.base,
      ...(this.graphMemory ? { graphMemory: this.graphMemory } : {}),
      ...(this.trace && rows.traceNodeId
        ? { allocationTrace: this.trace.finish(rows.traceNodeId, this.strings.table.count, this.base) }
        : {}),
    };
  }

  private fail(problem: string, index: number): never {
    throw new HeapSnapshotError(problem, this.base + index);
  }

  private where(): string {
    switch (this.state) {
      case State.BeforeRoot:
        return 'before the snapshot began';
      case State.Header:
        return 'inside the "snapshot" header';
      case State.Numbers:
        return `inside "${this.key}" (row ${this.rows.row} of ${this.rows.expectedRows()})`;
      case State.Strings:
        return `inside "strings" (after ${this.strings.table.count} strings)`;
      case State.Trace:
        return `inside "${this.key}"`;
      default:
        return this.key ? `after "${this.key}"` : 'at the top level';
    }
  }

  // ---- Top-level structure: {"key": value, ...} ----

  private readStructure(b: Uint8Array, i: number, end: number): number {
    while (i < end) {
      const c = b[i];
      switch (this.state) {
        case State.BeforeRoot:
          if (isSpace(c)) break;
          if (c === 0xef && this.base + i === 0) {
            // UTF-8 byte order mark: skip its three bytes.
            if (b[i + 1] === 0xbb && b[i + 2] === 0xbf) {
              i += 2;
              break;
            }
          }
          if (c !== OPEN_BRACE) {
            this.fail(`Not a heap snapshot: expected '{' to open the JSON object, found ${describeByte(c)}`, i);
          }
          this.state = State.ExpectKey;
          break;
        case State.ExpectKey:
          if (isSpace(c)) break;
          if (c === QUOTE) {
            this.keyBytes.length = 0;
            this.state = State.InKey;
            break;
          }
          if (c === CLOSE_BRACE) {
            if (this.keysSeen === 0) this.fail('Not a heap snapshot: the JSON object is empty', i);
            this.state = State.Done;
            break;
          }
          this.fail(`Malformed snapshot: expected a key in quotes, found ${describeByte(c)}`, i);
        // eslint-disable-next-line no-fallthrough
        case State.InKey:
          if (c === QUOTE) {
            this.key = decoder.decode(Uint8Array.from(this.keyBytes));
            this.state = State.AfterKey;
            break;
          }
          if (this.keyBytes.length >= MAX_KEY_BYTES) this.fail('Malformed snapshot: a top-level key is too long', i);
          this.keyBytes.push(c);
          break;
        case State.AfterKey:
          if (isSpace(c)) break;
          if (c !== COLON) this.fail(`Malformed snapshot: expected ':' after "${this.key}", found ${describeByte(c)}`, i);
          this.state = State.BeforeValue;
          break;
        case State.BeforeValue:
          if (isSpace(c)) break;
          return this.beginValue(b, i);
        case State.AfterValue:
          if (isSpace(c)) break;
          if (c === COMMA) {
            this.state = State.ExpectKey;
            break;
          }
          if (c === CLOSE_BRACE) {
            this.state = State.Done;
            break;
          }
          this.fail(`Malformed snapshot: expected ',' or '}' after "${this.key}", found ${describeByte(c)}`, i);
        // eslint-disable-next-line no-fallthrough
        case State.Done:
          if (isSpace(c) || c === 0) break;
          this.fail(`Unexpected data after the end of the snapshot: ${describeByte(c)}`, i);
        // eslint-disable-next-line no-fallthrough
        default:
          return i;
      }
      i++;
    }
    return i;
  }

  private beginValue(b: Uint8Array, i: number): number {
    const key = this.key;
    const c = b[i];
    if (this.keysSeen === 0 && key !== 'snapshot') {
      this.fail(`Not a V8 heap snapshot: its first key is "${key.slice(0, 40)}", expected "snapshot"`, i);
    }
    if (this.seen.has(key)) this.fail(`Malformed snapshot: the "${key}" section appears twice`, i);
    this.seen.add(key);
    this.keysSeen++;
    if (key === 'snapshot') {
      if (c !== OPEN_BRACE) this.fail(`Malformed snapshot: "snapshot" must be an object, found ${describeByte(c)}`, i);
      this.header = [];
      this.headerSize = 0;
      this.depth = 0;
      this.inString = false;
      this.escaped = false;
      this.state = State.Header;
      return i;
    }
    if (key === 'nodes' || key === 'edges' || key === 'locations') {
      if (c !== OPEN_BRACKET) this.fail(`Malformed snapshot: "${key}" must be an array, found ${describeByte(c)}`, i);
      if (key === 'edges' && !this.seen.has('nodes')) this.fail('Malformed snapshot: "edges" comes before "nodes"', i);
      if (key === 'edges') {
        this.edgeSectionOffset = this.base + i;
        if (this.options.edgesElsewhere) {
          this.state = State.SkipEdges;
          return i + 1;
        }
      }
      const section = key === 'nodes' ? Section.Nodes : key === 'edges' ? Section.Edges : Section.Locations;
      // A location row is four numbers of at least two bytes each.
      if (section === Section.Locations && this.options.expectedBytes !== undefined) {
        this.rows.locations.reserve(Math.ceil((this.options.expectedBytes - this.base - i) / 2) + 4);
      }
      if (section === Section.Locations && this.rows.locationFieldCount === 0) {
        this.fail('Malformed snapshot: "locations" present but meta.location_fields is missing', i);
      }
      this.rows.begin(section);
      this.state = State.Numbers;
      return i + 1;
    }
    if (key === 'strings') {
      if (c !== OPEN_BRACKET) this.fail(`Malformed snapshot: "strings" must be an array, found ${describeByte(c)}`, i);
      // Each string takes at least three bytes ("" and a separator).
      if (this.options.expectedBytes !== undefined) {
        this.strings.table.reserve(Math.ceil((this.options.expectedBytes - this.base - i) / 3) + 1);
      }
      this.strings.begin();
      this.state = State.Strings;
      return i + 1;
    }
    if (this.trace && (key === 'trace_function_infos' || key === 'trace_tree')) {
      if (c !== OPEN_BRACKET) this.fail(`Malformed snapshot: "${key}" must be an array, found ${describeByte(c)}`, i);
      this.trace.begin(key);
      this.state = State.Trace;
      return i + 1;
    }
    // A value we do not need: skip it, whatever its shape.
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.skipScalar = c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== QUOTE;
    this.state = State.Skip;
    return i;
  }

  // ---- Values skipped or captured by bracket depth ----

  /** Advances over one JSON value; returns the index just past it, or end when it continues. */
  private scanValue(b: Uint8Array, i: number, end: number): { next: number; done: boolean } {
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    for (; i < end; i++) {
      const c = b[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 0) {
            this.depth = depth;
            this.inString = false;
            return { next: i + 1, done: true };
          }
        }
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth < 0) this.fail('Malformed snapshot: unbalanced brackets', i);
        if (depth === 0) {
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          return { next: i + 1, done: true };
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return { next: end, done: false };
  }

  private readSkip(b: Uint8Array, i: number, end: number): number {
    if (this.skipScalar) {
      // true/false/null/number: runs until the separator, which the structure reader consumes.
      for (; i < end; i++) {
        const c = b[i];
        if (c === COMMA || c === CLOSE_BRACE || isSpace(c)) {
          this.state = State.AfterValue;
          return i;
        }
      }
      return end;
    }
    const { next, done } = this.scanValue(b, i, end);
    if (done) this.state = State.AfterValue;
    return next;
  }

  private readHeader(b: Uint8Array, i: number, end: number): number {
    const { next, done } = this.scanValue(b, i, end);
    this.headerSize += next - i;
    if (this.headerSize > MAX_HEADER_BYTES) {
      this.fail('Malformed snapshot: the "snapshot" header is larger than 1 MiB', next - 1);
    }
    this.header.push(b.slice(i, next));
    if (done) {
      this.headerEnd = this.base + next;
      this.acceptHeader(decoder.decode(concat(this.header, this.headerSize)), next - 1);
      this.header = [];
      this.state = State.AfterValue;
    }
    return next;
  }

  /** The header is complete: its meta checked, the arrays sized, and the edges handed out if another parser reads them. */
  private acceptHeader(text: string, at: number): void {
    const meta = readSnapshotMeta(text, this.base + at, this.options.expectedBytes);
    this.rootIndex = meta.rootIndex;
    this.extraNativeBytes = meta.extraNativeBytes;
    const arrays = allocateRows(meta, this.options.graphMemory !== false, this.base + at);
    this.graphMemory = arrays.graphMemory;
    this.rows.configure(meta, arrays);
    if (meta.trace) this.trace = new TraceReader(meta.trace);
    this.options.edgesElsewhere?.({
      searchFrom: this.headerEnd,
      nodeCount: meta.nodeCount,
      nodeFieldCount: meta.nodeFieldCount,
      edgeCount: meta.edgeCount,
      edgeFields: meta.edgeFields,
      edgeTypeNames: meta.edgeTypeNames,
      edgeType: arrays.edgeType,
      edgeName: arrays.edgeName,
      edgeTarget: arrays.edgeTarget,
      graphMemory: this.graphMemory ?? undefined,
      rowKernels: this.options.rowKernels !== false,
    });
  }

  /**
   * A parser for the "edges" section alone, as another thread runs it for edgesElsewhere.
   * Feed it the bytes from just after the section's '[' at `sectionOffset`; it ignores what
   * follows the section. Errors name absolute offsets, as the whole-file parser's would.
   */
  static forEdgeSection(job: EdgeSectionJob, sectionOffset: number): SnapshotParser {
    const p = new SnapshotParser({ rowKernels: job.rowKernels });
    p.edgesOnly = true;
    p.base = sectionOffset + 1;
    p.edgeSectionOffset = sectionOffset;
    p.key = 'edges';
    p.rows.configureEdges(job);
    p.rows.begin(Section.Edges);
    p.state = State.Numbers;
    return p;
  }

  /** For a forEdgeSection parser: the result once the section is complete, else the error. */
  edgeSectionResult(): EdgeSectionResult {
    if (this.state === State.Numbers) {
      throw new HeapSnapshotError(`Unexpected end of input ${this.where()}: the snapshot is truncated or incomplete`, this.base);
    }
    return {
      sectionOffset: this.edgeSectionOffset,
      sectionEnd: this.rows.edgeSectionEnd,
      maxNamedEdge: this.rows.maxNamedEdge,
      maxNamedEdgeRow: this.rows.maxNamedEdgeRow,
    };
  }

  /** For a forEdgeSection parser: whether the section's closing ']' has been read. */
  get edgeSectionDone(): boolean {
    return this.edgesOnly && this.state !== State.Numbers;
  }

  /** Where the "edges" section's '[' is (-1 before it is reached). */
  get edgesAt(): number {
    return this.edgeSectionOffset;
  }

  /** Where the "edges" section's ']' is (-1 before it is reached). */
  get edgesEnd(): number {
    return this.rows.edgeSectionEnd;
  }

  /** Node and edge rows stored by the WebAssembly kernels so far (the rest took the JavaScript paths). */
  get rowsReadByKernels(): number {
    return this.rows.kernelRows;
  }

  /** While skipping the "edges" section (edgesElsewhere): where it began, else -1. */
  get skippingEdgesFrom(): number {
    return this.state === State.SkipEdges ? this.edgeSectionOffset : -1;
  }

  /** Numbers per edge row (from meta). */
  get edgeRowWidth(): number {
    return this.rows.edgeFieldCount;
  }

  /**
   * While skipping the "edges" section: the next chunk will start at absolute `offset`, which
   * must still lie inside the section (the reader jumped ahead instead of reading it).
   */
  jumpTo(offset: number): void {
    if (this.state !== State.SkipEdges || offset < this.base) throw new Error('jumpTo outside the skipped edges section');
    this.base = offset;
  }

  /**
   * With edgesElsewhere: accepts the other parser's result, checking what needs both halves
   * (every string-named edge names a string that exists). Throws HeapSnapshotError.
   */
  checkEdgeSection(result: EdgeSectionResult): void {
    this.checkEdgeNames(result.maxNamedEdge, result.maxNamedEdgeRow, this.stringsEnd);
  }

  private checkEdgeNames(maxName: number, row: number, at: number): void {
    const count = this.strings.table.count;
    if (maxName >= count) {
      throw new HeapSnapshotError(`Edge ${row} names string ${maxName} but "strings" holds only ${count}`, at);
    }
  }

  /** At the ']' that closes "strings" (the table is sealed): string indexes the rows use must exist. */
  private finishStrings(i: number): void {
    const count = this.strings.table.count;
    const rows = this.rows;
    if (rows.nodeCount > 0 && rows.maxNodeName >= count) {
      this.fail(`Node ${rows.maxNodeNameRow} names string ${rows.maxNodeName} but "strings" holds only ${count}`, i);
    }
    this.stringsEnd = this.base + i;
    // Edge names are string indexes except for element and hidden edges; with the edges read
    // elsewhere, checkEdgeSection() does this.
    if (!this.options.edgesElsewhere) this.checkEdgeNames(rows.maxNamedEdge, rows.maxNamedEdgeRow, this.stringsEnd);
    this.state = State.AfterValue;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
