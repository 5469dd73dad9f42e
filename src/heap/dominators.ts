import { graphKernels, KERNEL_CHUNK } from './graphKernels';
import { isEssential } from './edgeRules';
import { regionAddresses, regionBytes, regionWords } from './graphMemory';
import { Scratch } from './memory';
import { NOT_ESSENTIAL, RETAINER_MASK, type EdgeGraph, type Retainers } from './retainers';

export interface Dominators {
  /** Immediate dominator (node ordinal) of each node; the root is its own. */
  readonly dominator: Uint32Array;
  readonly retainedSize: Float64Array;
  /** Whether the tree was computed by the WebAssembly kernels (else by the JavaScript steps). */
  readonly webAssembly: boolean;
}

export interface DominatorTree {
  readonly dominator: Uint32Array;
  /** Node ordinals in DFS preorder: every node comes after its dominator. */
  readonly order: Uint32Array;
  /** Gives `order`'s memory back once retained sizes are summed (it must not be used after). */
  readonly releaseOrder: () => void;
  /** Whether both the DFS and the rest ran in the WebAssembly kernels. */
  readonly webAssembly: boolean;
  /**
   * Memory the algorithm is done with, for the caller's later work (pages already in memory
   * instead of fresh ones): `sizes` (shared) for retained sizes, and `children` for the
   * dominator tree's children index (first: nodeCount + 1 words, nodes: nodeCount words).
   */
  readonly spare: { sizes: Float64Array; children: { first: Uint32Array; nodes: Uint32Array } };
}

/** The tree's dominators and retained sizes (computeRetainedSizes). */
export function dominatorsOf(tree: DominatorTree, selfSize: Float64Array): Dominators {
  return { dominator: tree.dominator, retainedSize: computeRetainedSizes(tree, selfSize), webAssembly: tree.webAssembly };
}

/**
 * Retained size = self size + the retained sizes of the nodes it dominates: one pass in
 * reverse preorder. Separate from the tree so self sizes can still change (storage
 * attribution) while the tree is computed.
 */
