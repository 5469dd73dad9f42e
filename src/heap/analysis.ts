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
  countClasses,
  withRetainedSizes,
  type ClassAggregate,
  type ClassTable,
} from './classes';
import { computeDistances, hasUserRoots } from './distances';
import { computeDominatorTree, computeRetainedSizes, type Dominators } from './dominators';
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
  return withScratch(queueLength, 1, (scratch) => computeDistances(snapshot, ephemerons, scratch.uint32(0)));
}

/**
 * Runs `use` with per-node scratch that is given back as soon as it returns: temporaries of
 * one phase then never add to the peak of a later one (or of the other thread's work).
 */
function withScratch<T>(length: number, regions: number, use: (scratch: Scratch) => T): T {
  const scratch = new Scratch(length, regions);
  try {
    return use(scratch);
  } finally {
    scratch.release();
  }
}


/** The dominator tree's children index, built in memory the tree left over (DominatorTree.spare.children). */
export function dominatedIndex(
  dominators: Dominators,
  root: number,
  into: { first: Uint32Array; nodes: Uint32Array },
): { first: Uint32Array; nodes: Uint32Array } {
  return buildDominatedNodes(dominators.dominator, root, into);
}

/** Retained size per class over the dominator tree (classRetainedSizes). */
export function classRetainedOverTree(
  s: Pick<HeapSnapshot, 'nodeCount' | 'selfSize' | 'rootOrdinal'>,
  parts: {
    classOf: Uint32Array;
    classCount: number;
    dominators: Dominators;
    dominated: { first: Uint32Array; nodes: Uint32Array };
  },
): Float64Array {
  const { classOf, classCount, dominators, dominated } = parts;
  return classRetainedSizes(s, classOf, classCount, dominators.retainedSize, dominated.first, dominated.nodes);
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
  const dominators = { dominator: tree.dominator, retainedSize: computeRetainedSizes(tree, snapshot.selfSize) };
  tree.releaseOrder();
  const dominatorsMs = now() - t;

  t = now();
  onPhase?.('classes');
  const classTable = buildClassTable(snapshot);
  const { classOf, classes } = classTable;
  const dominated = dominatedIndex(dominators, snapshot.rootOrdinal, tree.spare.children);
  const retainedByClass = classRetainedOverTree(snapshot, {
    classOf,
    classCount: classes.length,
    dominators,
    dominated,
  });
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
  return { snapshot, ...rest, dominator: dominators.dominator, retainedSize: dominators.retainedSize, timings };
}
