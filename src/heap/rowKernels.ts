/**
 * The parser's fast paths for edge rows and V8-layout node rows, in WebAssembly (text and
 * rules in rowKernels.wat.mjs beside it): about twice the speed of the same loops in JavaScript,
 * which pay a bounds check per byte and doubles for every number. The input is copied into
 * the kernel's memory a slice at a time, and the columns it fills are copied out: both copies
 * stay in cache and cost a few percent of the parse.
 *
 * Same contract as the JavaScript fast paths: rows are stored up to the first one that is not
 * plain V8 layout or is out of range, and the parser's general scanner takes over there.
 */
import { ROW_KERNELS_WASM } from './rowKernels.wasm';
import { compiledOnce } from './wasm';
import type { HeapSnapshot } from './snapshot';

interface Exports {
  edges(
    i: number, limit: number, rows: number, afterRow: number,
    typeAt: number, nameAt: number, toAt: number,
    typeCount: number, elementType: number, hiddenType: number,
    nodeWidth: number, nodeLimit: bigint, maxNamed: number,
    typeOut: number, nameOut: number, targetOut: number,
  ): number;
  v8Nodes(
    i: number, limit: number, rows: number, afterRow: number,
    typeCount: number, edgeCount: number, edgeSum: number, maxName: number, detached: number,
    typeOut: number, nameOut: number, idOut: number, sizeOut: number, edgesOut: number, detachedOut: number,
  ): number;
}

/** Input bytes per call: the slice and the columns it fills stay in the core's cache. */
const SLICE = 64 * 1024;
/**
 * The parser's fast paths (these kernels and its JavaScript ones) start no row within this
 * many bytes of a chunk's end. A row they accept has at most 16 fields of at most 15 digits
 * and their separators, so it lies inside the chunk.
 */
export const FAST_PATH_GUARD = 512;
/** Bytes past the slice that are copied too, so a row that starts in it ends in view. */
const GUARD = FAST_PATH_GUARD;
/** The fewest bytes a row takes ("0,0,0" and the ',' before the next): bounds the rows per slice. */
const MIN_ROW_BYTES = 6;
const ROWS_PER_SLICE = Math.ceil((SLICE + GUARD) / MIN_ROW_BYTES) + 1;

// Memory layout: results, the input slice (and a zero after it), then the output columns
// (each 8-byte aligned, sized for the most rows a slice can hold).
const INPUT = 64;
const COLUMN_0 = align8(INPUT + SLICE + GUARD + 8);
const U8_BYTES = align8(ROWS_PER_SLICE);
const U32_BYTES = align8(ROWS_PER_SLICE * 4);
const F64_BYTES = ROWS_PER_SLICE * 8;
// Edges: type (u8), name, target; nodes: type (u8), name, id, edge count, self size (f64), detachedness (u8).
const TYPE_OUT = COLUMN_0;
const NAME_OUT = TYPE_OUT + U8_BYTES;
const THIRD_OUT = NAME_OUT + U32_BYTES;
const EDGES_OUT = THIRD_OUT + U32_BYTES;
const SIZE_OUT = EDGES_OUT + U32_BYTES;
const DETACHED_OUT = SIZE_OUT + F64_BYTES;
const MEMORY_BYTES = DETACHED_OUT + U8_BYTES;
const PAGE = 64 * 1024;

function align8(n: number): number {
  return (n + 7) & ~7;
}

const rowKernelModule = compiledOnce(ROW_KERNELS_WASM);

export type EdgeColumns = Pick<HeapSnapshot, 'edgeType' | 'edgeName' | 'edgeTarget'>;

export interface EdgeRowRules {
  /** Column of each field in a row of three. */
  readonly typeAt: number;
  readonly nameAt: number;
  readonly toAt: number;
  readonly typeCount: number;
  readonly elementType: number;
  readonly hiddenType: number;
  readonly nodeWidth: number;
  /** nodeCount × nodeWidth: "to" must be below it. */
  readonly nodeLimit: number;
}

/** The node columns the kernels fill; `firstEdge` holds each node's edge count until the parser turns them into offsets. */
export type NodeColumns = Pick<HeapSnapshot, 'nodeType' | 'nodeName' | 'nodeId' | 'selfSize' | 'firstEdge' | 'detachedness'>;

/** Where a run stopped, with the row counters it carries. */
export interface RowProgress {
  /** Input offset after the last row stored (where the general scanner resumes). */
  i: number;
  /** Rows stored so far (the next row's index). */
  row: number;
  /** Whether a row has been read (the next one is preceded by ','). */
  afterRow: boolean;
  /** Largest string index (edges: of string-named edges; nodes: of names), and its row. */
  maxName: number;
  maxNameRow: number;
  /** Nodes only: the edge counts so far. */
  edgeSum: number;
}

export class RowKernels {
  private readonly kernels: Exports;
  private readonly bytes: Uint8Array;
  private readonly results: DataView;

