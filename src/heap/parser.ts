/**
 * Streaming .heapsnapshot parser. Feed it chunks (Buffers from a file, or strings as CDP's
 * HeapProfiler.addHeapSnapshotChunk delivers them) and it fills preallocated typed arrays as
 * the bytes go by: numbers are accumulated digit by digit, strings are copied raw into the
 * string table. It never holds the file, a section, or the string table as one JS string.
 *
 * Every problem is a HeapSnapshotError naming what was wrong and the byte offset.
 */
import { HeapSnapshotError } from './errors';
import { countsToOffsets } from './csr';
import { GrowableUint32 } from './growable';
import { createGraphMemory, regionBytes, regionWords, type GraphMemory } from './graphMemory';
import { sharedFloat64, sharedUint32 } from './memory';
import { FAST_PATH_GUARD, RowKernels, type RowProgress } from './rowKernels';
import { resolveEdgeTypes, resolveNodeTypes, type HeapSnapshot } from './snapshot';
import { StringTable } from './stringTable';

const enum State {
  BeforeRoot,
  ExpectKey,
  InKey,
  AfterKey,
  BeforeValue,
  Header,
  Numbers,
  StringsExpect,
  StringsAfterItem,
  StringIn,
  StringEscape,
  Skip,
  /** The "edges" section while another parser reads it (see ParserOptions.edgesElsewhere). */
  SkipEdges,
  AfterValue,
  Done,
}

const enum Section {
  Nodes,
  Edges,
  Locations,
}

/** Detachedness is kept in a byte; V8 writes 0, 1 or 2, and a larger value is refused rather than wrapped. */
const MAX_DETACHEDNESS = 255;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;

/** Bytes that end a run of plain string content: '"', '\\' and control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;

/**
 * Where the run of plain string bytes from i ends: the first quote, backslash or control
 * character, or `end`. Four bytes at a time where `words` (b as aligned 32-bit words) allows:
 * a word is skipped when none of its bytes is below 0x20, 0x22 or 0x5c (bit tricks that test
 * all four at once, exact for "any byte"), and the byte is then found one by one.
 */
function plainRunEnd(b: Uint8Array, words: Uint32Array | null, i: number, end: number): number {
  if (words) {
    while (i < end && (i & 3) !== 0) {
      if (STRING_STOP[b[i]] !== 0) return i;
      i++;
    }
    const lastWord = end >>> 2;
    let w = i >>> 2;
    while (w < lastWord) {
      const x = words[w];
      const quote = x ^ 0x22222222;
      const backslash = x ^ 0x5c5c5c5c;
      const stops = ((x - 0x20202020) & ~x) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash);
      if ((stops & 0x80808080) !== 0) break;
      w++;
    }
    i = Math.max(i, w << 2);
  }
  while (i < end && STRING_STOP[b[i]] === 0) i++;
  return i;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

