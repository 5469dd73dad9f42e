/** Shortest retainer paths from the GC roots to leaked objects, in source terms, clustered by shape. */
import type { HeapAnalysis } from './analysis';
import { culpritIndex, isCollectionStep } from './culprit';
import { NO_DISTANCE } from './distances';
import type { OldIds } from './verdict';
import { sourceStepLabels } from './names';
import { edgeSource, forEachRetainingEdge } from './retainers';
import { edgeNameText } from './snapshot';
import { objectName } from './summary';
import type { PathStep, RetainerPath } from '../report/types';

/**
 * Shortest path from a GC root to v: step to a strong retainer one closer to the roots each
 * time (distances are BFS levels, so such a retainer always exists on a shortest path).
 */
export function shortestPath(a: HeapAnalysis, v: number): number[] {
  const s = a.snapshot;
  const edges: number[] = [];
  let node = v;
  let guard = 0;
  while (node !== s.rootOrdinal && guard++ < 10000) {
    const d = a.distances[node];
    if (d === NO_DISTANCE || d <= 0) break;
    // The first retainer one step closer to the roots, through its first non-weak edge here.
    let best = -1;
    const closer = (r: number): boolean => {
      const rd = a.distances[r];
      return rd === d - 1 || (r === s.rootOrdinal && (d === 1 || rd === 0));
    };
    forEachRetainingEdge(
      s,
      a.retainers,
      node,
      (e) => {
        if (s.edgeType[e] === s.edgeKinds.weak) return false;
        best = e;
        return true;
      },
      closer,
    );
    if (best < 0) break;
    edges.push(best);
    node = edgeSource(s, best);
  }
  return edges.reverse();
}

function stepsOf(a: HeapAnalysis, edges: number[], baselineIds: OldIds): PathStep[] {
  const s = a.snapshot;
  const steps: PathStep[] = [];
  const labels = sourceStepLabels(a, edges, (v) => objectName(a, v));
  for (const e of edges) {
    const to = s.edgeTarget[e];
    const from = edgeSource(s, e);
    steps.push({
      fromId: s.nodeId[from],
      from: objectName(a, from),
      fromType: s.nodeTypeNames[s.nodeType[from]],
      edgeType: s.edgeTypeNames[s.edgeType[e]],
      edgeName: edgeNameText(s, e),
      toId: s.nodeId[to],
      to: objectName(a, to),
      toType: s.nodeTypeNames[s.nodeType[to]],
      fromOld: baselineIds.has(s.nodeId[from]),
      label: labels[steps.length],
    });
  }
  return steps;
}

/** Paths of the sample objects, grouped by shape (edge names with indexes blurred, classes). */
export function clusterPaths(a: HeapAnalysis, sample: number[], baselineIds: OldIds): RetainerPath[] {
  const clusters = new Map<string, RetainerPath>();
  for (const v of sample) {
    const steps = stepsOf(a, shortestPath(a, v), baselineIds);
    const shape = steps.map((st) => `${st.from}|${st.edgeType}|${/^\d+$/.test(st.edgeName) ? '#' : st.edgeName}`).join('>');
    const c = clusters.get(shape);
    if (c) c.count++;
    else {
      const culprit = culpritIndex(steps);
      clusters.set(shape, { steps, count: 1, culprit, holder: culprit > 0 && isCollectionStep(steps[culprit]) ? culprit - 1 : culprit });
    }
  }
  return [...clusters.values()].sort((x, y) => y.count - x.count);
}
