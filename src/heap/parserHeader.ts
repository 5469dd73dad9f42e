/**
 * The snapshot parser's "snapshot" header (parser.ts captures its bytes): its meta and counts,
 * checked, and the arrays the rows are stored into, allocated at the sizes it declares.
 *
 * Every problem is a HeapSnapshotError at the header's offset.
 */
import { HeapSnapshotError } from './errors';
import { createGraphMemory, regionBytes, regionWords, type GraphMemory } from './graphMemory';
import { sharedFloat64, sharedUint32 } from './memory';
import { readTraceMeta, type TraceMeta } from './parserTrace';

/** Retainer entries keep two flag bits above the node ordinal (see retainers.ts). */
const MAX_NODE_COUNT = 0x3fffffff;
const MAX_EDGE_COUNT = 0xfffffffe;

/** What the header declares: the counts, the rows' fields and where each is, and the type names. */
export interface SnapshotMeta {
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly nodeFields: readonly string[];
  readonly edgeFields: readonly string[];
  readonly nodeTypeNames: string[];
  readonly edgeTypeNames: string[];
  readonly nodeFieldCount: number;
  readonly edgeFieldCount: number;
  readonly nodeTypeColumn: number;
  readonly nodeNameColumn: number;
  readonly nodeIdColumn: number;
  readonly nodeSizeColumn: number;
  readonly nodeEdgeCountColumn: number;
  readonly nodeDetachednessColumn: number;
  /** node_fields are V8's own, in its order: fastV8Nodes applies. */
  readonly v8NodeLayout: boolean;
  readonly edgeTypeColumn: number;
  readonly edgeNameColumn: number;
  readonly edgeToColumn: number;
  /** 0 without meta.location_fields. */
  readonly locationFieldCount: number;
  /** Per location field: 0 object_index, 1 script_id, 2 line, 3 column, -1 another. */
  readonly locationSlots: Int8Array;
  /** The root's node ordinal (0 when the header does not say). */
  readonly rootIndex: number;
  readonly extraNativeBytes: number;
  /** The allocation-trace sections' layout; null (the usual case) when the snapshot has no trace data. */
  readonly trace: TraceMeta | null;
  /** The node rows' trace_node_id field (-1: none); kept only with `trace`. */
  readonly nodeTraceColumn: number;
}

/** The arrays the node and edge rows are stored into. */
export interface RowArrays {
  readonly nodeType: Uint8Array;
  readonly nodeName: Uint32Array;
  readonly nodeId: Uint32Array;
  readonly selfSize: Float64Array;
  readonly firstEdge: Uint32Array;
  readonly graphMemory: GraphMemory | null;
  readonly detachedness: Uint8Array | null;
  readonly edgeType: Uint8Array;
  readonly edgeName: Uint32Array;
  readonly edgeTarget: Uint32Array;
  /** Per node: its trace node id; only when the snapshot has trace data. */
  readonly traceNodeId: Uint32Array | null;
}

function fail(problem: string, at: number): never {
  throw new HeapSnapshotError(problem, at);
}

/**
 * The header's JSON text, checked: `at` is the absolute offset errors name, `expectedBytes`
 * the input's size when known (a header that promises more than fits fails at once).
 */