const MAX_HEADER_BYTES = 1 << 20;
const MAX_KEY_BYTES = 256;
/** 15 digits stay exact in a double. */
const MAX_DIGITS = 15;
/** Retainer entries keep two flag bits above the node ordinal (see retainers.ts). */
const MAX_NODE_COUNT = 0x3fffffff;
const MAX_EDGE_COUNT = 0xfffffffe;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function describeByte(c: number): string {
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

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

  // Number arrays
  private section = Section.Nodes;
  private acc = 0;
  /** Parsed values not yet spread into rows (an unfinished row from the previous chunk). */
  private scratch = new Float64Array(1 << 16);
  /** One node row on the fast path (layouts with more fields take the general path). */
  private readonly rowValues = new Float64Array(16);
  private carried = 0;
  private scanStart = 0;
  private scanBytes: Uint8Array = new Uint8Array(0);
  private startedInNumber = false;
  private digits = 0;
  /** 0 = expecting a number, 1 = inside one, 2 = after one (expecting ',' or ']'). */
  private numberState = 0;
  private sectionEmpty = true;
  private row = 0;

  // Result arrays
  private nodeCount = 0;
  private edgeCount = 0;
  private nodeFieldCount = 0;
  private edgeFieldCount = 0;
  private nodeTypeColumn = -1;
  private nodeNameColumn = -1;
  private nodeIdColumn = -1;
  private nodeSizeColumn = -1;
  private nodeEdgeCountColumn = -1;
  private nodeDetachednessColumn = -1;
  /** node_fields are V8's own, in its order: fastV8Nodes applies. */
  private v8NodeLayout = false;
  private edgeTypeColumn = -1;
  private edgeNameColumn = -1;
  private edgeToColumn = -1;
  private nodeTypeNames: string[] = [];
  private edgeTypeNames: string[] = [];
  private nodeType = new Uint8Array(0);
  private nodeName = new Uint32Array(0);
  private nodeId: Uint32Array = new Uint32Array(0);
  private selfSize: Float64Array = new Float64Array(0);
  private firstEdge: Uint32Array = new Uint32Array(1);
  private graphMemory: GraphMemory | null = null;
  private detachedness: Uint8Array | null = null;
  private edgeType: Uint8Array = new Uint8Array(0);
  private edgeName: Uint32Array = new Uint32Array(0);
  private edgeTarget: Uint32Array = new Uint32Array(0);
  private locationFieldCount = 0;
  private locationSlots = new Int8Array(0);
  private locations = new GrowableUint32(4096);
  private edgeSum = 0;
  private maxNodeName = 0;
  private maxNodeNameRow = 0;
  private rootIndex = 0;
  private extraNativeBytes = 0;
  private maxNamedEdge = -1;
  private maxNamedEdgeRow = -1;
  private headerEnd = 0;
  /** Absolute offset of the "edges" section's '[', once seen. */
  private edgeSectionOffset = -1;
  private edgeSectionEnd = -1;
  private stringsEnd = 0;
  /** Set for a parser that reads only the "edges" section. */
  private edgesOnly = false;

  private readonly strings = new StringTable();
  /** Made on the first fast-path row: null once known to be unavailable or not wanted. */
  private kernels: RowKernels | null | undefined;
  private kernelRows = 0;
  private uHexLeft = 0;

  constructor(private readonly options: ParserOptions = {}) {}

  /** Feed the next chunk. Throws HeapSnapshotError on the first problem. */
  write(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    const end = bytes.length;
    let i = 0;
    while (i < end) {
      if (this.edgesOnly && this.state !== State.Numbers) break;
      switch (this.state) {
        case State.Numbers:
          i = this.readNumbers(bytes, i, end);
          break;
        case State.StringIn:
        case State.StringEscape:
        case State.StringsExpect:
        case State.StringsAfterItem:
          i = this.readStrings(bytes, i, end);
          break;
        case State.Header:
          i = this.readHeader(bytes, i, end);
          break;
        case State.Skip:
          i = this.readSkip(bytes, i, end);
          break;
        case State.SkipEdges: {
          // No bracket inside the section: its end is the first ']' (the other parser checks the rest).
          const close = bytes.indexOf(CLOSE_BRACKET, i);
          if (close < 0) i = end;
          else {
            this.edgeSectionEnd = this.base + close;
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
    return {
      nodeCount: this.nodeCount,
      edgeCount: this.edgeCount,
      nodeTypeNames: this.nodeTypeNames,
      edgeTypeNames: this.edgeTypeNames,
      types: resolveNodeTypes(this.nodeTypeNames),
      edgeKinds: resolveEdgeTypes(this.edgeTypeNames),
      nodeType: this.nodeType,
      nodeName: this.nodeName,
      nodeId: this.nodeId,
      selfSize: this.selfSize,
      firstEdge: this.firstEdge,
      detachedness: this.detachedness,
      edgeType: this.edgeType,
      edgeName: this.edgeName,
      edgeTarget: this.edgeTarget,
      locations: this.locations.finish(),
      strings: this.strings,
      rootOrdinal: this.rootIndex,
      extraNativeBytes: this.extraNativeBytes,
      byteLength: this.base,
      ...(this.graphMemory ? { graphMemory: this.graphMemory } : {}),
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
        return `inside "${this.key}" (row ${this.row} of ${this.expectedRows()})`;
      case State.StringsExpect:
      case State.StringsAfterItem:
      case State.StringIn:
      case State.StringEscape:
        return `inside "strings" (after ${this.strings.count} strings)`;
      default:
        return this.key ? `after "${this.key}"` : 'at the top level';
    }
  }

  private expectedRows(): string {
    if (this.section === Section.Nodes) return `${this.nodeCount} nodes`;
    if (this.section === Section.Edges) return `${this.edgeCount} edges`;
    return 'locations';
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
      this.section = key === 'nodes' ? Section.Nodes : key === 'edges' ? Section.Edges : Section.Locations;
      // A location row is four numbers of at least two bytes each.
      if (this.section === Section.Locations && this.options.expectedBytes !== undefined) {
        this.locations.reserve(Math.ceil((this.options.expectedBytes - this.base - i) / 2) + 4);
      }
      if (this.section === Section.Locations && this.locationFieldCount === 0) {
        this.fail('Malformed snapshot: "locations" present but meta.location_fields is missing', i);
      }
      this.acc = 0;
      this.digits = 0;
      this.numberState = 0;
      this.sectionEmpty = true;
      this.carried = 0;
      this.row = 0;
      this.state = State.Numbers;
      return i + 1;
    }
    if (key === 'strings') {
      if (c !== OPEN_BRACKET) this.fail(`Malformed snapshot: "strings" must be an array, found ${describeByte(c)}`, i);
      // Each string takes at least three bytes ("" and a separator).
      if (this.options.expectedBytes !== undefined) {
        this.strings.reserve(Math.ceil((this.options.expectedBytes - this.base - i) / 3) + 1);
      }
      this.sectionEmpty = true;
      this.state = State.StringsExpect;
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

  private acceptHeader(text: string, at: number): void {
    let header: unknown;
    try {
      header = JSON.parse(text);
    } catch (e) {
      this.fail(`Malformed "snapshot" header: ${(e as Error).message}`, at);
    }
    const h = header as Record<string, unknown>;
    const meta = h.meta as Record<string, unknown> | undefined;
    if (!meta || typeof meta !== 'object') this.fail('Not a V8 heap snapshot: "snapshot.meta" is missing', at);
    const nodeFields = stringList(meta.node_fields);
    const edgeFields = stringList(meta.edge_fields);
    if (!nodeFields) this.fail('Bad snapshot meta: "node_fields" must be a list of names', at);
    if (!edgeFields) this.fail('Bad snapshot meta: "edge_fields" must be a list of names', at);
    for (const f of ['type', 'name', 'id', 'self_size', 'edge_count']) {
      if (!nodeFields.includes(f)) this.fail(`Bad snapshot meta: node_fields lacks "${f}"`, at);
    }
    for (const f of ['type', 'name_or_index', 'to_node']) {
      if (!edgeFields.includes(f)) this.fail(`Bad snapshot meta: edge_fields lacks "${f}"`, at);
    }
    const nodeTypes = Array.isArray(meta.node_types) ? stringList(meta.node_types[nodeFields.indexOf('type')]) : null;
    const edgeTypes = Array.isArray(meta.edge_types) ? stringList(meta.edge_types[edgeFields.indexOf('type')]) : null;
    if (!nodeTypes || nodeTypes.length === 0) this.fail('Bad snapshot meta: node_types lacks the list of type names', at);
    if (!edgeTypes || edgeTypes.length === 0) this.fail('Bad snapshot meta: edge_types lacks the list of type names', at);
    const nodeCount = h.node_count;
    const edgeCount = h.edge_count;
    if (!isCount(nodeCount) || nodeCount < 1 || nodeCount > MAX_NODE_COUNT) {
      this.fail(`Bad snapshot header: node_count must be a whole number from 1 to ${MAX_NODE_COUNT}`, at);
    }
    if (!isCount(edgeCount) || edgeCount > MAX_EDGE_COUNT) {
      this.fail(`Bad snapshot header: edge_count must be a whole number up to ${MAX_EDGE_COUNT}`, at);
    }
    // Every node needs at least two bytes per field in the file ("0,"), every edge the same.
    const expected = this.options.expectedBytes;
    if (expected !== undefined) {
      const minimum = nodeCount * nodeFields.length * 2 + edgeCount * edgeFields.length * 2;
      if (minimum > expected) {
        this.fail(
          `Bad snapshot header: it promises ${nodeCount} nodes and ${edgeCount} edges, which cannot fit in ${expected} bytes`,
          at,
        );
      }
    }
    const rootIndex = h.root_index;
    if (rootIndex !== undefined) {
      if (!isCount(rootIndex) || rootIndex % nodeFields.length !== 0 || rootIndex / nodeFields.length >= nodeCount) {
        this.fail('Bad snapshot header: root_index does not point at a node', at);
      }
      this.rootIndex = rootIndex / nodeFields.length;
    }
    if (typeof h.extra_native_bytes === 'number') this.extraNativeBytes = h.extra_native_bytes;

    this.nodeTypeNames = nodeTypes;
    this.edgeTypeNames = edgeTypes;
    this.nodeFieldCount = nodeFields.length;
    this.edgeFieldCount = edgeFields.length;
    this.nodeTypeColumn = nodeFields.indexOf('type');
    this.nodeNameColumn = nodeFields.indexOf('name');
    this.nodeIdColumn = nodeFields.indexOf('id');
    this.nodeSizeColumn = nodeFields.indexOf('self_size');
    this.nodeEdgeCountColumn = nodeFields.indexOf('edge_count');
    this.nodeDetachednessColumn = nodeFields.indexOf('detachedness');
    const v8Fields = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
    this.v8NodeLayout =
      (nodeFields.length === 6 || nodeFields.length === 7) && nodeFields.every((f, k) => f === v8Fields[k]);
    this.edgeTypeColumn = edgeFields.indexOf('type');
    this.edgeNameColumn = edgeFields.indexOf('name_or_index');
    this.edgeToColumn = edgeFields.indexOf('to_node');
    const locationFields = stringList(meta.location_fields);
    if (locationFields && locationFields.length > 0) {
      this.locationFieldCount = locationFields.length;
      this.locationSlots = new Int8Array(
        locationFields.map((f) => ['object_index', 'script_id', 'line', 'column'].indexOf(f)),
      );
      if (locationFields.indexOf('object_index') < 0) this.fail('Bad snapshot meta: location_fields lacks "object_index"', at);
    }
    this.nodeCount = nodeCount;
    this.edgeCount = edgeCount;
    try {
      this.nodeType = new Uint8Array(nodeCount);
      this.nodeName = new Uint32Array(nodeCount);
      this.nodeId = sharedUint32(nodeCount);
      // Shared: the dominator thread reads the graph and self sizes in place.
      this.selfSize = sharedFloat64(nodeCount);
      this.graphMemory = this.options.graphMemory === false ? null : createGraphMemory(nodeCount, edgeCount);
      this.firstEdge = regionWords(this.graphMemory, 'firstEdge', nodeCount + 1);
      if (nodeFields.includes('detachedness')) this.detachedness = new Uint8Array(nodeCount);
      this.edgeType = regionBytes(this.graphMemory, 'edgeType', edgeCount);
      this.edgeName = sharedUint32(edgeCount);
      this.edgeTarget = regionWords(this.graphMemory, 'edgeTarget', edgeCount);
    } catch {
      this.fail(`Cannot allocate memory for ${nodeCount} nodes and ${edgeCount} edges`, at);
    }
    this.options.edgesElsewhere?.({
      searchFrom: this.headerEnd,
      nodeCount,
      nodeFieldCount: this.nodeFieldCount,
      edgeCount,
      edgeFields,
      edgeTypeNames: edgeTypes,
      edgeType: this.edgeType,
      edgeName: this.edgeName,
      edgeTarget: this.edgeTarget,
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
    p.nodeCount = job.nodeCount;
    p.nodeFieldCount = job.nodeFieldCount;
    p.edgeCount = job.edgeCount;
    p.edgeFieldCount = job.edgeFields.length;
    p.edgeTypeColumn = job.edgeFields.indexOf('type');
    p.edgeNameColumn = job.edgeFields.indexOf('name_or_index');
    p.edgeToColumn = job.edgeFields.indexOf('to_node');
    p.edgeTypeNames = [...job.edgeTypeNames];
    p.edgeType = job.edgeType;
    p.edgeName = job.edgeName;
    p.edgeTarget = job.edgeTarget;
    p.section = Section.Edges;
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
      sectionEnd: this.edgeSectionEnd,
      maxNamedEdge: this.maxNamedEdge,
      maxNamedEdgeRow: this.maxNamedEdgeRow,
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
    return this.edgeSectionEnd;
  }

  /** Node and edge rows stored by the WebAssembly kernels so far (the rest took the JavaScript paths). */
  get rowsReadByKernels(): number {
    return this.kernelRows;
  }

  /** While skipping the "edges" section (edgesElsewhere): where it began, else -1. */
  get skippingEdgesFrom(): number {
    return this.state === State.SkipEdges ? this.edgeSectionOffset : -1;
  }

  /** Numbers per edge row (from meta). */
  get edgeRowWidth(): number {
    return this.edgeFieldCount;
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
    const count = this.strings.count;
    if (maxName >= count) {
      throw new HeapSnapshotError(`Edge ${row} names string ${maxName} but "strings" holds only ${count}`, at);
    }
  }

  // ---- Number arrays: nodes, edges, locations ----

  /**
   * Most of a section goes through a fast path that assumes V8's own layout (rows of plain
   * digits and commas, a newline allowed between rows) and stores each row straight into the
   * field arrays. It stops at anything else, and near the chunk's end, leaving the rest to the
   * general scanner below, which accepts any JSON spacing and reports errors precisely.
   */
  private readNumbers(b: Uint8Array, i: number, end: number): number {
    // Finish a row the previous chunk cut, so the fast path starts on a row boundary.
    if (!this.atRowBoundary()) i = this.scanNumbers(b, i, end, true);
    if (this.state === State.Numbers && this.atRowBoundary() && end - i > FAST_PATH_GUARD) {
      const limit = end - FAST_PATH_GUARD;
      if (this.section === Section.Edges) i = this.fastEdges(b, i, limit);
      else if (this.section === Section.Locations) i = this.fastLocations(b, i, limit);
      else if (this.v8NodeLayout) i = this.fastV8Nodes(b, i, limit);
      else i = this.fastNodes(b, i, limit);
    }
    if (this.state !== State.Numbers || i >= end) return i;
    return this.scanNumbers(b, i, end, false);
  }

  private atRowBoundary(): boolean {
    return this.carried === 0 && this.numberState !== 1;
  }

  /**
   * Edge rows on the fast path. Returns where it stopped: always a row boundary, so the
   * general scanner picks up there (and reports the problem, if it was one).
   */
  private fastEdges(b: Uint8Array, i: number, limit: number): number {
    if (this.edgeFieldCount !== 3) return i;
    const { edgeType, edgeName, edgeTarget } = this;
    const typeAt = this.edgeTypeColumn;
    const nameAt = this.edgeNameColumn;
    const toAt = this.edgeToColumn;
    const typeCount = this.edgeTypeNames.length;
    const nodeWidth = this.nodeFieldCount;
    const nodeLimit = this.nodeCount * nodeWidth;
    const rows = this.edgeCount;
    // Element and hidden edges name an index, the others a string.
    const kinds = resolveEdgeTypes(this.edgeTypeNames);
    const elementType = kinds.element;
    const hiddenType = kinds.hidden;
    const kernels = this.rowKernels();
    if (kernels && nodeLimit < 2 ** 32) {
      const at = this.progress(i, this.maxNamedEdge, this.maxNamedEdgeRow, 0);
      const rules = { typeAt, nameAt, toAt, typeCount, elementType, hiddenType, nodeWidth, nodeLimit };
      kernels.edges(b, limit, rows, rules, { edgeType, edgeName, edgeTarget }, at);
      this.maxNamedEdge = at.maxName;
      this.maxNamedEdgeRow = at.maxNameRow;
      this.kernelRows += at.row - this.row;
      this.rowsStored(at.row);
      return at.i;
    }
    let maxNamed = this.maxNamedEdge;
    let maxNamedRow = this.maxNamedEdgeRow;
    let row = this.row;
    let afterRow = this.numberState === 2;
    while (i < limit && row < rows) {
      const rowStart = i;
      let c = b[i];
      if (afterRow) {
        if (c === NEWLINE) c = b[++i];
        if (c !== COMMA) break;
        c = b[++i];
      }
      // Three numbers separated by commas; `c ^ 0x30` is the digit value, and ≥ 10 for any
      // other byte (undefined past the buffer's end included, so no loop runs past it).
      let d = c ^ 0x30;
      if (d >= 10) {
        i = rowStart;
        break;
      }
      let first = i;
      let v0 = d;
      while ((d = b[++i] ^ 0x30) < 10) v0 = v0 * 10 + d;
      if (b[i] !== COMMA || i - first > MAX_DIGITS || (d = b[++i] ^ 0x30) >= 10) {
        i = rowStart;
        break;
      }
      first = i;
      let v1 = d;
      while ((d = b[++i] ^ 0x30) < 10) v1 = v1 * 10 + d;
      if (b[i] !== COMMA || i - first > MAX_DIGITS || (d = b[++i] ^ 0x30) >= 10) {
        i = rowStart;
        break;
      }
      first = i;
      let v2 = d;
      while ((d = b[++i] ^ 0x30) < 10) v2 = v2 * 10 + d;
      if (i - first > MAX_DIGITS) {
        i = rowStart;
        break;
      }
      const type = typeAt === 0 ? v0 : typeAt === 1 ? v1 : v2;
      const to = toAt === 0 ? v0 : toAt === 1 ? v1 : v2;
      const target = to / nodeWidth;
      if (type >= typeCount || to >= nodeLimit || target !== Math.floor(target)) {
        i = rowStart;
        break;
      }
      const name = nameAt === 0 ? v0 : nameAt === 1 ? v1 : v2;
      if (name > 0xffffffff) {
        i = rowStart;
        break;
      }
      if (name > maxNamed && type !== elementType && type !== hiddenType) {
        maxNamed = name;
        maxNamedRow = row;
      }
      edgeType[row] = type;
      edgeName[row] = name;
      edgeTarget[row] = target;
      row++;
      afterRow = true;
    }
    this.maxNamedEdge = maxNamed;
    this.maxNamedEdgeRow = maxNamedRow;
    this.rowsStored(row);
    return i;
  }

  /** Location rows on the fast path (object_index, script_id, line, column in any order); same contract as fastEdges. */
  private fastLocations(b: Uint8Array, i: number, limit: number): number {
    const width = this.locationFieldCount;
    if (width > this.rowValues.length) return i;
    const values = this.rowValues;
    const slots = this.locationSlots;
    const nodeWidth = this.nodeFieldCount;
    const nodeLimit = this.nodeCount * nodeWidth;
    const out = this.locations;
    let row = this.row;
    let boundary = i;
    while (i < limit) {
      i = this.readPlainRow(b, i, width, row !== this.row || this.numberState === 2);
      if (i < 0) break;
      let objectIndex = 0;
      let scriptId = 0;
      let line = 0;
      let column = 0;
      for (let f = 0; f < width; f++) {
        const slot = slots[f];
        if (slot === 0) objectIndex = values[f];
        else if (slot === 1) scriptId = values[f];
        else if (slot === 2) line = values[f];
        else if (slot === 3) column = values[f];
      }
      const node = objectIndex / nodeWidth;
      if (objectIndex >= nodeLimit || node !== Math.floor(node)) break;
      out.push(node);
      out.push(scriptId);
      out.push(line);
      out.push(column);
      row++;
      boundary = i;
    }
    this.rowsStored(row);
    return boundary;
  }

  /**
   * One row of `width` plain numbers at i, preceded by its separator (a comma, maybe after a
   * newline) when `afterRow`, into rowValues: returns the index past it, or -1 where it is not
   * such a row. For the per-field fast paths (fastEdges and fastV8Nodes are unrolled instead).
   */
  private readPlainRow(b: Uint8Array, i: number, width: number, afterRow: boolean): number {
    const values = this.rowValues;
    let c = b[i];
    if (afterRow) {
      if (c === NEWLINE) c = b[++i];
      if (c !== COMMA) return -1;
      c = b[++i];
    }
    for (let f = 0; f < width; f++) {
      if (f > 0) {
        if (c !== COMMA) return -1;
        c = b[++i];
      }
      let d = c ^ 0x30;
      if (d >= 10) return -1;
      const first = i;
      let v = d;
      while ((d = (c = b[++i]) ^ 0x30) < 10) v = v * 10 + d;
      if (i - first > MAX_DIGITS) return -1;
      values[f] = v;
    }
    return i;
  }

  private rowKernels(): RowKernels | null {
    if (this.kernels === undefined) this.kernels = this.options.rowKernels === false ? null : RowKernels.create();
    return this.kernels;
  }

  /** A fast path's starting point for the kernels: this row, at i. */
  private progress(i: number, maxName: number, maxNameRow: number, edgeSum: number): RowProgress {
    return { i, row: this.row, afterRow: this.numberState === 2, maxName, maxNameRow, edgeSum };
  }

  /** After a fast path: `row` rows are stored; if any were, the last number has been read. */
  private rowsStored(row: number): void {
    if (row === this.row) return;
    this.row = row;
    this.numberState = 2;
    this.sectionEmpty = false;
  }

  /**
   * Node rows in V8's own field order (type, name, id, self_size, edge_count, trace_node_id
   * [, detachedness]), unrolled: about twice as fast as the per-field loop in fastNodes.
   */
  private fastV8Nodes(b: Uint8Array, i: number, limit: number): number {
    const { nodeType, nodeName, nodeId, selfSize, firstEdge, detachedness } = this;
    const typeCount = this.nodeTypeNames.length;
    const rows = this.nodeCount;
    const edgeCount = this.edgeCount;
    const kernels = this.rowKernels();
    if (kernels) {
      const at = this.progress(i, this.maxNodeName, this.maxNodeNameRow, this.edgeSum);
      kernels.v8Nodes(b, limit, rows, typeCount, edgeCount, { nodeType, nodeName, nodeId, selfSize, firstEdge, detachedness }, at);
      this.maxNodeName = at.maxName;
      this.maxNodeNameRow = at.maxNameRow;
      this.edgeSum = at.edgeSum;
      this.kernelRows += at.row - this.row;
      this.rowsStored(at.row);
      return at.i;
    }
    let maxName = this.maxNodeName;
    let edgeSum = this.edgeSum;
    let row = this.row;
    let afterRow = this.numberState === 2;
    // The end of the last row stored: where the general scanner resumes if a row is refused.
    let boundary = i;
    while (i < limit && row < rows) {
      let c = b[i];
      if (afterRow) {
        if (c === NEWLINE) c = b[++i];
        if (c !== COMMA) break;
        c = b[++i];
      }
      // Each field: digits (`x ^ 0x30` < 10 only for a digit), at most MAX_DIGITS, then ','.
      let d = c ^ 0x30;
      if (d >= 10) break;
      let first = i;
      let type = d;
      while ((d = b[++i] ^ 0x30) < 10) type = type * 10 + d;
      if (b[i] !== COMMA || i - first > MAX_DIGITS || (d = b[++i] ^ 0x30) >= 10) break;
      first = i;
      let name = d;
      while ((d = b[++i] ^ 0x30) < 10) name = name * 10 + d;
      if (b[i] !== COMMA || i - first > MAX_DIGITS || (d = b[++i] ^ 0x30) >= 10) break;
      first = i;
      let id = d;
      while ((d = b[++i] ^ 0x30) < 10) id = id * 10 + d;
      if (b[i] !== COMMA || i - first > MAX_DIGITS || (d = b[++i] ^ 0x30) >= 10) break;
      first = i;
      let size = d;
      while ((d = b[++i] ^ 0x30) < 10) size = size * 10 + d;
      if (b[i] !== COMMA || i - first > MAX_DIGITS || (d = b[++i] ^ 0x30) >= 10) break;
      first = i;
      let edges = d;
      while ((d = b[++i] ^ 0x30) < 10) edges = edges * 10 + d;
      if (b[i] !== COMMA || i - first > MAX_DIGITS || (d = b[++i] ^ 0x30) >= 10) break;
      first = i;
      while ((d = b[++i] ^ 0x30) < 10); // trace_node_id: not kept
      if (i - first > MAX_DIGITS) break;
      let detached = 0;
      if (detachedness) {
        if (b[i] !== COMMA || (d = b[++i] ^ 0x30) >= 10) break;
        first = i;
        detached = d;
        while ((d = b[++i] ^ 0x30) < 10) detached = detached * 10 + d;
        if (i - first > MAX_DIGITS) break;
      }
      if (type >= typeCount || id > 0xffffffff || edgeSum + edges > edgeCount || detached > MAX_DETACHEDNESS) break;
      if (name > maxName) {
        maxName = name;
        this.maxNodeNameRow = row;
      }
      nodeType[row] = type;
      nodeName[row] = name;
      nodeId[row] = id;
      selfSize[row] = size;
      firstEdge[row] = edges;
      edgeSum += edges;
      if (detachedness) detachedness[row] = detached;
      row++;
      afterRow = true;
      boundary = i;
    }
    this.maxNodeName = maxName;
    this.edgeSum = edgeSum;
    this.rowsStored(row);
    return boundary;
  }

  /** Node rows on the fast path, for field orders other than V8's; same contract as fastEdges. */
  private fastNodes(b: Uint8Array, i: number, limit: number): number {
    const width = this.nodeFieldCount;
    if (width > this.rowValues.length) return i;
    const values = this.rowValues;
    const { nodeType, nodeName, nodeId, selfSize, firstEdge, detachedness } = this;
    const typeAt = this.nodeTypeColumn;
    const nameAt = this.nodeNameColumn;
    const idAt = this.nodeIdColumn;
    const sizeAt = this.nodeSizeColumn;
    const edgesAt = this.nodeEdgeCountColumn;
    const detachedAt = this.nodeDetachednessColumn;
    const typeCount = this.nodeTypeNames.length;
    const rows = this.nodeCount;
    const edgeCount = this.edgeCount;
    let maxName = this.maxNodeName;
    let edgeSum = this.edgeSum;
    let row = this.row;
    let boundary = i;
    while (i < limit && row < rows) {
      i = this.readPlainRow(b, i, width, row !== this.row || this.numberState === 2);
      if (i < 0) break;
      const type = values[typeAt];
      const id = values[idAt];
      const edges = values[edgesAt];
      if (type >= typeCount || id > 0xffffffff || edgeSum + edges > edgeCount) break;
      if (detachedness && values[detachedAt] > MAX_DETACHEDNESS) break;
      const name = values[nameAt];
      if (name > maxName) {
        maxName = name;
        this.maxNodeNameRow = row;
      }
      nodeType[row] = type;
      nodeName[row] = name;
      nodeId[row] = id;
      selfSize[row] = values[sizeAt];
      firstEdge[row] = edges;
      edgeSum += edges;
      if (detachedness) detachedness[row] = values[detachedAt];
      row++;
      boundary = i;
    }
    this.maxNodeName = maxName;
    this.edgeSum = edgeSum;
    this.rowsStored(row);
    return boundary;
  }

  /**
   * The general scanner, in two stages per call: a tight byte loop that only turns digits into
   * values (kept in a scratch array), then a strided pass that spreads whole rows into the
   * field arrays and checks them. Values of an unfinished row carry over to the next chunk.
   * With `toRowEnd` it stops as soon as the row in progress is complete.
   */
  private scanNumbers(b: Uint8Array, i: number, end: number, toRowEnd: boolean): number {
    const needed = this.carried + ((end - i) >>> 1) + 2;
    if (this.scratch.length < needed) {
      const next = new Float64Array(Math.max(needed, this.scratch.length * 2));
      next.set(this.scratch.subarray(0, this.carried));
      this.scratch = next;
    }
    const values = this.scratch;
    let count = this.carried;
    const width =
      this.section === Section.Nodes
        ? this.nodeFieldCount
        : this.section === Section.Edges
          ? this.edgeFieldCount
          : this.locationFieldCount;
    const stopAt = toRowEnd ? count + width - (count % width) : -1;
    let acc = this.acc;
    let digits = this.digits;
    let numberState = this.numberState;
    const scanStart = i;
    this.startedInNumber = numberState === 1;
    let closed = false;
    // A number cut by the previous chunk's end continues here.
    if (numberState === 1) {
      let d = 0;
      while (i < end && (d = b[i] - 0x30) >>> 0 < 10) {
        acc = acc * 10 + d;
        digits++;
        i++;
      }
      if (i < end) {
        if (digits > MAX_DIGITS) this.fail(`Malformed "${this.key}": number too large`, i);
        values[count++] = acc;
        acc = 0;
        digits = 0;
        numberState = 2;
      }
    }
    // One number at a time: an inner loop over its digits, then the separator.
    while (i < end && count !== stopAt) {
      const c = b[i];
      let d = c - 0x30;
      if (d >>> 0 < 10) {
        if (numberState === 2) this.fail(`Malformed "${this.key}": expected ',' between numbers`, i);
        const first = i;
        let v = d;
        i++;
        while (i < end && (d = b[i] - 0x30) >>> 0 < 10) {
          v = v * 10 + d;
          i++;
        }
        if (i === end) {
          acc = v;
          digits = i - first;
          numberState = 1;
          break;
        }
        if (i - first > MAX_DIGITS) this.fail(`Malformed "${this.key}": number too large`, first);
        values[count++] = v;
        numberState = 2;
        this.sectionEmpty = false;
        continue;
      }
      if (c === COMMA) {
        if (numberState !== 2) this.fail(`Malformed "${this.key}": expected a number, found ','`, i);
        numberState = 0;
      } else if (c === CLOSE_BRACKET) {
        if (numberState === 0 && !this.sectionEmpty) {
          this.fail(`Malformed "${this.key}": expected a number before ']'`, i);
        }
        closed = true;
        break;
      } else if (!isSpace(c)) {
        this.fail(`Malformed "${this.key}": expected a non-negative whole number, found ${describeByte(c)}`, i);
      }
      i++;
    }
    this.acc = acc;
    this.digits = digits;
    this.numberState = numberState;
    this.scanStart = scanStart;
    this.scanBytes = b;
    const used = this.spreadRows(values, count);
    this.carried = count - used;
    values.copyWithin(0, used, count);
    if (!closed) return i;
    this.acc = 0;
    this.digits = 0;
    this.numberState = 0;
    this.finishNumbers(i);
    return i + 1;
  }

  /** Stores whole rows from values[0..count); returns how many values it used. */
  private spreadRows(values: Float64Array, count: number): number {
    if (this.section === Section.Nodes) return this.spreadNodes(values, count);
    if (this.section === Section.Edges) return this.spreadEdges(values, count);
    return this.spreadLocations(values, count);
  }

  private spreadNodes(values: Float64Array, count: number): number {
    const width = this.nodeFieldCount;
    const rows = Math.floor(count / width);
    let row = this.row;
    if (row + rows > this.nodeCount) {
      this.failAtValue(`"nodes" holds more than the ${this.nodeCount} nodes the header declares`, (this.nodeCount - row) * width);
    }
    const { nodeType, nodeName, nodeId, selfSize, firstEdge, detachedness } = this;
    const typeAt = this.nodeTypeColumn;
    const nameAt = this.nodeNameColumn;
    const idAt = this.nodeIdColumn;
    const sizeAt = this.nodeSizeColumn;
    const edgesAt = this.nodeEdgeCountColumn;
    const detachedAt = this.nodeDetachednessColumn;
    const typeCount = this.nodeTypeNames.length;
    let maxName = this.maxNodeName;
    let edgeSum = this.edgeSum;
    for (let v = 0; v < rows * width; v += width, row++) {
      const type = values[v + typeAt];
      if (type >= typeCount) this.failAtValue(`Node ${row} has unknown type ${type}`, v + typeAt);
      nodeType[row] = type;
      const name = values[v + nameAt];
      nodeName[row] = name;
      if (name > maxName) {
        maxName = name;
        this.maxNodeNameRow = row;
      }
      const id = values[v + idAt];
      if (id > 0xffffffff) this.failAtValue(`Node ${row} has an id beyond 32 bits`, v + idAt);
      nodeId[row] = id;
      selfSize[row] = values[v + sizeAt];
      const edges = values[v + edgesAt];
      edgeSum += edges;
      if (edgeSum > this.edgeCount) {
        this.failAtValue(`Node ${row}'s edges run past the ${this.edgeCount} edges the header declares`, v + edgesAt);
      }
      firstEdge[row] = edges;
      if (detachedness) {
        const detached = values[v + detachedAt];
        if (detached > MAX_DETACHEDNESS) {
          this.failAtValue(`Node ${row} has detachedness ${detached}; V8 writes 0 (unknown), 1 (attached) or 2 (detached)`, v + detachedAt);
        }
        detachedness[row] = detached;
      }
    }
    this.row = row;
    this.maxNodeName = maxName;
    this.edgeSum = edgeSum;
    return rows * width;
  }

  private spreadEdges(values: Float64Array, count: number): number {
    const width = this.edgeFieldCount;
    const rows = Math.floor(count / width);
    let row = this.row;
    if (row + rows > this.edgeCount) {
      this.failAtValue(`"edges" holds more than the ${this.edgeCount} edges the header declares`, (this.edgeCount - row) * width);
    }
    const { edgeType, edgeName, edgeTarget } = this;
    const typeAt = this.edgeTypeColumn;
    const nameAt = this.edgeNameColumn;
    const toAt = this.edgeToColumn;
    const typeCount = this.edgeTypeNames.length;
    const nodeWidth = this.nodeFieldCount;
    const limit = this.nodeCount * nodeWidth;
    const kinds = resolveEdgeTypes(this.edgeTypeNames);
    for (let v = 0; v < rows * width; v += width, row++) {
      const type = values[v + typeAt];
      if (type >= typeCount) this.failAtValue(`Edge ${row} has unknown type ${type}`, v + typeAt);
      edgeType[row] = type;
      const name = values[v + nameAt];
      if (name > 0xffffffff) this.failAtValue(`Edge ${row} has a name_or_index beyond 32 bits (${name})`, v + nameAt);
      edgeName[row] = name;
      if (name > this.maxNamedEdge && type !== kinds.element && type !== kinds.hidden) {
        this.maxNamedEdge = name;
        this.maxNamedEdgeRow = row;
      }
      const to = values[v + toAt];
      // A float division and floor are much cheaper than `%` on doubles.
      const target = to / nodeWidth;
      if (to >= limit || target !== Math.floor(target)) {
        this.failAtValue(
          `Edge ${row} points outside the node array (to_node ${to}, ${this.nodeCount} nodes × ${nodeWidth} fields)`,
          v + toAt,
        );
      }
      edgeTarget[row] = target;
    }
    this.row = row;
    return rows * width;
  }

  private spreadLocations(values: Float64Array, count: number): number {
    const width = this.locationFieldCount;
    const rows = Math.floor(count / width);
    const slots = this.locationSlots;
    const row = new Float64Array(4);
    for (let v = 0; v < rows * width; v += width) {
      for (let f = 0; f < width; f++) if (slots[f] >= 0) row[slots[f]] = values[v + f];
      const objectIndex = row[0];
      if (objectIndex % this.nodeFieldCount !== 0 || objectIndex / this.nodeFieldCount >= this.nodeCount) {
        this.failAtValue(`Location ${this.row} points outside the node array`, v);
      }
      this.row++;
      this.locations.push(objectIndex / this.nodeFieldCount);
      this.locations.push(row[1]);
      this.locations.push(row[2]);
      this.locations.push(row[3]);
    }
    return rows * width;
  }

  /**
   * Byte offset of the value at scratch position k: re-scans the current chunk (only on the
   * error path or for the rare largest-name record). Carried values lie before the chunk.
   */
  private offsetOfValue(k: number): number {
    let index = k - this.carried;
    if (index < 0) return this.base + this.scanStart;
    if (this.startedInNumber) {
      if (index === 0) return this.base + this.scanStart;
      index--;
    }
    const b = this.scanBytes;
    let inNumber = this.startedInNumber;
    for (let i = this.scanStart; i < b.length; i++) {
      const isDigit = b[i] >= 0x30 && b[i] <= 0x39;
      if (isDigit && !inNumber) {
        if (index === 0) return this.base + i;
        index--;
      }
      inNumber = isDigit;
    }
    return this.base + b.length;
  }

  private failAtValue(problem: string, k: number): never {
    throw new HeapSnapshotError(problem, this.offsetOfValue(k));
  }

  private finishNumbers(i: number): void {
    if (this.section === Section.Edges) this.edgeSectionEnd = this.base + i;
    if (this.carried !== 0) this.fail(`"${this.key}" ends in the middle of a row`, i);
    if (this.section === Section.Nodes) {
      if (this.row !== this.nodeCount) {
        this.fail(`"nodes" holds ${this.row} nodes but the header declares ${this.nodeCount}`, i);
      }
      if (this.edgeSum !== this.edgeCount) {
        this.fail(`The nodes' edge counts add up to ${this.edgeSum} but the header declares ${this.edgeCount} edges`, i);
      }
      // Per-node edge counts become first-edge offsets.
      countsToOffsets(this.firstEdge, this.nodeCount);
    } else if (this.section === Section.Edges) {
      if (this.row !== this.edgeCount) {
        this.fail(`"edges" holds ${this.row} edges but the header declares ${this.edgeCount}`, i);
      }
    }
    this.state = State.AfterValue;
  }

  // ---- Strings ----

  /**
   * The strings section: the chunk's bytes are copied into the string table in one run, and
   * one loop walks them, recording where each string starts and ends (escapes are checked
   * here and decoded only when a string is read).
   */
  private readStrings(b: Uint8Array, i: number, end: number): number {
    const table = this.strings;
    let state = this.state;
    // Block offset of b[k] is k + delta.
    const delta = table.copyRun(b, i, end, state === State.StringIn || state === State.StringEscape) - i;
    const words = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2) : null;
    while (i < end) {
      if (state === State.StringIn) {
        // To the next quote, backslash or control character.
        i = plainRunEnd(b, words, i, end);
        if (i === end) break;
        const c = b[i];
        if (c === QUOTE) {
          table.end(i + delta);
          this.sectionEmpty = false;
          // V8 writes `",\n"` between strings: step straight into the next one.
          if (i + 3 < end && b[i + 1] === COMMA && b[i + 2] === NEWLINE && b[i + 3] === QUOTE) {
            table.begin(i + 4 + delta);
            i += 4;
            continue;
          }
          state = State.StringsAfterItem;
        } else if (c === BACKSLASH) {
          table.markEscaped();
          state = State.StringEscape;
        } else {
          this.fail(`Malformed string ${table.count}: unescaped control character`, i);
        }
        i++;
        continue;
      }
      const c = b[i];
      if (state === State.StringEscape) {
        if (this.uHexLeft > 0) {
          const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
          if (!hex) this.fail(`Malformed string ${table.count}: bad \\u escape`, i);
          if (--this.uHexLeft === 0) state = State.StringIn;
        } else if (c === 0x75 /* u */) {
          this.uHexLeft = 4;
        } else if (
          c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74
        ) {
          state = State.StringIn;
        } else {
          this.fail(`Malformed string ${table.count}: invalid escape \\${String.fromCharCode(c)}`, i);
        }
      } else if (state === State.StringsAfterItem) {
        if (c === COMMA) state = State.StringsExpect;
        else if (c === CLOSE_BRACKET) {
          this.finishStrings(i);
          return i + 1;
        } else if (!isSpace(c)) this.fail(`Malformed "strings": expected ',' or ']', found ${describeByte(c)}`, i);
      } else if (c === QUOTE) {
        table.begin(i + 1 + delta);
        state = State.StringIn;
      } else if (c === CLOSE_BRACKET && this.sectionEmpty) {
        this.finishStrings(i);
        return i + 1;
      } else if (!isSpace(c)) {
        this.fail(`Malformed "strings": expected a string, found ${describeByte(c)}`, i);
      }
      i++;
    }
    this.state = state;
    return end;
  }

  private finishStrings(i: number): void {
    const table = this.strings;
    table.seal();
    const count = table.count;
    if (this.nodeCount > 0 && this.maxNodeName >= count) {
      this.fail(`Node ${this.maxNodeNameRow} names string ${this.maxNodeName} but "strings" holds only ${count}`, i);
    }
    this.stringsEnd = this.base + i;
    // Edge names are string indexes except for element and hidden edges; with the edges read
    // elsewhere, checkEdgeSection() does this.
    if (!this.options.edgesElsewhere) this.checkEdgeNames(this.maxNamedEdge, this.maxNamedEdgeRow, this.stringsEnd);
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

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
