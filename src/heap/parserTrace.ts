/**
 * The snapshot parser's allocation-trace sections, read only when the header counts trace
 * functions (`trace_function_count` > 0: the snapshot ended allocation tracking). Every other
 * snapshot skips them as before.
 *
 * - "trace_function_infos": flat rows of `meta.trace_function_info_fields` (V8: function_id,
 *   name, script_name, script_id, line, column). name and script_name are string indexes;
 *   line and column are 1-based, 0 where V8 has none (builtins), and give where the function
 *   is defined, not the allocating statement.
 * - "trace_tree": nested rows of `meta.trace_node_fields` (V8: id, function_info_index, count,
 *   size, children), each node's children an array of nodes flattened the same way:
 *   `[1,0,94,4424,[2,1,413,30744,[],3,2,4,296,[]]]`. The top array holds the root, whose
 *   function is "(root)". Node rows name their trace node by id in `trace_node_id` (0: none).
 *
 * Both become typed arrays (allocationTrace.ts): no object per trace node. Any JSON spacing is
 * accepted and every problem is a HeapSnapshotError at its byte.
 */
import type { AllocationTrace } from './allocationTrace';
import { HeapSnapshotError } from './errors';
import { CLOSE_BRACKET, COMMA, describeByte, isSpace, MAX_DIGITS, OPEN_BRACKET } from './parserBytes';

/** What the header says about the trace sections, checked by readTraceMeta. */
export interface TraceMeta {
  readonly functionCount: number;
  readonly functionFieldCount: number;
  /** Per function info field: 0 name, 1 script_name, 2 script_id, 3 line, 4 column, -1 another. */
  readonly functionSlots: Int8Array;
  readonly nodeFieldCount: number;
  readonly nodeIdColumn: number;
  readonly nodeFunctionColumn: number;
  readonly nodeChildrenColumn: number;
}

const FUNCTION_FIELDS = ['name', 'script_name', 'script_id', 'line', 'column'];
/** Trees deeper than this are refused (V8 keeps at most 64 frames of a stack). */
const MAX_DEPTH = 4096;
/** Trace node ids index a dense array: V8 numbers them 1, 2, 3, … */
const MAX_SPARSE_ID = 1 << 24;

/**
 * The trace part of the header, or null when the snapshot has no trace data (no trace
 * functions, or node rows without trace_node_id). Throws on a header that counts trace
 * functions but does not describe their rows.
 */
export function readTraceMeta(
  header: Record<string, unknown>,
  meta: Record<string, unknown>,
  nodeFields: readonly string[],
  at: number,
): TraceMeta | null {
  const count = header.trace_function_count;
  if (count === undefined || count === 0 || !nodeFields.includes('trace_node_id')) return null;
  const fail = (problem: string): never => {
    throw new HeapSnapshotError(problem, at);
  };
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 0xffffffff) {
    fail('Bad snapshot header: trace_function_count must be a whole number');
  }
  const functionFields = names(meta.trace_function_info_fields);
  const nodeTraceFields = names(meta.trace_node_fields);
  if (!functionFields) return fail('Bad snapshot meta: trace_function_count is set but "trace_function_info_fields" is not a list of names');
  if (!nodeTraceFields) return fail('Bad snapshot meta: trace_function_count is set but "trace_node_fields" is not a list of names');
  for (const f of FUNCTION_FIELDS) {
    if (!functionFields.includes(f)) fail(`Bad snapshot meta: trace_function_info_fields lacks "${f}"`);
  }
  for (const f of ['id', 'function_info_index', 'children']) {
    if (!nodeTraceFields.includes(f)) fail(`Bad snapshot meta: trace_node_fields lacks "${f}"`);
  }
  return {
    functionCount: count as number,
    functionFieldCount: functionFields.length,
    functionSlots: new Int8Array(functionFields.map((f) => FUNCTION_FIELDS.indexOf(f))),
    nodeFieldCount: nodeTraceFields.length,
    nodeIdColumn: nodeTraceFields.indexOf('id'),
    nodeFunctionColumn: nodeTraceFields.indexOf('function_info_index'),
    nodeChildrenColumn: nodeTraceFields.indexOf('children'),
  };
}

function names(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
}

/** Reads "trace_function_infos" and "trace_tree" as they stream by: begin() at a section's '[', then read() until `closed`. */
export class TraceReader {
  private section: 'trace_function_infos' | 'trace_tree' = 'trace_tree';
  private base = 0;
  closed = false;
  private acc = 0;
  private digits = 0;
  /** 0 = expecting a value, 1 = inside a number, 2 = after a value. */
  private numberState = 0;
  /** Whether the innermost open array has a value yet (a ',' before ']' is an error). */
  private hasValue = false;
  readonly seen = new Set<string>();

