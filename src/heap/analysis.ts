/**
 * Runs every index over a parsed snapshot, in DevTools' order (DOM state and storage
 * attribution before dominators and retained sizes), and records how long each phase took.
 *
 * The steps are exported so a caller with a second thread can run retainers + dominators
 * there while this thread computes distances and class names (src/worker/parallel.ts).
 */
import { aggregateClasses, buildClassTable, buildDominatedNodes, type ClassAggregate, type ClassTable } from './classes';
import { computeDistances, hasUserRoots } from './distances';
import { computeDominatorTree, computeRetainedSizes, type Dominators } from './dominators';
import { propagateDomState } from './domState';
import { EphemeronNames, essentialEdges, markPageOwned } from './edgeRules';
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
  readonly dominatedFirst: Uint32Array;
  readonly dominatedNodes: Uint32Array;
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

export interface PreparedGraph {
  readonly ephemerons: EphemeronNames;
  readonly essential: Uint8Array;
}

/**
 * Edge rules that must be settled before dominators: DOM state names, page-owned flags and
 * the essential-edge bits.
 */
export function prepareEdges(snapshot: HeapSnapshot, scratch: Scratch): PreparedGraph {
  propagateDomState(snapshot);
  const ephemerons = new EphemeronNames(snapshot);
  const pageOwned = markPageOwned(snapshot, scratch.uint32(0));
  return { ephemerons, essential: essentialEdges(snapshot, pageOwned, ephemerons) };
}

/** Self sizes as DevTools shows them (storage attribution); needed before retained sizes. */
export function prepareSizes(snapshot: HeapSnapshot, scratch: Scratch): void {
  attributeOwnedStorage(snapshot, hasUserRoots(snapshot), { owners: scratch.uint32(0), work: scratch.uint32(1, 2) });
}

/**
 * Scratch for this thread's per-node temporaries (page-owned walk, storage attribution,
 * the distance queue, class naming): three regions, reused phase after phase.
 */
export function analysisScratch(snapshot: HeapSnapshot): Scratch {
  return Scratch.releasable(snapshot.nodeCount, 3);
}

export function distancesWith(snapshot: HeapSnapshot, ephemerons: EphemeronNames, scratch: Scratch): Int32Array {
  return computeDistances(snapshot, ephemerons, scratch.uint32(0, 2));
}


/** The indexes that need dominators: dominator-tree children and per-class aggregates. */
export function completeAnalysis(
  snapshot: HeapSnapshot,
  parts: {
    retainers: Retainers;
    essential: Uint8Array;
    distances: Int32Array;
    dominators: Dominators;
    classTable: ClassTable;
    /** Arrays the dominator tree left (DominatorTree.spare.words): the dominated-node index goes there. */
    spare?: readonly [Uint32Array, Uint32Array, Uint32Array];
  },
  timings: AnalysisTimings,
): HeapAnalysis {
  const { retainers, essential, distances, dominators, classTable, spare } = parts;
  const t = performance.now();
  const dominated = buildDominatedNodes(
    dominators.dominator,
    snapshot.rootOrdinal,
    spare && { first: spare[0], nodes: spare[1], cursor: spare[2] },
  );
  const classAggregates = aggregateClasses(
    snapshot,
    classTable,
    distances,
    dominators.retainedSize,
    dominated.first,
    dominated.nodes,
    spare?.[2],
  );
  timings.classesMs += performance.now() - t;
  return {
    snapshot,
    retainers,
    essential,
    distances,
    dominator: dominators.dominator,
    retainedSize: dominators.retainedSize,
    dominatedFirst: dominated.first,
    dominatedNodes: dominated.nodes,
    classTable,
    classAggregates,
    timings,
  };
}

/** The whole analysis on this thread. */
export function analyzeSnapshot(snapshot: HeapSnapshot, onPhase?: PhaseListener): HeapAnalysis {
  const now = () => performance.now();
  let t = now();
  onPhase?.('retainers');
  const scratch = analysisScratch(snapshot);
  const { ephemerons, essential } = prepareEdges(snapshot, scratch);
  prepareSizes(snapshot, scratch);
  const retainers = buildRetainers(snapshot, essential);
  onPhase?.('distances');
  const distances = distancesWith(snapshot, ephemerons, scratch);
  scratch.release();
  const indexMs = now() - t;

  t = now();
  onPhase?.('dominators');
  const tree = computeDominatorTree(snapshot, retainers, essential);
  const dominators = { dominator: tree.dominator, retainedSize: computeRetainedSizes(tree, snapshot.selfSize, tree.spare.sizes) };
  const dominatorsMs = now() - t;

  t = now();
  onPhase?.('classes');
  const classTable = buildClassTable(snapshot);
  const classesMs = now() - t;
  return completeAnalysis(
    snapshot,
    { retainers, essential, distances, dominators, classTable, spare: tree.spare.words },
    { indexMs, dominatorsMs, classesMs },
  );
}
