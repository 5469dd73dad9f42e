/**
 * The snapshot parser's number sections, "nodes", "edges" and "locations": their rows are
 * stored straight into the typed arrays the header sized (parserHeader.ts) as the bytes go by.
 * Fast paths (parserFastRows.ts, parserLocations.ts) take V8's plain layout; the general
 * scanner here takes any JSON spacing and reports errors precisely.
 */
import { countsToOffsets } from './csr';
import { HeapSnapshotError } from './errors';
import { GrowableUint32 } from './growable';
import type { EdgeSectionJob } from './parser';
import { CLOSE_BRACKET, COMMA, describeByte, isSpace, MAX_DETACHEDNESS, MAX_DIGITS } from './parserBytes';
import { fastEdges, fastNodes, fastV8Nodes } from './parserFastRows';
import type { RowArrays, SnapshotMeta } from './parserHeader';
import { fastLocations, spreadLocations } from './parserLocations';
import { FAST_PATH_GUARD, RowKernels } from './rowKernels';
import { resolveEdgeTypes } from './snapshot';

export const enum Section {
  Nodes,
  Edges,
  Locations,
}

const SECTION_KEYS = ['nodes', 'edges', 'locations'];

/**
 * Reads one number section at a time into the arrays: begin() at its '[', then read() chunk
 * by chunk until `closed`. What the fast paths use is not private.
 */
export class RowReader {
  section = Section.Nodes;
  /** The section's key, as errors name it. */
  private key = '';
  /** Absolute offset of the first byte of the chunk being read. */
  private base = 0;
  /** The section's ']' has been read and its rows checked. */
  closed = false;
  private acc = 0;
  /** Parsed values not yet spread into rows (an unfinished row from the previous chunk). */
  private scratch = new Float64Array(1 << 16);
  /** One node row on the fast path (layouts with more fields take the general path). */
  readonly rowValues = new Float64Array(16);
  private carried = 0;
  private scanStart = 0;
  private scanBytes: Uint8Array = new Uint8Array(0);
  private startedInNumber = false;
  private digits = 0;
  /** 0 = expecting a number, 1 = inside one, 2 = after one (expecting ',' or ']'). */
  numberState = 0;
  private sectionEmpty = true;
  row = 0;

  // The header's layout (parserHeader.ts) and the arrays the rows go into
  nodeCount = 0;
  edgeCount = 0;
  nodeFieldCount = 0;
  edgeFieldCount = 0;
  nodeTypeColumn = -1;
  nodeNameColumn = -1;
  nodeIdColumn = -1;
  nodeSizeColumn = -1;
  nodeEdgeCountColumn = -1;
  nodeDetachednessColumn = -1;
  /** trace_node_id's column, used only when `traceNodeId` is kept (the snapshot has trace data). */
  nodeTraceColumn = -1;
  /** node_fields are V8's own, in its order: fastV8Nodes applies. */
  private v8NodeLayout = false;
  edgeTypeColumn = -1;
  edgeNameColumn = -1;
  edgeToColumn = -1;
  nodeTypeNames: string[] = [];
  edgeTypeNames: string[] = [];
  nodeType: Uint8Array = new Uint8Array(0);
  nodeName: Uint32Array = new Uint32Array(0);
  nodeId: Uint32Array = new Uint32Array(0);
  selfSize: Float64Array = new Float64Array(0);
  firstEdge: Uint32Array = new Uint32Array(1);
  detachedness: Uint8Array | null = null;
  /** Per node: its trace node id, kept only when the snapshot has trace data (else null, and no cost). */
  traceNodeId: Uint32Array | null = null;
  edgeType: Uint8Array = new Uint8Array(0);
  edgeName: Uint32Array = new Uint32Array(0);
  edgeTarget: Uint32Array = new Uint32Array(0);
  locationFieldCount = 0;
  locationSlots: Int8Array = new Int8Array(0);
  readonly locations = new GrowableUint32(4096);

  // What the rows add up to (string indexes are checked once "strings" is read)
  edgeSum = 0;
  maxNodeName = 0;
  maxNodeNameRow = 0;
  maxNamedEdge = -1;
  maxNamedEdgeRow = -1;
  /** Absolute offset of the "edges" section's ']', once seen (parser.ts sets it when it skips the section). */
  edgeSectionEnd = -1;

  /** Made on the first fast-path row: null once known to be unavailable or not wanted. */
  private kernels: RowKernels | null | undefined;
  kernelRows = 0;

  /** `useKernels`: as ParserOptions.rowKernels. */
  constructor(private readonly useKernels: boolean) {}