  // Function infos: one value per field, row by row.
  private functionValues = 0;
  readonly functionName: Uint32Array;
  readonly scriptName: Uint32Array;
  readonly scriptId: Uint32Array;
  readonly line: Uint32Array;
  readonly column: Uint32Array;
  /** The largest string index the function infos use (checked once "strings" is read). */
  maxString = 0;

  // Trace nodes, in the order they open: id, parent position + 1 (0: none), function info row.
  private ids: Uint32Array = new Uint32Array(256);
  private parents: Uint32Array = new Uint32Array(256);
  private functions: Uint32Array = new Uint32Array(256);
  private nodeCount = 0;
  private maxId = 0;
  /** Open arrays of nodes: the node each belongs to (-1 for the section's own), and the field reached in the current node. */
  private readonly frameParent: number[] = [];
  private readonly frameField: number[] = [];
  /** Per open array: the position of the node being read in it. */
  private readonly frameNode: number[] = [];

  constructor(private readonly meta: TraceMeta) {
    const n = meta.functionCount;
    this.functionName = new Uint32Array(n);
    this.scriptName = new Uint32Array(n);
    this.scriptId = new Uint32Array(n);
    this.line = new Uint32Array(n);
    this.column = new Uint32Array(n);
  }

  /** Called just past the section's '['. */
  begin(section: 'trace_function_infos' | 'trace_tree'): void {
    this.section = section;
    this.seen.add(section);
    this.closed = false;
    this.acc = 0;
    this.digits = 0;
    this.numberState = 0;
    this.hasValue = false;
    if (section === 'trace_tree') this.pushFrame(-1);
  }

  private fail(problem: string, index: number): never {
    throw new HeapSnapshotError(`Malformed "${this.section}": ${problem}`, this.base + index);
  }

  /** `base` is the chunk's absolute offset; returns where it stopped (past the ']' once `closed`). */
  read(b: Uint8Array, i: number, end: number, base: number): number {
    this.base = base;
    let acc = this.acc;
    let digits = this.digits;
    while (i < end) {
      const c = b[i];
      const d = c - 0x30;
      if (d >>> 0 < 10) {
        if (this.numberState === 2) this.fail("expected ',' between values", i);
        if (this.numberState === 0) {
          acc = 0;
          digits = 0;
          this.numberState = 1;
        }
        acc = acc * 10 + d;
        if (++digits > MAX_DIGITS) this.fail('number too large', i);
        i++;
        continue;
      }
      if (this.numberState === 1) {
        this.value(acc, i - digits);
        this.numberState = 2;
      }
      if (c === COMMA) {
        if (this.numberState !== 2) this.fail("expected a value, found ','", i);
        this.numberState = 0;
      } else if (c === CLOSE_BRACKET) {
        if (this.numberState === 0 && this.hasValue) this.fail("expected a value before ']'", i);
        if (this.closeArray(i)) {
          this.acc = 0;
          this.digits = 0;
          return i + 1;
        }
      } else if (c === OPEN_BRACKET) {
        if (this.numberState === 2) this.fail("expected ',' between values", i);
        this.openArray(i);
      } else if (!isSpace(c)) {
        this.fail(`expected a non-negative whole number, found ${describeByte(c)}`, i);
      }
      i++;
    }
    this.acc = acc;
    this.digits = digits;
    return i;
  }

  /** A number at byte `at`. */
  private value(v: number, at: number): void {
    this.hasValue = true;
    if (this.section === 'trace_function_infos') {
      const meta = this.meta;
      const width = meta.functionFieldCount;
      const row = Math.floor(this.functionValues / width);
      if (row >= meta.functionCount) this.fail(`more than the ${meta.functionCount} rows trace_function_count declares`, at);
      if (v > 0xffffffff) this.fail(`a value beyond 32 bits (${v})`, at);
      const slot = meta.functionSlots[this.functionValues % width];
      if (slot === 0) this.functionName[row] = v;
      else if (slot === 1) this.scriptName[row] = v;
      else if (slot === 2) this.scriptId[row] = v;
      else if (slot === 3) this.line[row] = v;
      else if (slot === 4) this.column[row] = v;
      if ((slot === 0 || slot === 1) && v > this.maxString) this.maxString = v;
      this.functionValues++;
      return;
    }
    const top = this.frameField.length - 1;
    const field = this.frameField[top];
    if (field === 0) this.frameNode[top] = this.openNode(this.frameParent[top]);
    const node = this.frameNode[top];
    if (field === this.meta.nodeChildrenColumn) this.fail("expected '[' for a trace node's children, found a number", at);
    if (field === this.meta.nodeIdColumn) {
      if (v > 0xffffffff) this.fail(`trace node id ${v} is beyond 32 bits`, at);
      if (v === 0) this.fail('trace node id 0 is reserved for "no trace"', at);
      this.ids[node] = v;
      if (v > this.maxId) this.maxId = v;
    } else if (field === this.meta.nodeFunctionColumn) {
      if (v >= this.meta.functionCount) {
        this.fail(`function_info_index ${v} but trace_function_count is ${this.meta.functionCount}`, at);
      }
      this.functions[node] = v;
    }
    this.frameField[top] = field + 1 === this.meta.nodeFieldCount ? 0 : field + 1;
  }

