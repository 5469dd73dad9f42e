/** The back-reference graph of a leak, as objgraph draws it: retainers of the sampled objects, level by level. */
import type { HeapAnalysis } from './analysis';
import type { OldIds } from './verdict';
import { locationOf } from './locations';
import { forEachRetainingEdge } from './retainers';
import { edgeNameText } from './snapshot';
import { describeNode } from './summary';
import type { BackReferenceGraph, GraphEdge, GraphNode, RetainerPath } from '../report/types';
import type { LeakOptions } from './verdict';

/**
 * objgraph's show_backrefs: breadth-first over strong retainers from the sample objects, up to
 * maxDepth levels; per node at most tooMany retainers (closest to the roots first), the rest
 * folded into one "N more" node.
 */
export function backReferenceGraph(
  a: HeapAnalysis,
  starts: number[],
  survivor: Uint8Array,
  baselineIds: OldIds,
  options: LeakOptions,
  topPath: RetainerPath | undefined,
): BackReferenceGraph {
  const s = a.snapshot;
  const nodes = new Map<number, GraphNode>();
  const edges: GraphEdge[] = [];
  let folded = 0;
  let foldId = -1;
  const culpritEdge = topPath && topPath.culprit >= 0 ? topPath.steps[topPath.culprit] : undefined;
  const culpritPairs = new Set<string>();
  if (culpritEdge) culpritPairs.add(`${culpritEdge.fromId}>${culpritEdge.toId}`);
  // Also mark the path edges from the holder to the collection.
  if (topPath && topPath.culprit > 0) {
    const up = topPath.steps[topPath.culprit - 1];
    culpritPairs.add(`${up.fromId}>${up.toId}`);
  }

  const add = (v: number): GraphNode => {
    const id = s.nodeId[v];
    let g = nodes.get(id);
    if (!g) {
      const o = describeNode(a, v);
      g = {
        id,
        name: o.name,
        type: o.type,
        selfSize: o.selfSize,
        retainedSize: o.retainedSize,
        refs: o.refs,
        distance: o.distance,
        leaked: survivor[v] === 1,
        old: baselineIds.has(id),
        isRoot: v === s.rootOrdinal || s.nodeType[v] === s.types.synthetic,
      };
      const loc = locationOf(s, v);
      if (loc) g.location = loc;
      nodes.set(id, g);
    }
    return g;
  };
  let frontier = [...new Set(starts)];
  const startIds = frontier.map((v) => add(v).id);
  const seen = new Set<number>(frontier);
  for (let depth = 0; depth < options.maxDepth && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const v of frontier) {
      const retainers: { e: number; r: number; d: number }[] = [];
      forEachRetainingEdge(s, a.retainers, v, (e, r) => {
        if (s.edgeType[e] === s.edgeKinds.weak) return;
        const d = a.distances[r];
        retainers.push({ e, r, d: d < 0 ? Number.MAX_SAFE_INTEGER : d });
      });
      retainers.sort((x, y) => x.d - y.d);
      const shown = retainers.slice(0, options.tooMany);
      for (const { e, r } of shown) {
        add(r);
        const from = s.nodeId[r];
        const to = s.nodeId[v];
        edges.push({
          from,
          to,
          name: edgeNameText(s, e),
          type: s.edgeTypeNames[s.edgeType[e]],
          culprit: culpritPairs.has(`${from}>${to}`),
        });
        if (!seen.has(r) && r !== s.rootOrdinal) {
          seen.add(r);
          next.push(r);
        }
      }
      const rest = retainers.length - shown.length;
      if (rest > 0) {
        folded += rest;
        const id = foldId--;
        nodes.set(id, {
          id,
          name: `${rest} more`,
          type: 'folded',
          selfSize: 0,
          retainedSize: 0,
          refs: 0,
          distance: null,
          leaked: false,
          old: false,
          isRoot: false,
          folded: rest,
        });
        edges.push({ from: id, to: s.nodeId[v], name: '…', type: 'folded', culprit: false });
      }
    }
    frontier = next;
  }
  return {
    starts: startIds,
    nodes: [...nodes.values()],
    edges,
    folded,
    maxDepth: options.maxDepth,
    tooMany: options.tooMany,
  };
}
