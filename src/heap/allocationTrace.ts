/**
 * Where objects were allocated, from a snapshot that ended allocation tracking
 * (`HeapProfiler.stopTrackingHeapObjects` after `startTrackingHeapObjects({trackAllocations})`):
 * each node row names a trace node, a trace node is one stack of functions (a path in V8's
 * allocation trace tree), and each frame is a function with its script and position.
 *
 * What V8 gives, and what it does not:
 * - A frame is a function, not a statement: its line and column (1-based, 0 when unknown) are
 *   where the function is defined. `new Processor()` inside loadApp is "allocated in loadApp".
 *   The receiver of `new C()` is allocated by the caller's frame, before C's body runs.
 * - Not every object has a trace node (trace_node_id 0): optimized code allocates several
 *   objects at once, and V8 moves an object's trace with it only while the object has no heap
 *   id, so an object compacted after a heap walk gave it an id loses its trace. Hence the
 *   coverage (`traced` of `of`) next to every site: a site is never guessed.
 */
import type { AllocationFrame, AllocationSite } from '../report/types';
import type { HeapSnapshot } from './snapshot';

/** The parsed trace sections, as typed arrays (parserTrace.ts). */
export interface AllocationTrace {
  /** Per node ordinal: the id of the trace node it was allocated on; 0 where V8 recorded none. */
  readonly nodeTraceId: Uint32Array;
  /** Per trace node, in the order the tree lists them: its id. */
  readonly traceNodeId: Uint32Array;
  /** Per trace node: its parent's position, -1 for the root. */
  readonly traceParent: Int32Array;
  /** Per trace node: its row in the function infos. */
  readonly traceFunction: Uint32Array;
  /** Trace node id → position (-1: no such node). */
  readonly positionOfId: Int32Array;
  /** Per function info row: string indexes of the function's name and its script's name. */
  readonly functionName: Uint32Array;
  readonly scriptName: Uint32Array;
  readonly scriptId: Uint32Array;
  /** Per function info row: 1-based line and column of the function's start; 0 when V8 has none. */
  readonly line: Uint32Array;
  readonly column: Uint32Array;
}

/** V8 records at most 64 frames of a stack; a file claiming more is cut there. */
const MAX_FRAMES = 64;

/**
 * The most common allocation stack among `members` (node ordinals), or undefined when the
 * snapshot has no trace data. Members on the root trace node (no JavaScript frame) count as
 * untraced.
 */
export function allocationSiteOf(s: HeapSnapshot, members: readonly number[]): AllocationSite | undefined {
  const trace = s.allocationTrace;
  if (!trace) return undefined;
  const counts = new Map<number, number>();
  let traced = 0;
  let best = -1;
  let bestCount = 0;
  for (const v of members) {
    const position = trace.positionOfId[trace.nodeTraceId[v]] ?? -1;
    if (position < 0 || trace.traceParent[position] < 0) continue;
    traced++;
    const count = (counts.get(position) ?? 0) + 1;
    counts.set(position, count);
    // Ties go to the stack listed first (the tree lists stacks as V8 first saw them).
    if (count > bestCount || (count === bestCount && position < best)) {
      best = position;
      bestCount = count;
    }
  }
  if (best < 0) return { frames: [], userFrames: 0, count: 0, traced: 0, of: members.length };
  const stack: AllocationFrame[] = [];
  for (let at = best; at >= 0 && trace.traceParent[at] >= 0 && stack.length < MAX_FRAMES; at = trace.traceParent[at]) {
    stack.push(frameOf(s, trace, trace.traceFunction[at], stack.length));
  }
  const user = stack.filter((f) => isUserScript(f.scriptName));
  const frames = [...user, ...stack.filter((f) => !isUserScript(f.scriptName))];
  return { frames, userFrames: user.length, count: bestCount, traced, of: members.length };
}

function frameOf(s: HeapSnapshot, trace: AllocationTrace, row: number, depth: number): AllocationFrame {
  return {
    functionName: s.strings.get(trace.functionName[row]),
    scriptName: s.strings.get(trace.scriptName[row]),
    scriptId: trace.scriptId[row],
    line: trace.line[row],
    column: trace.column[row],
    depth,
  };
}

/**
 * The program's own code: a script with a name that is neither Node's (`node:…`, older
 * `internal/…`) nor a dependency's (under node_modules). Builtins have no script name.
 */
export function isUserScript(name: string): boolean {
  if (name === '' || name.startsWith('node:') || name.startsWith('internal/')) return false;
  return !/(^|[\\/])node_modules[\\/]/.test(name);
}
