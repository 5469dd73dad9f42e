/**
 * Runs every index over a parsed snapshot, in DevTools' order (DOM state and storage
 * attribution before dominators and retained sizes), and records how long each phase took.
 *
 * The steps are exported so a caller with a second thread can run retainers + dominators
 * there while this thread computes distances and class names (src/worker/parallel.ts).
 */
import { aggregateClasses, buildClassTable, buildDominatedNodes, type ClassAggregate, type ClassTable } from './classes';
import { computeDistances, hasUserRoots } from './distances';
import { computeDominators, type Dominators } from './dominators';
import { propagateDomState } from './domState';
import { EphemeronNames, essentialEdges, markPageOwned } from './edgeRules';
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
export function prepareEdges(snapshot: HeapSnapshot): PreparedGraph {
  propagateDomState(snapshot);
  const ephemerons = new EphemeronNames(snapshot);
  const pageOwned = markPageOwned(snapshot);
  return { ephemerons, essential: essentialEdges(snapshot, pageOwned, ephemerons) };
}

/** Self sizes as DevTools shows them (storage attribution); needed before retained sizes. */
export function prepareSizes(snapshot: HeapSnapshot): void {
  attributeOwnedStorage(snapshot, hasUserRoots(snapshot));
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
  },
  timings: AnalysisTimings,
): HeapAnalysis {
  const { retainers, essential, distances, dominators, classTable } = parts;
  const t = performance.now();
  const dominated = buildDominatedNodes(dominators.dominator, snapshot.rootOrdinal);
  const classAggregates = aggregateClasses(
    snapshot,
    classTable,
    distances,
    dominators.retainedSize,
    dominated.first,
    dominated.nodes,
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
  const { ephemerons, essential } = prepareEdges(snapshot);
  prepareSizes(snapshot);
  const retainers = buildRetainers(snapshot, essential);
  onPhase?.('distances');
  const distances = computeDistances(snapshot, ephemerons);
  const indexMs = now() - t;

  t = now();
  onPhase?.('dominators');
  const dominators = computeDominators(snapshot, retainers, essential);
  const dominatorsMs = now() - t;

  t = now();
  onPhase?.('classes');
  const classTable = buildClassTable(snapshot);
  const classesMs = now() - t;
  return completeAnalysis(
    snapshot,
    { retainers, essential, distances, dominators, classTable },
    { indexMs, dominatorsMs, classesMs },
  );
}