export function readSnapshotMeta(text: string, at: number, expectedBytes: number | undefined): SnapshotMeta {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`Malformed "snapshot" header: ${(e as Error).message}`, at);
  }
  const h = header as Record<string, unknown>;
  const meta = h.meta as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object') fail('Not a V8 heap snapshot: "snapshot.meta" is missing', at);
  const nodeFields = stringList(meta.node_fields);
  const edgeFields = stringList(meta.edge_fields);
  if (!nodeFields) fail('Bad snapshot meta: "node_fields" must be a list of names', at);
  if (!edgeFields) fail('Bad snapshot meta: "edge_fields" must be a list of names', at);
  for (const f of ['type', 'name', 'id', 'self_size', 'edge_count']) {
    if (!nodeFields.includes(f)) fail(`Bad snapshot meta: node_fields lacks "${f}"`, at);
  }
  for (const f of ['type', 'name_or_index', 'to_node']) {
    if (!edgeFields.includes(f)) fail(`Bad snapshot meta: edge_fields lacks "${f}"`, at);
  }
  const nodeTypes = Array.isArray(meta.node_types) ? stringList(meta.node_types[nodeFields.indexOf('type')]) : null;
  const edgeTypes = Array.isArray(meta.edge_types) ? stringList(meta.edge_types[edgeFields.indexOf('type')]) : null;
  if (!nodeTypes || nodeTypes.length === 0) fail('Bad snapshot meta: node_types lacks the list of type names', at);
  if (!edgeTypes || edgeTypes.length === 0) fail('Bad snapshot meta: edge_types lacks the list of type names', at);
  const nodeCount = h.node_count;
  const edgeCount = h.edge_count;
  if (!isCount(nodeCount) || nodeCount < 1 || nodeCount > MAX_NODE_COUNT) {
    fail(`Bad snapshot header: node_count must be a whole number from 1 to ${MAX_NODE_COUNT}`, at);
  }
  if (!isCount(edgeCount) || edgeCount > MAX_EDGE_COUNT) {
    fail(`Bad snapshot header: edge_count must be a whole number up to ${MAX_EDGE_COUNT}`, at);
  }
  // Every node needs at least two bytes per field in the file ("0,"), every edge the same.
  if (expectedBytes !== undefined) {
    const minimum = nodeCount * nodeFields.length * 2 + edgeCount * edgeFields.length * 2;
    if (minimum > expectedBytes) {
      fail(
        `Bad snapshot header: it promises ${nodeCount} nodes and ${edgeCount} edges, which cannot fit in ${expectedBytes} bytes`,
        at,
      );
    }
  }
  let rootOrdinal = 0;
  const rootIndex = h.root_index;
  if (rootIndex !== undefined) {
    if (!isCount(rootIndex) || rootIndex % nodeFields.length !== 0 || rootIndex / nodeFields.length >= nodeCount) {
      fail('Bad snapshot header: root_index does not point at a node', at);
    }
    rootOrdinal = rootIndex / nodeFields.length;
  }
  const extraNativeBytes = typeof h.extra_native_bytes === 'number' ? h.extra_native_bytes : 0;

  const v8Fields = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
  let locationFieldCount = 0;
  let locationSlots = new Int8Array(0);
  const locationFields = stringList(meta.location_fields);
  if (locationFields && locationFields.length > 0) {
    locationFieldCount = locationFields.length;
    locationSlots = new Int8Array(
      locationFields.map((f) => ['object_index', 'script_id', 'line', 'column'].indexOf(f)),
    );
    if (locationFields.indexOf('object_index') < 0) fail('Bad snapshot meta: location_fields lacks "object_index"', at);
  }
  return {
    nodeCount,
    edgeCount,
    nodeFields,
    edgeFields,
    nodeTypeNames: nodeTypes,
    edgeTypeNames: edgeTypes,
    nodeFieldCount: nodeFields.length,
    edgeFieldCount: edgeFields.length,
    nodeTypeColumn: nodeFields.indexOf('type'),
    nodeNameColumn: nodeFields.indexOf('name'),
    nodeIdColumn: nodeFields.indexOf('id'),
    nodeSizeColumn: nodeFields.indexOf('self_size'),
    nodeEdgeCountColumn: nodeFields.indexOf('edge_count'),
    nodeDetachednessColumn: nodeFields.indexOf('detachedness'),
    v8NodeLayout:
      (nodeFields.length === 6 || nodeFields.length === 7) && nodeFields.every((f, k) => f === v8Fields[k]),
    edgeTypeColumn: edgeFields.indexOf('type'),
    edgeNameColumn: edgeFields.indexOf('name_or_index'),
    edgeToColumn: edgeFields.indexOf('to_node'),
    locationFieldCount,
    locationSlots,
    rootIndex: rootOrdinal,
    extraNativeBytes,
    trace: readTraceMeta(h, meta, nodeFields, at),
    nodeTraceColumn: nodeFields.indexOf('trace_node_id'),
  };
}

/**
 * The arrays for the rows `meta` declares; with `graphMemory`, first edges, edge types and
 * edge targets go into a graph memory (graphMemory.ts) where the platform has one.
 */
export function allocateRows(meta: SnapshotMeta, graphMemory: boolean, at: number): RowArrays {
  const { nodeCount, edgeCount, nodeFields } = meta;
  try {
    const nodeType = new Uint8Array(nodeCount);
    const nodeName = new Uint32Array(nodeCount);
    const nodeId = sharedUint32(nodeCount);
    // Shared: the dominator thread reads the graph and self sizes in place.
    const selfSize = sharedFloat64(nodeCount);
    const memory = graphMemory ? createGraphMemory(nodeCount, edgeCount) : null;
    const firstEdge = regionWords(memory, 'firstEdge', nodeCount + 1);
    const detachedness = nodeFields.includes('detachedness') ? new Uint8Array(nodeCount) : null;
    const edgeType = regionBytes(memory, 'edgeType', edgeCount);
    const edgeName = sharedUint32(edgeCount);
    const edgeTarget = regionWords(memory, 'edgeTarget', edgeCount);
    const traceNodeId = meta.trace ? new Uint32Array(nodeCount) : null;
    return { nodeType, nodeName, nodeId, selfSize, firstEdge, graphMemory: memory, detachedness, edgeType, edgeName, edgeTarget, traceNodeId };
  } catch {
    fail(`Cannot allocate memory for ${nodeCount} nodes and ${edgeCount} edges`, at);
  }
}

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