  private openArray(at: number): void {
    if (this.section === 'trace_function_infos') this.fail("expected a number, found '['", at);
    const top = this.frameField.length - 1;
    const field = this.frameField[top];
    if (field !== this.meta.nodeChildrenColumn) this.fail("expected a number, found '['", at);
    if (field === 0) this.frameNode[top] = this.openNode(this.frameParent[top]);
    if (this.frameField.length >= MAX_DEPTH) this.fail(`trace nodes nested deeper than ${MAX_DEPTH}`, at);
    this.pushFrame(this.frameNode[top]);
    this.hasValue = false;
  }

  /** At a ']': true when it closes the section. */
  private closeArray(at: number): boolean {
    if (this.section === 'trace_function_infos') {
      const { functionCount, functionFieldCount } = this.meta;
      if (this.functionValues !== functionCount * functionFieldCount) {
        this.fail(
          `holds ${Math.floor(this.functionValues / functionFieldCount)} rows (and ${this.functionValues % functionFieldCount} values) but trace_function_count is ${functionCount}`,
          at,
        );
      }
      this.closed = true;
      return true;
    }
    const top = this.frameField.length - 1;
    if (this.frameField[top] !== 0) this.fail('ends in the middle of a trace node', at);
    this.frameField.pop();
    this.frameParent.pop();
    this.frameNode.pop();
    this.hasValue = true;
    this.numberState = 2;
    if (top === 0) {
      this.closed = true;
      return true;
    }
    // The children were the parent node's field: move on from it.
    const field = this.frameField[top - 1] + 1;
    this.frameField[top - 1] = field === this.meta.nodeFieldCount ? 0 : field;
    return false;
  }

  private pushFrame(parent: number): void {
    this.frameParent.push(parent);
    this.frameField.push(0);
    this.frameNode.push(-1);
  }

  private openNode(parent: number): number {
    const k = this.nodeCount++;
    if (k === this.ids.length) {
      this.ids = grow(this.ids);
      this.parents = grow(this.parents);
      this.functions = grow(this.functions);
    }
    this.ids[k] = 0;
    this.parents[k] = parent + 1;
    this.functions[k] = 0;
    return k;
  }

  /**
   * The sections as typed arrays, with each node row's trace node checked to exist. Throws
   * (at `at`) when a section is missing or a reference dangles.
   */
  finish(nodeTraceId: Uint32Array, stringCount: number, at: number): AllocationTrace {
    for (const section of ['trace_function_infos', 'trace_tree']) {
      if (!this.seen.has(section)) {
        throw new HeapSnapshotError(`Not a complete heap snapshot: trace_function_count is set but the "${section}" section is missing`, at);
      }
    }
    if (this.maxString >= stringCount) {
      throw new HeapSnapshotError(`"trace_function_infos" names string ${this.maxString} but "strings" holds only ${stringCount}`, at);
    }
    const count = this.nodeCount;
    if (this.maxId > Math.max(MAX_SPARSE_ID, count * 16)) {
      throw new HeapSnapshotError(`"trace_tree" has ${count} nodes but ids up to ${this.maxId}: too sparse to index`, at);
    }
    const positionOfId = new Int32Array(this.maxId + 1).fill(-1);
    for (let k = 0; k < count; k++) {
      const id = this.ids[k];
      if (positionOfId[id] >= 0) throw new HeapSnapshotError(`"trace_tree" has trace node id ${id} twice`, at);
      positionOfId[id] = k;
    }
    for (let v = 0; v < nodeTraceId.length; v++) {
      const id = nodeTraceId[v];
      if (id !== 0 && (id >= positionOfId.length || positionOfId[id] < 0)) {
        throw new HeapSnapshotError(`Node ${v} names trace node ${id}, which "trace_tree" lacks`, at);
      }
    }
    const parents = new Int32Array(count);
    for (let k = 0; k < count; k++) parents[k] = this.parents[k] - 1;
    return {
      nodeTraceId,
      traceNodeId: this.ids.slice(0, count),
      traceParent: parents,
      traceFunction: this.functions.slice(0, count),
      positionOfId,
      functionName: this.functionName,
      scriptName: this.scriptName,
      scriptId: this.scriptId,
      line: this.line,
      column: this.column,
    };
  }
}

function grow(a: Uint32Array): Uint32Array {
  const next = new Uint32Array(a.length * 2);
  next.set(a);
  return next;
}
