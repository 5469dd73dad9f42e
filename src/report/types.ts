/**
 * The report: the one plain, versioned, JSON-serializable result of a profile run, and the only
 * contract between the engine and its views (the CLI's text, the VS Code extension, the page).
 * Types only, so every layer may import them; the engine fills them, the views read them.
 */

export const LEAK_REPORT_VERSION = 1;

export interface LeakReport {
  version: typeof LEAK_REPORT_VERSION;
  createdAt: string;
  target: { kind: 'launch' | 'attach' | 'snapshots'; description: string };
  /**
   * What was profiled. For an endpoint, `name` is the request ("GET /bots/load") and `request`
   * gives its method and URL (headers and body are not kept: they may carry secrets).
   */
  function: { name: string; file?: string; line?: number; expression?: string; request?: { method: string; url: string } } | null;
  options: ProfileOptions;
  /** Heap use after GC following each measured call (calls 1..2N). */
  samples: { call: number; usedBytes: number }[];
  slope: Slope | null;
  verdict: 'leak' | 'clean';
  /** One sentence a person can act on. */
  summary: string;
  leaks: LeakFinding[];
  watch: { className: string; survivors: number; growth: number }[];
  noiseFiltered: number;
  /**
   * Classes whose new objects survived but are held only by the runtime (V8's JIT state, the
   * inspector's console handles, the debugger's records): never leaks, never in the verdict.
   * Reports made before this field existed lack it.
   */
  runtimeHeld?: RuntimeHeld[];
  /** Script URLs by the snapshot's script ids, for source locations. */
  scripts: Record<string, string>;
  timings: { resolveMs: number; callsMs: number; snapshotMs: number; analysisMs: number; totalMs: number };
  /** Files saved with the run: the final snapshot, and baseline and target with `snapshots: 3`. */
  snapshots?: { baseline?: string; target?: string; final: string };
  /**
   * The previous run of the same target beside this one (src/report/compareRuns.ts): a re-run
   * after a fix, or the CLI's --compare. Absent for a first run and in older reports.
   */
  comparison?: RunComparison;
}

/** This run against the previous run of the same target: what changed per call. */
export interface RunComparison {
  /** "before: 1 Processor/call → after: no leak". */
  summary: string;
  /** The previous run, enough to show it beside this one: never its findings or graphs. */
  previous: {
    createdAt: string;
    verdict: 'leak' | 'clean';
    summary: string;
    target: { kind: 'launch' | 'attach' | 'snapshots'; description: string };
    function: { name: string; file?: string; line?: number; expression?: string } | null;
    /** 1 or 3: what the series measures (bytes left alive, or heap used after GC). */
    snapshots: 1 | 3;
    samples: { call: number; usedBytes: number }[];
    slope: Slope | null;
  };
  /** Each class that leaked in either run: objects per call before and after, 0 when it did not leak there. */
  classes: { className: string; before: number; after: number }[];
}

export interface ProfileOptions {
  /**
   * 1: one snapshot at the end, phases told by heap object ids (allocation tracking, with
   * allocation stacks); 3: baseline, target and final snapshots with a GC after each call.
   */
  snapshots: 1 | 3;
  iterations: number;
  warmup: number;
  callTimeoutMs: number;
  maxDepth: number;
  tooMany: number;
  /**
   * After the phases, a leak held in a collection is watched while the function runs on, in
   * doubling batches, until the collection stops growing (bounded, not a leak) or these many
   * extra calls, or this much time, have passed (0 calls: no check). Optional in older reports.
   */
  growthCalls?: number;
  growthMs?: number;
}

export const DEFAULT_PROFILE_OPTIONS: ProfileOptions = {
  snapshots: 1,
  iterations: 7,
  warmup: 1,
  callTimeoutMs: 30_000,
  maxDepth: 10,
  tooMany: 3,
  growthCalls: 200,
  growthMs: 10_000,
};

/** Least-squares line through (call, usedBytes): the memory-per-call slope of a run. */
export interface Slope {
  /** Bytes of heap use added per call. */
  bytesPerCall: number;
  /** Goodness of fit, 0..1 (1 = every sample on the line). */
  r2: number;
}