  /** The header's layout, and the arrays allocated for it. */
  configure(meta: SnapshotMeta, arrays: RowArrays): void {
    this.nodeTypeNames = meta.nodeTypeNames;
    this.edgeTypeNames = meta.edgeTypeNames;
    this.nodeFieldCount = meta.nodeFieldCount;
    this.edgeFieldCount = meta.edgeFieldCount;
    this.nodeTypeColumn = meta.nodeTypeColumn;
    this.nodeNameColumn = meta.nodeNameColumn;
    this.nodeIdColumn = meta.nodeIdColumn;
    this.nodeSizeColumn = meta.nodeSizeColumn;
    this.nodeEdgeCountColumn = meta.nodeEdgeCountColumn;
    this.nodeDetachednessColumn = meta.nodeDetachednessColumn;
    this.nodeTraceColumn = meta.nodeTraceColumn;
    this.v8NodeLayout = meta.v8NodeLayout;
    this.edgeTypeColumn = meta.edgeTypeColumn;
    this.edgeNameColumn = meta.edgeNameColumn;
    this.edgeToColumn = meta.edgeToColumn;
    this.locationFieldCount = meta.locationFieldCount;
    this.locationSlots = meta.locationSlots;
    this.nodeCount = meta.nodeCount;
    this.edgeCount = meta.edgeCount;
    this.nodeType = arrays.nodeType;
    this.nodeName = arrays.nodeName;
    this.nodeId = arrays.nodeId;
    this.selfSize = arrays.selfSize;
    this.firstEdge = arrays.firstEdge;
    this.detachedness = arrays.detachedness;
    this.traceNodeId = arrays.traceNodeId;
    this.edgeType = arrays.edgeType;
    this.edgeName = arrays.edgeName;
    this.edgeTarget = arrays.edgeTarget;
  }

  /** For the "edges" section alone (SnapshotParser.forEdgeSection): the job's layout and arrays. */
  configureEdges(job: EdgeSectionJob): void {
    this.nodeCount = job.nodeCount;
    this.nodeFieldCount = job.nodeFieldCount;
    this.edgeCount = job.edgeCount;
    this.edgeFieldCount = job.edgeFields.length;
    this.edgeTypeColumn = job.edgeFields.indexOf('type');
    this.edgeNameColumn = job.edgeFields.indexOf('name_or_index');
    this.edgeToColumn = job.edgeFields.indexOf('to_node');
    this.edgeTypeNames = [...job.edgeTypeNames];
    this.edgeType = job.edgeType;
    this.edgeName = job.edgeName;
    this.edgeTarget = job.edgeTarget;
  }

  /** Called just past the section's '['. */
  begin(section: Section): void {
    this.section = section;
    this.key = SECTION_KEYS[section];
    this.closed = false;
    this.acc = 0;
    this.digits = 0;
    this.numberState = 0;
    this.sectionEmpty = true;
    this.carried = 0;
    this.row = 0;
  }

  expectedRows(): string {
    if (this.section === Section.Nodes) return `${this.nodeCount} nodes`;
    if (this.section === Section.Edges) return `${this.edgeCount} edges`;
    return 'locations';
  }

  private fail(problem: string, index: number): never {
    throw new HeapSnapshotError(problem, this.base + index);
  }

  /**
   * Most of a section goes through a fast path that assumes V8's own layout (rows of plain
   * digits and commas, a newline allowed between rows) and stores each row straight into the
   * field arrays. It stops at anything else, and near the chunk's end, leaving the rest to the
   * general scanner below, which accepts any JSON spacing and reports errors precisely.
   * `base` is the chunk's absolute offset; returns where it stopped (past the ']' once `closed`).
   */
  read(b: Uint8Array, i: number, end: number, base: number): number {
    this.base = base;
    // Finish a row the previous chunk cut, so the fast path starts on a row boundary.
    if (!this.atRowBoundary()) i = this.scanNumbers(b, i, end, true);
    if (!this.closed && this.atRowBoundary() && end - i > FAST_PATH_GUARD) {
      const limit = end - FAST_PATH_GUARD;
      if (this.section === Section.Edges) i = fastEdges(this, b, i, limit);
      else if (this.section === Section.Locations) i = fastLocations(this, b, i, limit);
      // Rows whose trace node ids are kept take the per-field path (the unrolled one and the
      // kernels skip that field): only snapshots that ended allocation tracking.
      else if (this.v8NodeLayout && !this.traceNodeId) i = fastV8Nodes(this, b, i, limit);
      else i = fastNodes(this, b, i, limit);
    }
    if (this.closed || i >= end) return i;
    return this.scanNumbers(b, i, end, false);
  }

  private atRowBoundary(): boolean {
    return this.carried === 0 && this.numberState !== 1;
  }

  rowKernels(): RowKernels | null {
    if (this.kernels === undefined) this.kernels = this.useKernels ? RowKernels.create() : null;
    return this.kernels;
  }

  /** After a fast path: `row` rows are stored; if any were, the last number has been read. */
  rowsStored(row: number): void {
    if (row === this.row) return;
    this.row = row;
    this.numberState = 2;
    this.sectionEmpty = false;
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
    return spreadLocations(this, values, count);
  }

  private spreadNodes(values: Float64Array, count: number): number {
    const width = this.nodeFieldCount;
    const rows = Math.floor(count / width);
    let row = this.row;
    if (row + rows > this.nodeCount) {
      this.failAtValue(`"nodes" holds more than the ${this.nodeCount} nodes the header declares`, (this.nodeCount - row) * width);
    }
    const { nodeType, nodeName, nodeId, selfSize, firstEdge, detachedness, traceNodeId } = this;
    const typeAt = this.nodeTypeColumn;
    const nameAt = this.nodeNameColumn;
    const idAt = this.nodeIdColumn;
    const sizeAt = this.nodeSizeColumn;
    const edgesAt = this.nodeEdgeCountColumn;
    const detachedAt = this.nodeDetachednessColumn;
    const traceAt = this.nodeTraceColumn;
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
      if (traceNodeId) {
        const trace = values[v + traceAt];
        if (trace > 0xffffffff) this.failAtValue(`Node ${row} has a trace_node_id beyond 32 bits`, v + traceAt);
        traceNodeId[row] = trace;
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

  failAtValue(problem: string, k: number): never {
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
    this.closed = true;
  }
}
