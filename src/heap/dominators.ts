import { isEssential } from './edgeRules';
import { Scratch, sharedFloat64, sharedUint32 } from './memory';
import { NOT_ESSENTIAL, RETAINER_MASK, type EdgeGraph, type Retainers } from './retainers';
import type { HeapSnapshot } from './snapshot';

export interface Dominators {
  /** Immediate dominator (node ordinal) of each node; the root is its own. */
  readonly dominator: Uint32Array;
  readonly retainedSize: Float64Array;
}

export interface DominatorTree {
  readonly dominator: Uint32Array;
  /** Node ordinals in DFS preorder: every node comes after its dominator. */
  readonly order: Uint32Array;
  /** Gives `order`'s memory back once retained sizes are summed (it must not be used after). */
  readonly releaseOrder: () => void;
  /**
   * Memory the algorithm is done with, for the caller's later work (pages already in memory
   * instead of fresh ones): `sizes` (shared) for retained sizes, and `scratch`, three regions
   * of this thread's, to release() when done.
   */
  readonly spare: { sizes: Float64Array; scratch: Scratch };
}

/** Dominators, then retained sizes (see computeDominatorTree and computeRetainedSizes). */
export function computeDominators(
  s: EdgeGraph & Pick<HeapSnapshot, 'selfSize'>,
  retainers: Retainers,
  essential: Uint8Array,
): Dominators {
  const tree = computeDominatorTree(s, retainers, essential);
  const retainedSize = computeRetainedSizes(tree, s.selfSize, tree.spare.sizes);
  tree.releaseOrder();
  tree.spare.scratch.release();
  return { dominator: tree.dominator, retainedSize };
}

/**
 * Retained size = self size + the retained sizes of the nodes it dominates: one pass in
 * reverse preorder. Separate from the tree so self sizes can still change (storage
 * attribution) while the tree is computed.
 */
export function computeRetainedSizes(
  tree: DominatorTree,
  selfSize: Float64Array,
  retainedSize = sharedFloat64(tree.dominator.length),
): Float64Array {
  const { dominator, order } = tree;
  retainedSize.set(selfSize);
  for (let i = order.length - 1; i > 0; i--) {
    const o = order[i];
    retainedSize[dominator[o]] += retainedSize[o];
  }
  return retainedSize;
}

/**
 * Immediate dominators by Lengauer–Tarjan (simple eval/link, iterative DFS and path
 * compression), over the essential edges only. As in DevTools: nodes the DFS from the root
 * misses are attached to the root — first those with no essential retainer (each starts a
 * DFS of its own), then any left (cycles retained only by each other), one by one.
 */
export function computeDominatorTree(s: EdgeGraph, retainers: Retainers, essential: Uint8Array): DominatorTree {
  return startDominatorTree(s, essential).finish(retainers);
}

/** The dominator tree in two steps, so the DFS can run while another thread fills the retainers. */
export interface DominatorSearch {
  /** The rest: nodes the DFS from the root missed, then semidominators and dominators. */
  finish(retainers: Retainers): DominatorTree;
}

/** Allocates and runs the DFS from the root, which needs only the essential edges. */
export function startDominatorTree(s: EdgeGraph, essential: Uint8Array): DominatorSearch {
  const { nodeCount, firstEdge, edgeTarget } = s;
  // Vertices are numbered 1..n (ordinal + 1) so 0 can mean "none", as in the paper.
  const size = nodeCount + 1;
  // parent and ancestor share a buffer that later holds the retained sizes (8 bytes a node).
  const pair = Scratch.forNodes(nodeCount, 2);
  const parent = pair.uint32(0, 1, size);
  const ancestor = pair.uint32(1, 1, size);
  // A buffer of its own that can be given back at once: the one array nothing needs afterwards.
  const orderBuffer = Scratch.releasable(nodeCount, 1);
  const vertex = orderBuffer.uint32(0, 1, size);
  const spares = Scratch.releasable(nodeCount, 3);
  const label = spares.uint32(0, 1, size);
  const semi = spares.uint32(1, 1, size);
  // Fewer arrays, fewer pages: `ancestor` is unused until the DFS is over, so it holds the
  // DFS's next-edge cursor; the buckets' heads live in `dom` (see below).
  const nextEdge = ancestor;
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
  return { finish };

  function finish(retainers: Retainers): DominatorTree {
    const { firstRetainer, retainerNode } = retainers;
    if (n < nodeCount) {
      for (let v = 1; v <= nodeCount; v++) {
        if (semi[v] === 0 && hasNoEssentialRetainer(v - 1, retainers)) {
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

    ancestor.fill(0);

    // Buckets as singly linked lists: bucketHead[v] → w → bucketNext[w] → …
    // bucketHead shares dom's array: bucket(v) is used only while nodes after v in DFS order
    // are processed, and is empty for good once v's first child is; dom[v] is written only
    // later, when v itself has been processed and is taken out of its own bucket.
    const bucketNext = spares.uint32(2, 1, size);
    const dom = sharedUint32(size);
    const bucketHead = dom;

    // Path compression without a stack: the way up reverses the ancestor links (each node then
    // points at the one below it), the way down restores them, compressed, from the top.
    const compress = (v: number): void => {
      let below = 0;
      while (ancestor[ancestor[v]] !== 0) {
        const up = ancestor[v];
        ancestor[v] = below;
        below = v;
        v = up;
      }
      // v is the highest node still to compress from; `below` the next one down.
      while (below !== 0) {
        const w = below;
        below = ancestor[w];
        if (semi[label[v]] < semi[label[w]]) label[w] = label[v];
        ancestor[w] = ancestor[v];
        v = w;
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
        const entry = retainerNode[k];
        if ((entry & NOT_ESSENTIAL) !== 0) continue;
        orphan = false;
        const u = evaluate((entry & RETAINER_MASK) + 1);
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

    // Back to ordinals, in place: dom[o] is read (as dom[o + 1]) before it is overwritten;
    // vertex[i] likewise becomes order[i - 1].
    for (let o = 0; o < nodeCount; o++) {
      dom[o] = dom[o + 1] - 1;
      vertex[o] = vertex[o + 1] - 1;
    }
    return {
      dominator: dom.subarray(0, nodeCount),
      order: vertex.subarray(0, nodeCount),
      releaseOrder: () => orderBuffer.release(),
      spare: { sizes: pair.float64(0, nodeCount), scratch: spares },
    };
  }
}

function hasNoEssentialRetainer(node: number, r: Retainers): boolean {
  for (let k = r.firstRetainer[node]; k < r.firstRetainer[node + 1]; k++) {
    if ((r.retainerNode[k] & NOT_ESSENTIAL) === 0) return false;
  }
  return true;
}
