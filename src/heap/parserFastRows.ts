/**
 * The snapshot parser's fast paths for node and edge rows (parserRows.ts reads the sections):
 * they assume V8's own layout, rows of plain digits and commas, and store each row straight
 * into the field arrays, through the WebAssembly row kernels (rowKernels.ts) where the
 * platform has them, else in JavaScript. Each stops at the first row that is anything else,
 * always on a row boundary, and leaves the rest to the general scanner.
 */
import { COMMA, MAX_DETACHEDNESS, MAX_DIGITS, NEWLINE } from './parserBytes';
import type { RowReader } from './parserRows';
import type { RowProgress } from './rowKernels';
import { resolveEdgeTypes } from './snapshot';

/**
 * Edge rows on the fast path. Returns where it stopped: always a row boundary, so the
 * general scanner picks up there (and reports the problem, if it was one).
 */
export function fastEdges(r: RowReader, b: Uint8Array, i: number, limit: number): number {
  if (r.edgeFieldCount !== 3) return i;
  const { edgeType, edgeName, edgeTarget } = r;
  const typeAt = r.edgeTypeColumn;
  const nameAt = r.edgeNameColumn;
  const toAt = r.edgeToColumn;
  const typeCount = r.edgeTypeNames.length;
  const nodeWidth = r.nodeFieldCount;
  const nodeLimit = r.nodeCount * nodeWidth;
  const rows = r.edgeCount;
  // Element and hidden edges name an index, the others a string.
  const kinds = resolveEdgeTypes(r.edgeTypeNames);
  const elementType = kinds.element;
  const hiddenType = kinds.hidden;
  const kernels = r.rowKernels();
  if (kernels && nodeLimit < 2 ** 32) {
    const at = progress(r, i, r.maxNamedEdge, r.maxNamedEdgeRow, 0);
    const rules = { typeAt, nameAt, toAt, typeCount, elementType, hiddenType, nodeWidth, nodeLimit };
    kernels.edges(b, limit, rows, rules, { edgeType, edgeName, edgeTarget }, at);
    r.maxNamedEdge = at.maxName;
    r.maxNamedEdgeRow = at.maxNameRow;
    r.kernelRows += at.row - r.row;
    r.rowsStored(at.row);
    return at.i;
  }
  let maxNamed = r.maxNamedEdge;
  let maxNamedRow = r.maxNamedEdgeRow;
  let row = r.row;
  let afterRow = r.numberState === 2;
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
  r.maxNamedEdge = maxNamed;
  r.maxNamedEdgeRow = maxNamedRow;
  r.rowsStored(row);
  return i;
}

/**
 * Node rows in V8's own field order (type, name, id, self_size, edge_count, trace_node_id
 * [, detachedness]), unrolled: about twice as fast as the per-field loop in fastNodes.
 */
export function fastV8Nodes(r: RowReader, b: Uint8Array, i: number, limit: number): number {
  const { nodeType, nodeName, nodeId, selfSize, firstEdge, detachedness } = r;
  const typeCount = r.nodeTypeNames.length;
  const rows = r.nodeCount;
  const edgeCount = r.edgeCount;
  const kernels = r.rowKernels();
  if (kernels) {
    const at = progress(r, i, r.maxNodeName, r.maxNodeNameRow, r.edgeSum);
    kernels.v8Nodes(b, limit, rows, typeCount, edgeCount, { nodeType, nodeName, nodeId, selfSize, firstEdge, detachedness }, at);
    r.maxNodeName = at.maxName;
    r.maxNodeNameRow = at.maxNameRow;
    r.edgeSum = at.edgeSum;
    r.kernelRows += at.row - r.row;
    r.rowsStored(at.row);
    return at.i;
  }
  let maxName = r.maxNodeName;
  let edgeSum = r.edgeSum;
  let row = r.row;
  let afterRow = r.numberState === 2;
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
      r.maxNodeNameRow = row;
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
  r.maxNodeName = maxName;
  r.edgeSum = edgeSum;
  r.rowsStored(row);
  return boundary;
}

/**
 * Node rows on the fast path, for field orders other than V8's and for rows whose trace node
 * ids are kept; same contract as fastEdges.
 */
export function fastNodes(r: RowReader, b: Uint8Array, i: number, limit: number): number {
  const width = r.nodeFieldCount;
  if (width > r.rowValues.length) return i;
  const values = r.rowValues;
  const { nodeType, nodeName, nodeId, selfSize, firstEdge, detachedness, traceNodeId } = r;
  const typeAt = r.nodeTypeColumn;
  const nameAt = r.nodeNameColumn;
  const idAt = r.nodeIdColumn;
  const sizeAt = r.nodeSizeColumn;
  const edgesAt = r.nodeEdgeCountColumn;
  const detachedAt = r.nodeDetachednessColumn;
  const traceAt = r.nodeTraceColumn;
  const typeCount = r.nodeTypeNames.length;
  const rows = r.nodeCount;
  const edgeCount = r.edgeCount;
  let maxName = r.maxNodeName;
  let edgeSum = r.edgeSum;
  let row = r.row;
  let boundary = i;
  while (i < limit && row < rows) {
    i = readPlainRow(r, b, i, width, row !== r.row || r.numberState === 2);
    if (i < 0) break;
    const type = values[typeAt];
    const id = values[idAt];
    const edges = values[edgesAt];
    if (type >= typeCount || id > 0xffffffff || edgeSum + edges > edgeCount) break;
    if (detachedness && values[detachedAt] > MAX_DETACHEDNESS) break;
    if (traceNodeId && values[traceAt] > 0xffffffff) break;
    const name = values[nameAt];
    if (name > maxName) {
      maxName = name;
      r.maxNodeNameRow = row;
    }
    nodeType[row] = type;
    nodeName[row] = name;
    nodeId[row] = id;
    selfSize[row] = values[sizeAt];
    firstEdge[row] = edges;
    edgeSum += edges;
    if (detachedness) detachedness[row] = values[detachedAt];
    if (traceNodeId) traceNodeId[row] = values[traceAt];
    row++;
    boundary = i;
  }
  r.maxNodeName = maxName;
  r.edgeSum = edgeSum;
  r.rowsStored(row);
  return boundary;
}

/**
 * One row of `width` plain numbers at i, preceded by its separator (a comma, maybe after a
 * newline) when `afterRow`, into r.rowValues: returns the index past it, or -1 where it is not
 * such a row. For the per-field fast paths (fastEdges and fastV8Nodes are unrolled instead).
 */
export function readPlainRow(r: RowReader, b: Uint8Array, i: number, width: number, afterRow: boolean): number {
  const values = r.rowValues;
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

/** A fast path's starting point for the kernels: this row, at i. */
function progress(r: RowReader, i: number, maxName: number, maxNameRow: number, edgeSum: number): RowProgress {
  return { i, row: r.row, afterRow: r.numberState === 2, maxName, maxNameRow, edgeSum };
}
