/**
 * Runs every index over a parsed snapshot, in DevTools' order (storage attribution before
 * retained sizes), and records how long each phase took.
 */
import { aggregateClasses, buildClassTable, buildDominatedNodes, type ClassAggregate, type ClassTable } from './classes';
import { computeDistances, hasUserRoots } from './distances';
import { computeDominators } from './dominators';
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

export function analyzeSnapshot(snapshot: HeapSnapshot, onPhase?: PhaseListener): HeapAnalysis {
  const now = () => performance.now();
  let t = now();
  onPhase?.('retainers');
  propagateDomState(snapshot);
  const retainers = buildRetainers(snapshot);
  const ephemerons = new EphemeronNames(snapshot);
  onPhase?.('distances');
  const userRoots = hasUserRoots(snapshot);
  const pageOwned = markPageOwned(snapshot);
  attributeOwnedStorage(snapshot, userRoots);
  const distances = computeDistances(snapshot, ephemerons);
  const essential = essentialEdges(snapshot, pageOwned, ephemerons);
  const indexMs = now() - t;

  t = now();
  onPhase?.('dominators');
  const { dominator, retainedSize } = computeDominators(snapshot, retainers, essential);
  const dominated = buildDominatedNodes(dominator, snapshot.rootOrdinal);
  const dominatorsMs = now() - t;

  t = now();
  onPhase?.('classes');
  const classTable = buildClassTable(snapshot);
  const classAggregates = aggregateClasses(snapshot, classTable, distances, retainedSize, dominated.first, dominated.nodes);
  const classesMs = now() - t;

  return {
    snapshot,
    retainers,
    essential,
    distances,
    dominator,
    retainedSize,
    dominatedFirst: dominated.first,
    dominatedNodes: dominated.nodes,
    classTable,
    classAggregates,
    timings: { indexMs, dominatorsMs, classesMs },
  };
}