export interface SourceLocation {
  scriptId: number;
  /** 0-based, as in the snapshot. */
  line: number;
  column: number;
  /** Where the script's source map puts it (the user's .ts line); absent without a map. */
  original?: OriginalPosition;
}

/**
 * A position in the file the user wrote, read through the running script's source map.
 * Reports made before this field existed lack it, as do positions in scripts without a map.
 */
export interface OriginalPosition {
  /** The source's path (or URL when it is not a local file), as the map names it. */
  file: string;
  /** 1-based, as an editor shows it. */
  line: number;
  /** 0-based, as source maps count. */
  column: number;
}

export interface PathStep {
  /** Snapshot id of the node this step leaves. */
  fromId: number;
  from: string;
  fromType: string;
  edgeType: string;
  edgeName: string;
  toId: number;
  to: string;
  toType: string;
  /** The holder existed before the calls (in baseline). */
  fromOld: boolean;
  /**
   * The step in source terms ("globalThis.registry", "Map → value", "entries in lib/cache.js
   * (module variable)"); "" when the step only continues its neighbour's. Reports made before
   * this field existed lack it: views then show the raw edges.
   */
  label?: string;
}

export interface RetainerPath {
  steps: PathStep[];
  /** How many sampled leaked objects share this path shape. */
  count: number;
  /** Index into steps of the culprit edge (where new objects attach), or -1. */
  culprit: number;
  /**
   * Index of the holder's edge: the culprit's own when the holder points at the new objects,
   * one earlier when it points at a collection that grows (`Processor.instanceMap` → Map).
   */
  holder: number;
}

export interface Culprit {
  /** In source terms, e.g. "Processor.instanceMap (Map) → value → Processor". */
  text: string;
  /** The holding reference alone, e.g. "Processor.instanceMap" or "closure variable cache (in render())". */
  where: string;
  holder: string;
  holderId: number;
  edgeName: string;
  /** The collection the holder points to, when there is one (Map, Set, Array, Object). */
  collection?: string;
  /** 'key' when the leaked objects are the keys of a Map (values otherwise). */
  entry?: 'key';
  holderLocation?: SourceLocation;
  /**
   * A chain linked through a closure's scope: the closure (`someMethod()`) whose scope holds
   * the link, shared with the other closures made in the same call.
   */
  sharedWith?: string;
  /**
   * 'chain': each call's object holds the one before it (the edge is the link between two
   * survivors of the class), so every call keeps all earlier ones alive.
   */
  kind: 'collection' | 'listeners' | 'timer' | 'closure' | 'property' | 'chain';
}

/**
 * Survivors of one class that only the runtime holds: every strong path to them passes through
 * runtime state (src/heap/runtimeRetention.ts has the rule). The program holds no reference.
 */
export interface RuntimeHeld {
  className: string;
  /** Survivors of the class that the runtime holds. */
  count: number;
  countPerCall: number;
  /** Retained by those of them that no other such survivor holds, in bytes. */
  retainedSize: number;
  /** 'jit': V8's compiled code and feedback; 'console': the inspector's console handles; 'debugger': its records. */
  reason: 'jit' | 'console' | 'debugger';
  /** Where the retainer path enters runtime state, up to the object: "route.feedback_cell → FeedbackCell → …". */
  via: string;
  /** What holds them and how to confirm it, for a person. */
  note: string;
}

export interface GraphNode {
  /** Snapshot id, or a negative number for a folded "N more" node. */
  id: number;
  name: string;
  type: string;
  selfSize: number;
  retainedSize: number;
  refs: number;
  distance: number | null;
  leaked: boolean;
  old: boolean;
  isRoot: boolean;
  location?: SourceLocation;
  folded?: number;
}

export interface GraphEdge {
  /** Retainer (holder) id. */
  from: number;
  /** Retained object id. */
  to: number;
  name: string;
  type: string;
  culprit: boolean;
}