export function computeRetainedSizes(tree: DominatorTree, selfSize: Float64Array): Float64Array {
  const { dominator, order } = tree;
  const retainedSize = tree.spare.sizes;
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

// A vertex's record: four words side by side, so the random accesses of the DFS and of path
// compression touch one cache line per vertex instead of one per array.
/**
 * The DFS parent; once the vertex is processed (and PARENT is not read again), the link to the
 * next vertex in its bucket, then in the list of those settled last.
 */
const PARENT = 0;
/** The DFS's next-edge cursor until the DFS is over, then the forest link of eval/link. */
const ANCESTOR = 1;
const LABEL = 2;
const SEMI = 3;

/**
 * Allocates and runs the DFS from the root, which needs only the essential edges. With a graph
 * memory (and every array the step touches in its region), each step runs in WebAssembly
 * (graphKernels.ts), else in the JavaScript here: the same steps on the same arrays.
 */
export function startDominatorTree(s: EdgeGraph, essential: Uint8Array): DominatorSearch {
  const { nodeCount, firstEdge, edgeTarget } = s;
  const g = s.graphMemory ?? null;
  // Vertices are numbered 1..n (ordinal + 1) so 0 can mean "none", as in the paper; vertex v's
  // record is rec[4v .. 4v+3]. Shared: its first half later holds the retained sizes.
  // Read (a vertex's number, 0 = not seen) before written: prefaulted.
  const rec = regionWords(g, 'records', (nodeCount + 2) * 4, true);
  // Without a graph memory, a buffer of its own that can be given back at once: the one array
  // nothing needs afterwards.
  const orderBuffer = g ? null : new Scratch(nodeCount + 1);
  const vertex = orderBuffer ? orderBuffer.words : regionWords(g, 'vertex', nodeCount + 1);
  const kernels = g ? graphKernels(g) : null;
  const dfsAt = kernels && regionAddresses(g, { records: rec, vertex, firstEdge, edgeTarget, essential });
  let n = 0;

  const dfs = (start: number): void => {
    rec[(start << 2) + ANCESTOR] = firstEdge[start - 1];
    let v = start;
    if (kernels && dfsAt) {
      const at = [dfsAt.records, dfsAt.vertex, dfsAt.firstEdge, dfsAt.edgeTarget, dfsAt.essential] as const;
      while (v !== 0) [v, n] = kernels.dfsSteps(...at, v, n, KERNEL_CHUNK);
      return;
    }
    while (v !== 0) {
      const vr = v << 2;
      if (rec[vr + SEMI] === 0) {
        rec[vr + SEMI] = ++n;
        vertex[n] = v;
        rec[vr + LABEL] = v;
      }
      let following = rec[vr + PARENT];
      const end = firstEdge[v];
      // Edges of ordinal v-1 end where ordinal v's begin.
      for (let e = rec[vr + ANCESTOR]; e < end; e++) {
        if (!isEssential(essential, e)) continue;
        const w = edgeTarget[e] + 1;
        const wr = w << 2;
        if (rec[wr + SEMI] === 0) {
          rec[wr + PARENT] = v;
          rec[wr + ANCESTOR] = firstEdge[w - 1];
          rec[vr + ANCESTOR] = e + 1;
          following = w;
          break;
        }
      }
      if (following === rec[vr + PARENT]) rec[vr + ANCESTOR] = end;
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
        if (rec[(v << 2) + SEMI] === 0 && hasNoEssentialRetainer(v - 1, retainers)) {
          rec[(v << 2) + PARENT] = r;
          dfs(v);
        }
      }
    }
    // Vertices numbered from here on were attached to the root one by one, without a DFS.
    const attachedFrom = n + 1;
    const dom = regionWords(g, 'dom', nodeCount + 1, true);
    // A bit per vertex: its bucket is not empty. Most buckets stay empty, and this table
    // answers from cache where bucketHead would be a read and a write far from the records.
    const bucketFull = regionBytes(g, 'bucketFull', (nodeCount >>> 3) + 2, true);
    let deferred = 0;
    const finishAt = kernels && regionAddresses(g, { records: rec, vertex, ...retainers, dom, bucketFull });
    if (kernels && finishAt) {
      // The same steps as the JavaScript below.
      rec[ANCESTOR] = 0;
      for (let v = 1; v <= nodeCount; v += KERNEL_CHUNK) {
        n = kernels.attachSteps(finishAt.records, finishAt.vertex, v, Math.min(nodeCount + 1, v + KERNEL_CHUNK), r, n);
      }
      const at = [finishAt.records, finishAt.vertex, finishAt.firstRetainer, finishAt.retainerNode, finishAt.dom, finishAt.bucketFull] as const;
      const rootSemi = rec[(r << 2) + SEMI];
      for (let i = n; i >= 2; i -= KERNEL_CHUNK) {
        deferred = kernels.semidominatorSteps(...at, i, Math.max(2, i - KERNEL_CHUNK + 1), rootSemi, deferred);
      }
      return settle(dfsAt !== null);
    }
    if (n < nodeCount) {
      for (let v = 1; v <= nodeCount; v++) {
        const vr = v << 2;
        if (rec[vr + SEMI] === 0) {
          rec[vr + PARENT] = r;
          rec[vr + SEMI] = ++n;
          vertex[n] = v;
          rec[vr + LABEL] = v;
        }
      }
    }
    for (let v = 0; v <= nodeCount; v++) rec[(v << 2) + ANCESTOR] = 0;

    // Buckets as singly linked lists: bucketHead[v] → w → (w's PARENT word) → …
    // bucketHead shares dom's array: bucket(v) is used only while nodes after v in DFS order
    // are processed, and is empty for good once v's first child is; dom[v] is written only
    // when v itself is processed (semidominated by its parent) or taken out of its parent's
    // bucket, both after that (vertices attached to the root one by one aside: see below).
    const bucketHead = dom;

    // Path compression without a stack: the way up reverses the ancestor links (each node then
    // points at the one below it), the way down restores them, compressed, from the top.
    const compress = (v: number): void => {
      let below = 0;
      while (rec[(rec[(v << 2) + ANCESTOR] << 2) + ANCESTOR] !== 0) {
        const up = rec[(v << 2) + ANCESTOR];
        rec[(v << 2) + ANCESTOR] = below;
        below = v;
        v = up;
      }
      // v is the highest node still to compress from; `below` the next one down.
      while (below !== 0) {
        const w = below;
        const wr = w << 2;
        const vr = v << 2;
        below = rec[wr + ANCESTOR];
        if (rec[(rec[vr + LABEL] << 2) + SEMI] < rec[(rec[wr + LABEL] << 2) + SEMI]) rec[wr + LABEL] = rec[vr + LABEL];
        rec[wr + ANCESTOR] = rec[vr + ANCESTOR];
        v = w;
      }
    };
    const evaluate = (v: number): number => {
      if (rec[(v << 2) + ANCESTOR] === 0) return v;
      compress(v);
      return rec[(v << 2) + LABEL];
    };

    const rootSemi = rec[(r << 2) + SEMI];
    // Vertices whose dominator is that of another vertex, listed through their PARENT words
    // (free once a vertex is out of its bucket), the latest first: `deferred`.
    for (let i = n; i >= 2; i--) {
      const w = vertex[i];
      const wr = w << 2;
      const wOrdinal = w - 1;
      let semiW = rec[wr + SEMI];
      let orphan = true;
      for (let k = firstRetainer[wOrdinal]; k < firstRetainer[wOrdinal + 1]; k++) {
        const entry = retainerNode[k];
        if ((entry & NOT_ESSENTIAL) !== 0) continue;
        orphan = false;
        const u = evaluate((entry & RETAINER_MASK) + 1);
        const semiU = rec[(u << 2) + SEMI];
        if (semiU < semiW) semiW = semiU;
      }
      // A node with no essential retainer hangs off the root.
      if (orphan) semiW = rootSemi;
      rec[wr + SEMI] = semiW;
      const p = rec[wr + PARENT];
      if (semiW === rec[(p << 2) + SEMI]) {
        // Semidominated by its parent (most nodes: one retainer): that is its dominator, no bucket needed.
        dom[w] = p;
      } else {
        const b = vertex[semiW];
        bucketFull[b >>> 3] |= 1 << (b & 7);
        rec[wr + PARENT] = bucketHead[b];
        bucketHead[b] = w;
      }
      rec[wr + ANCESTOR] = p;
      if ((bucketFull[p >>> 3] & (1 << (p & 7))) === 0) continue;
      bucketFull[p >>> 3] &= ~(1 << (p & 7));
      let v = bucketHead[p];
      while (v !== 0) {
        const u = evaluate(v);
        const next = rec[v << 2];
        if (rec[(u << 2) + SEMI] < rec[(v << 2) + SEMI]) {
          // v is dominated as u is: settled after the loop, once u is. u lies between v and
          // v's semidominator, and u's semidominator is above v's, so if u is listed too,
          // it is later (it leaves its bucket at a later step): before v from the head.
          dom[v] = u;
          rec[v << 2] = deferred;
          deferred = v;
        } else {
          dom[v] = p;
        }
        v = next;
      }
      bucketHead[p] = 0;
    }
    return settle(false);

    /** The dominators the loop left to the end, then dominators and order by ordinal. */
    function settle(webAssembly: boolean): DominatorTree {
      // Attached vertices are not a DFS tree: one can sit in the bucket of another, which has
      // no children to empty it, and its slot (a bucket head) was never written as a dominator.
      // Their retainers are attached vertices too, so nothing else depends on them: like
      // DevTools, which never sets their dominators and so falls back to the root, they hang
      // off the root.
      for (let i = attachedFrom; i <= n; i++) dom[vertex[i]] = r;
      dom[0] = r;
      dom[r] = r;
      // The paper's last pass, over the listed vertices only: every other dominator is final
      // (the semidominator). Listed ones in an order that settles u before each v on u.
      for (let v = deferred; v !== 0; v = rec[v << 2]) dom[v] = dom[dom[v]];

      // Back to ordinals, in place: dom[o] is read (as dom[o + 1]) before it is overwritten;
      // vertex[i] likewise becomes order[i - 1].
      for (let o = 0; o < nodeCount; o++) {
        dom[o] = dom[o + 1] - 1;
        vertex[o] = vertex[o + 1] - 1;
      }
      return treeOf(dom, vertex, rec, orderBuffer, nodeCount, webAssembly);
    }
  }
}

