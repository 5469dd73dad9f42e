import { isEssential } from './edgeRules';
import { sharedFloat64, sharedUint32 } from './memory';
import type { EdgeGraph, Retainers } from './retainers';
import type { HeapSnapshot } from './snapshot';

export interface Dominators {
  /** Immediate dominator (node ordinal) of each node; the root is its own. */
  readonly dominator: Uint32Array;
  readonly retainedSize: Float64Array;
}

/**
 * Immediate dominators by Lengauer–Tarjan (simple eval/link, iterative DFS and path
 * compression), over the essential edges only. As in DevTools: nodes the DFS from the root
 * misses are attached to the root — first those with no essential retainer (each starts a
 * DFS of its own), then any left (cycles retained only by each other), one by one.
 * Retained size = self size + the retained sizes of the nodes it dominates.
 */
export function computeDominators(
  s: EdgeGraph & Pick<HeapSnapshot, 'selfSize'>,
  retainers: Retainers,
  essential: Uint8Array,
): Dominators {
  const { nodeCount, firstEdge, edgeTarget, selfSize } = s;
  const { firstRetainer, retainerEdge, retainerNode } = retainers;
  // Vertices are numbered 1..n (ordinal + 1) so 0 can mean "none", as in the paper.
  const size = nodeCount + 1;
  const parent = new Uint32Array(size);
  const ancestor = new Uint32Array(size);
  const vertex = new Uint32Array(size);
  const label = new Uint32Array(size);
  const semi = new Uint32Array(size);
  const nextEdge = new Uint32Array(size);
  let n = 0;

  const dfs = (start: number): void => {
    nextEdge[start] = firstEdge[start - 1];
    let v = start;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++n;
        vertex[n] = v;
        label[v] = v;
      }
      let following = parent[v];
      const end = firstEdge[v];
      // Edges of ordinal v-1 end where ordinal v's begin.
      for (let e = nextEdge[v]; e < end; e++) {
        if (!isEssential(essential, e)) continue;
        const w = edgeTarget[e] + 1;
        if (semi[w] === 0) {
          parent[w] = v;
          nextEdge[w] = firstEdge[w - 1];
          nextEdge[v] = e + 1;
          following = w;
          break;
        }
      }
      if (following === parent[v]) nextEdge[v] = end;
      v = following;
    }
  };

  const r = s.rootOrdinal + 1;
  dfs(r);
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0 && hasNoEssentialRetainer(v - 1, retainers, essential)) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0) {
        parent[v] = r;
        semi[v] = ++n;
        vertex[n] = v;
        label[v] = v;
      }
    }
  }

  // Buckets as singly linked lists: bucketHead[v] → w → bucketNext[w] → …
  const bucketHead = nextEdge; // DFS is over; reuse its array.
  bucketHead.fill(0);
  const bucketNext = new Uint32Array(size);
  const dom = sharedUint32(size);
  const stack = new Uint32Array(size);

  const compress = (v: number): void => {
    let top = 0;
    while (ancestor[ancestor[v]] !== 0) {
      stack[++top] = v;
      v = ancestor[v];
    }
    while (top > 0) {
      const w = stack[top--];
      const a = ancestor[w];
      if (semi[label[a]] < semi[label[w]]) label[w] = label[a];
      ancestor[w] = ancestor[a];
    }
  };
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    compress(v);
    return label[v];
  };

  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const wOrdinal = w - 1;
    let orphan = true;
    for (let k = firstRetainer[wOrdinal]; k < firstRetainer[wOrdinal + 1]; k++) {
      if (!isEssential(essential, retainerEdge[k])) continue;
      orphan = false;
      const u = evaluate(retainerNode[k] + 1);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    // A node with no essential retainer hangs off the root.
    if (orphan) semi[w] = semi[r];
    const b = vertex[semi[w]];
    bucketNext[w] = bucketHead[b];
    bucketHead[b] = w;
    const p = parent[w];
    ancestor[w] = p;
    let v = bucketHead[p];
    while (v !== 0) {
      const u = evaluate(v);
      dom[v] = semi[u] < semi[v] ? u : p;
      v = bucketNext[v];
    }
    bucketHead[p] = 0;
  }
  dom[0] = r;
  dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]];
  }

  // Back to ordinals, in place: dom[o] is read (as dom[o + 1]) before it is overwritten.
  const retainedSize = sharedFloat64(nodeCount);
  for (let o = 0; o < nodeCount; o++) {
    dom[o] = dom[o + 1] - 1;
    retainedSize[o] = selfSize[o];
  }
  const dominator = dom.subarray(0, nodeCount);
  for (let i = n; i > 1; i--) {
    const o = vertex[i] - 1;
    retainedSize[dominator[o]] += retainedSize[o];
  }
  return { dominator, retainedSize };
}

function hasNoEssentialRetainer(node: number, r: Retainers, essential: Uint8Array): boolean {
  for (let k = r.firstRetainer[node]; k < r.firstRetainer[node + 1]; k++) {
    if (isEssential(essential, r.retainerEdge[k])) return false;
  }
  return true;
}