export interface BackReferenceGraph {
  /**
   * Ids of the sampled leaked objects the graph was drawn from (its bottom row). Reports made
   * before this field existed lack it.
   */
  starts?: number[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Retainers not shown because of tooMany, in total. */
  folded: number;
  maxDepth: number;
  tooMany: number;
}

export interface LeakFinding {
  /** Unique per finding: the display name plus, where it has one, the source location. */
  key: string;
  className: string;
  /** Survivors: new since baseline, alive in target and final. */
  survivors: number;
  countPerCall: number;
  bytesPerCall: number;
  /** Retained by this class's leak roots in the target snapshot. */
  retainedSize: number;
  /** New objects of this class in final minus survivors in target: N × per-call growth for a leak. */
  growth: number;
  primary: boolean;
  /** Strong-retainer counts of the survivors: min, median, max, and the most common value. */
  refs: { min: number; median: number; max: number; typical: number };
  location?: SourceLocation;
  examples: ObjectSummary[];
  paths: RetainerPath[];
  culprit?: Culprit;
  fixHint?: string;
  graph?: BackReferenceGraph;
  /** Classes this one's survivors hold (by dominance), per call. */
  holds: { className: string; countPerCall: number }[];
  /**
   * Where the survivors were allocated: present only when the snapshot carries allocation
   * stacks (a one-snapshot run tracks allocations); absent when tracking was off.
   */
  allocation?: AllocationSite;
  /** The user's line behind the leak, read from the allocation stack and the source (profile/userCall.ts). */
  userCall?: UserCall;
  /**
   * For a leak held in the user's collection: the one line of their scripts that adds to it
   * (`Processor.instanceMap.set(…)`), when it differs from `userCall`'s. `callee` is that call.
   */
  storedAt?: UserCall;
  /** What its collection did while the function ran on (profile/boundedGrowth.ts). */
  growthCheck?: GrowthCheck;
}

/** A leak's collection, watched over further calls: its size after each batch. */
export interface GrowthCheck {
  /** The collection's size before the first extra batch, then after each. */
  sizes: { call: number; size: number }[];
  /** bounded: a batch added nothing (not a leak); grows: every batch added; unchecked: no batch ran. */
  outcome: 'grows' | 'bounded' | 'unchecked';
}

/**
 * The user's call that makes the leaked objects: in the user's innermost frame of their
 * allocation stack, the first call of the function that frame called (or \`new\` of the class).
 */
export interface UserCall {
  scriptId: number;
  /** The script's URL or path as V8 names it. */
  scriptName: string;
  /** 1-based. */
  line: number;
  /** The function called there (heap text). */
  callee: string;
  /** \`new callee\` of the leaked class itself, not a call into other code. */
  constructs: boolean;
  /** 0-based column of the call in the running script, when found. */
  column?: number;
  /** The call's line in the file the user wrote, through the script's source map. */
  original?: OriginalPosition;
}

/**
 * The survivors' most common allocation stack, from V8's allocation tracking. V8 names
 * functions, not statements: each frame is the function that was running, at the place it is
 * defined. The receiver of `new C()` is allocated in the caller's frame.
 */
export interface AllocationSite {
  /**
   * The stack, the user's frames first (not node:, internal or node_modules scripts, not
   * builtins), then the others; each group innermost first. `depth` gives the real order.
   * Empty when no object has a trace.
   */
  frames: AllocationFrame[];
  /** How many of `frames`, from the start, are the user's. */
  userFrames: number;
  /**
   * The objects read: the class's objects from the second phase, alive at the end (V8 drops
   * the stack of an object it moves after a heap walk gave it an id, and that phase has no
   * walk). Those allocated on exactly this stack.
   */
  count: number;
  /** Those with an allocation stack (V8 records none for some objects). */
  traced: number;
  /** All of them. */
  of: number;
}

export interface AllocationFrame {
  /** Heap text: may be empty (an anonymous function). */
  functionName: string;
  /** The script's URL or path as V8 names it; empty for builtins. */
  scriptName: string;
  scriptId: number;
  /** 1-based, as V8's trace_function_infos has them; 0 when V8 has none (builtins). Where the function is defined. */
  line: number;
  column: number;
  /** Position in the real stack: 0 is the function that allocated, 1 its caller, … */
  depth: number;
  /** Where the script's source map puts the function (the user's .ts line). */
  original?: OriginalPosition;
}

/** One object as the report shows it. */
export interface ObjectSummary {
  id: number;
  name: string;
  type: string;
  selfSize: number;
  retainedSize: number;
  /** Edges from the nearest GC root; null when no strong path reaches it. */
  distance: number | null;
  /** Strong retainers: incoming edges that are neither weak nor shortcuts (except the root's). */
  refs: number;
}