/** The finished tree, from dominators and order by ordinal; the records are done with. */
function treeOf(
  dom: Uint32Array,
  vertex: Uint32Array,
  rec: Uint32Array,
  orderBuffer: Scratch | null,
  nodeCount: number,
  webAssembly: boolean,
): DominatorTree {
  // Sizes in the records' first half, the children index after it.
  const buffer = rec.buffer;
  const sizesAt = rec.byteOffset;
  const childrenAt = sizesAt + 8 * (nodeCount + 1);
  return {
    dominator: dom.subarray(0, nodeCount),
    order: vertex.subarray(0, nodeCount),
    releaseOrder: () => orderBuffer?.release(),
    webAssembly,
    spare: {
      sizes: new Float64Array(buffer, sizesAt, nodeCount),
      children: {
        first: new Uint32Array(buffer, childrenAt, nodeCount + 1),
        nodes: new Uint32Array(buffer, childrenAt + 4 * (nodeCount + 1), nodeCount),
      },
    },
  };
}

function hasNoEssentialRetainer(node: number, r: Retainers): boolean {
  for (let k = r.firstRetainer[node]; k < r.firstRetainer[node + 1]; k++) {
    if ((r.retainerNode[k] & NOT_ESSENTIAL) === 0) return false;
  }
  return true;
}
