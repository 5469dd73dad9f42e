/**
 * Runs every index over a parsed snapshot, in DevTools' order (DOM state and storage
 * attribution before dominators and retained sizes), and records how long each phase took.
 *
 * The steps are exported so src/worker/parallel.ts can split them across two threads (the
 * dominator tree on one, storage attribution, distances and class names on the other);
 * analyzeSnapshot runs them all here, with the same results.
 */
import {
  buildClassTable,
  buildDominatedNodes,
  classRetainedSizes,
  classWalkInput,
  countClasses,
  withRetainedSizes,
  type ClassAggregate,
  type ClassTable,
} from './classes';
import { computeDistances, hasUserRoots } from './distances';
import { computeDominatorTree, dominatorsOf, type Dominators } from './dominators';
import { propagateDomState } from './domState';
import { EphemeronNames, essentialEdges, essentialRules, markPageOwned, type EssentialRules } from './edgeRules';
import { Scratch } from './memory';
import { buildRetainers, type Retainers } from './retainers';
import { attributeOwnedStorage } from './shallowSizes';
import type { HeapSnapshot } from './snapshot';

export interface HeapAnalysis {
  readonly snapshot: HeapSnapshot;
  readonly retainers: Retainers;
  /** A bit per edge: counts for dominators (see essentialEdges). */
  readonly essential: Uint8Array;
  readonly distances: Int32Array;
  readonly dominator: Uint32Array;
  readonly retainedSize: Float64Array;
  /** Whether the dominator tree was computed in WebAssembly (graphKernels.ts) or in JavaScript. */
  readonly dominatorsInWebAssembly: boolean;
  readonly classTable: ClassTable;
  readonly classAggregates: ClassAggregate[];
  readonly timings: AnalysisTimings;
}

export interface AnalysisTimings {
  indexMs: number;
  dominatorsMs: number;
  classesMs: number;
}

export type PhaseListener = (phase: string) => void;

export interface PreparedRules {
  readonly ephemerons: EphemeronNames;
  /** What essentialEdges needs to mark the edges that count for dominators. */
  readonly rules: EssentialRules;
}

/**
 * What the edge rules need, settled before retainers and dominators: DOM state names, WeakMap
 * ephemeron names (which need only the strings: pass them if made already), page-owned flags.
 */
export function prepareEdgeRules(snapshot: HeapSnapshot, ephemerons = new EphemeronNames(snapshot)): PreparedRules {
  propagateDomState(snapshot);
  const pageOwned = markPageOwned(snapshot);
  return { ephemerons, rules: essentialRules(snapshot, pageOwned, ephemerons) };
}

/** Self sizes as DevTools shows them (storage attribution); needed before retained sizes. */
export function prepareSizes(snapshot: HeapSnapshot): void {
  attributeOwnedStorage(snapshot, hasUserRoots(snapshot));
}

/** Distances from the roots (computeDistances), its queue in scratch given back at once. */
export function distancesOf(snapshot: HeapSnapshot, ephemerons: EphemeronNames): Int32Array {
  const root = snapshot.rootOrdinal;
  const queueLength = snapshot.nodeCount + snapshot.firstEdge[root + 1] - snapshot.firstEdge[root];
  // The queue's scratch is given back at once: it then never adds to a later peak (or to the other thread's).
  const queue = new Scratch(queueLength);
  try {
    return computeDistances(snapshot, ephemerons, queue.words);
  } finally {
    queue.release();
  }
}

/** The whole analysis on this thread. */
export function analyzeSnapshot(snapshot: HeapSnapshot, onPhase?: PhaseListener): HeapAnalysis {
  const now = () => performance.now();
  let t = now();
  onPhase?.('retainers');
  const { ephemerons, rules } = prepareEdgeRules(snapshot);
  const essential = essentialEdges(snapshot, rules);
  prepareSizes(snapshot);
  const retainers = buildRetainers(snapshot, essential);
  onPhase?.('distances');
  const distances = distancesOf(snapshot, ephemerons);
  const indexMs = now() - t;

  t = now();
  onPhase?.('dominators');
  const tree = computeDominatorTree(snapshot, retainers, essential);
  const dominators = dominatorsOf(tree, snapshot.selfSize);
  tree.releaseOrder();
  const dominatorsMs = now() - t;

  t = now();
  onPhase?.('classes');
  const classTable = buildClassTable(snapshot);
  const { classOf, classes } = classTable;
  // The tree's children index, in memory the tree left over.
  const dominated = buildDominatedNodes(dominators.dominator, snapshot.rootOrdinal, tree.spare.children);
  const retainedByClass = classRetainedSizes(classWalkInput(snapshot, classOf, classes.length, dominators.retainedSize, dominated));
  const classAggregates = withRetainedSizes(countClasses(snapshot, classOf, classes.length, distances), retainedByClass);
  const classesMs = now() - t;
  return assembleAnalysis(
    snapshot,
    { retainers, essential, distances, dominators, classTable, classAggregates },
    { indexMs, dominatorsMs, classesMs },
  );
}

/** The analysis from its parts: where the one-thread and the two-thread paths meet. */
export function assembleAnalysis(
  snapshot: HeapSnapshot,
  parts: {
    retainers: Retainers;
    essential: Uint8Array;
    distances: Int32Array;
    dominators: Dominators;
    classTable: ClassTable;
    classAggregates: ClassAggregate[];
  },
  timings: AnalysisTimings,
): HeapAnalysis {
  const { dominators, ...rest } = parts;
  return {
    snapshot,
    ...rest,
    dominator: dominators.dominator,
    retainedSize: dominators.retainedSize,
    dominatorsInWebAssembly: dominators.webAssembly,
    timings,
  };
}
