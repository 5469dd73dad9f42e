import type { AllocationTrace } from './allocationTrace';
import type { GraphMemory } from './graphMemory';
import type { StringTable } from './stringTable';

/**
 * A parsed heap snapshot: one typed array per field, indexed by node ordinal (0..nodeCount-1)
 * or edge ordinal (0..edgeCount-1). Edge targets are node ordinals, not the file's
 * `ordinal × node field count`. No object exists per node or edge.
 */
export interface HeapSnapshot {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Names of node types (`meta.node_types[type]`), e.g. "object", "closure", "hidden". */
  readonly nodeTypeNames: readonly string[];
  /** Names of edge types, e.g. "context", "element", "property", "weak". */
  readonly edgeTypeNames: readonly string[];
  readonly types: NodeTypeCodes;
  readonly edgeKinds: EdgeTypeCodes;

  readonly nodeType: Uint8Array;
  readonly nodeName: Uint32Array;
  readonly nodeId: Uint32Array;
  /** Self size in bytes (Float64: native backing stores can pass 4 GiB). */
  readonly selfSize: Float64Array;
  /** Edges of node i are firstEdge[i] .. firstEdge[i+1]-1. */
  readonly firstEdge: Uint32Array;
  readonly detachedness: Uint8Array | null;

  readonly edgeType: Uint8Array;
  /** String index, or the element/hidden index for those edge types. */
  readonly edgeName: Uint32Array;
  readonly edgeTarget: Uint32Array;

  /** Rows of (node ordinal, script id, line, column), 0-based lines and columns. */
  readonly locations: Uint32Array;
  readonly strings: StringTable;
  readonly rootOrdinal: number;
  readonly extraNativeBytes: number;
  /** Total bytes of snapshot text read. */
  readonly byteLength: number;
  /**
   * Where firstEdge, edgeType and edgeTarget live, with room for the analysis' arrays that the
   * WebAssembly steps read (graphMemory.ts); absent where there is none.
   */
  readonly graphMemory?: GraphMemory;
  /**
   * Each node's allocation stack, when the snapshot ended allocation tracking
   * (trace_function_count > 0); absent otherwise (allocationTrace.ts).
   */
  readonly allocationTrace?: AllocationTrace;
}

/** Type codes resolved by name from `meta`; -1 where the snapshot has no such type. */
export interface NodeTypeCodes {
  hidden: number;
  array: number;
  string: number;
  object: number;
  code: number;
  closure: number;
  regexp: number;
  number: number;
  native: number;
  synthetic: number;
  consString: number;
  slicedString: number;
  symbol: number;
  bigint: number;
  objectShape: number;
}

export interface EdgeTypeCodes {
  context: number;
  element: number;
  property: number;
  internal: number;
  hidden: number;
  shortcut: number;
  weak: number;
}

export function resolveNodeTypes(names: readonly string[]): NodeTypeCodes {
  const at = (n: string) => names.indexOf(n);
  return {
    hidden: at('hidden'),
    array: at('array'),
    string: at('string'),
    object: at('object'),
    code: at('code'),
    closure: at('closure'),
    regexp: at('regexp'),
    number: at('number'),
    native: at('native'),
    synthetic: at('synthetic'),
    consString: at('concatenated string'),
    slicedString: at('sliced string'),
    symbol: at('symbol'),
    bigint: at('bigint'),
    objectShape: at('object shape'),
  };
}

export function resolveEdgeTypes(names: readonly string[]): EdgeTypeCodes {
  const at = (n: string) => names.indexOf(n);
  return {
    context: at('context'),
    element: at('element'),
    property: at('property'),
    internal: at('internal'),
    hidden: at('hidden'),
    shortcut: at('shortcut'),
    weak: at('weak'),
  };
}

/** Whether an edge's name field is an index rather than a string-table entry. */
export function edgeNameIsIndex(snapshot: HeapSnapshot, edgeType: number): boolean {
  return edgeType === snapshot.edgeKinds.element || edgeType === snapshot.edgeKinds.hidden;
}

/** The edge's name as DevTools shows it: the property name, or the element index as text. */
export function edgeNameText(snapshot: HeapSnapshot, edge: number): string {
  const type = snapshot.edgeType[edge];
  const name = snapshot.edgeName[edge];
  return edgeNameIsIndex(snapshot, type) ? String(name) : snapshot.strings.get(name);
}