  private constructor(module: WebAssembly.Module) {
    // At its full size from the start, never grown: growing a memory detaches its buffer, and
    // the first buffer detached in a thread makes V8 check every typed array access there for
    // it from then on (measured: the analysis after the parse took 50-75 ms longer).
    const memory = new WebAssembly.Memory({ initial: Math.ceil(MEMORY_BYTES / PAGE) });
    this.kernels = new WebAssembly.Instance(module, { kernel: { memory } }).exports as unknown as Exports;
    this.bytes = new Uint8Array(memory.buffer);
    this.results = new DataView(memory.buffer);
  }

  /**
   * Kernels for one parser; null where WebAssembly is not available (the JavaScript paths then
   * run). That includes a process whose address space is limited (ulimit -v): V8 reserves
   * gigabytes of guard pages for every WebAssembly memory, and the reservation fails there.
   */
  static create(): RowKernels | null {
    const module = rowKernelModule();
    if (!module) return null;
    try {
      return new RowKernels(module);
    } catch {
      return null;
    }
  }

  /**
   * Edge rows from b[at.i, limit) (b holds at least GUARD bytes past limit, or ends sooner),
   * at most `rows` in all; updates `at`.
   */
  edges(b: Uint8Array, limit: number, rows: number, rules: EdgeRowRules, out: EdgeColumns, at: RowProgress): void {
    const { typeAt, nameAt, toAt, typeCount, elementType, hiddenType, nodeWidth } = rules;
    const nodeLimit = BigInt(rules.nodeLimit);
    while (at.i < limit && at.row < rows) {
      const sliceEnd = this.load(b, at.i, limit);
      const stored = this.kernels.edges(
        INPUT, sliceEnd, Math.min(rows - at.row, ROWS_PER_SLICE), at.afterRow ? 1 : 0,
        typeAt, nameAt, toAt, typeCount, elementType, hiddenType, nodeWidth, nodeLimit, at.maxName,
        TYPE_OUT, NAME_OUT, THIRD_OUT,
      );
      out.edgeType.set(this.bytes.subarray(TYPE_OUT, TYPE_OUT + stored), at.row);
      out.edgeName.set(this.u32(NAME_OUT, stored), at.row);
      out.edgeTarget.set(this.u32(THIRD_OUT, stored), at.row);
      if (this.advance(at, stored, sliceEnd)) return;
    }
  }

  /** V8-layout node rows; same contract as edges(). */
  v8Nodes(b: Uint8Array, limit: number, rows: number, typeCount: number, edgeCount: number, out: NodeColumns, at: RowProgress): void {
    const detached = out.detachedness;
    while (at.i < limit && at.row < rows) {
      const sliceEnd = this.load(b, at.i, limit);
      const stored = this.kernels.v8Nodes(
        INPUT, sliceEnd, Math.min(rows - at.row, ROWS_PER_SLICE), at.afterRow ? 1 : 0,
        typeCount, edgeCount, at.edgeSum, at.maxName, detached ? 1 : 0,
        TYPE_OUT, NAME_OUT, THIRD_OUT, SIZE_OUT, EDGES_OUT, DETACHED_OUT,
      );
      out.nodeType.set(this.bytes.subarray(TYPE_OUT, TYPE_OUT + stored), at.row);
      out.nodeName.set(this.u32(NAME_OUT, stored), at.row);
      out.nodeId.set(this.u32(THIRD_OUT, stored), at.row);
      out.firstEdge.set(this.u32(EDGES_OUT, stored), at.row);
      out.selfSize.set(new Float64Array(this.bytes.buffer, SIZE_OUT, stored), at.row);
      detached?.set(this.bytes.subarray(DETACHED_OUT, DETACHED_OUT + stored), at.row);
      at.edgeSum = this.results.getFloat64(24, true);
      if (this.advance(at, stored, sliceEnd)) return;
    }
  }

  /** Copies b[i, min(limit, i + SLICE)) and up to GUARD bytes more into memory, a zero after; returns the slice's end in memory. */
  private load(b: Uint8Array, i: number, limit: number): number {
    const sliceStop = Math.min(limit, i + SLICE);
    const copyEnd = Math.min(b.length, sliceStop + GUARD);
    this.bytes.set(b.subarray(i, copyEnd), INPUT);
    this.bytes[INPUT + copyEnd - i] = 0;
    return INPUT + sliceStop - i;
  }

  /** Takes a run's results into `at`; true if it stopped before its slice's end (a row refused, or all rows read). */
  private advance(at: RowProgress, stored: number, sliceEnd: number): boolean {
    const stop = this.results.getUint32(0, true);
    const nameRow = this.results.getInt32(16, true);
    if (nameRow >= 0) {
      at.maxName = this.results.getFloat64(8, true);
      at.maxNameRow = at.row + nameRow;
    }
    at.i += stop - INPUT;
    at.row += stored;
    if (stored > 0) at.afterRow = true;
    return stop < sliceEnd;
  }

  private u32(offset: number, length: number): Uint32Array {
    return new Uint32Array(this.bytes.buffer, offset, length);
  }
}
