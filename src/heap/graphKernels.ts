/**
 * The graph kernels in WebAssembly (text and notes in graphKernels.wat.mjs beside it): the dominator
 * tree's DFS and Lengauer–Tarjan, the retainer fill and storage attribution's walk, on arrays
 * in the graph memory (graphMemory.ts). Their callers (dominators.ts, retainers.ts,
 * shallowSizes.ts) run them where every array they touch is in its region
 * (regionAddresses), and the JavaScript otherwise, with the same results.
 */
import { GRAPH_KERNELS_WASM } from './graphKernels.wasm';
import type { GraphMemory } from './graphMemory';
import { compiledOnce } from './wasm';

/** Arguments are byte addresses in the graph memory, vertex numbers and counts (see the text). */
export interface GraphKernels {
  dfsSteps(rec: number, vertex: number, firstEdge: number, edgeTarget: number, essential: number, v: number, n: number, steps: number): [number, number];
  attachSteps(rec: number, vertex: number, from: number, to: number, root: number, n: number): number;
  semidominatorSteps(
    rec: number, vertex: number, firstRetainer: number, retainerNode: number,
    dom: number, bucketFull: number, from: number, to: number, rootSemi: number, deferred: number,
  ): number;
  ownStorageSteps(
    firstEdge: number, edgeType: number, edgeTarget: number, storage: number,
    owners: number, stack: number, stackRoom: number, from: number, to: number, weak: number,
  ): number;
  fillRetainers(
    firstEdge: number, edgeType: number, edgeTarget: number, essential: number,
    firstRetainer: number, retainerNode: number,
    from: number, to: number, root: number, weak: number, shortcut: number,
  ): void;
}

/**
 * Vertices or nodes per call of a kernel. V8 runs a WebAssembly function's first, plainly
 * compiled code until the call returns, and its optimized code only from the next call: work
 * in many calls runs optimized after the first few (one call for all of it ran 2-3 times
 * slower: the retainer fill, 300 ms against 90).
 */
export const KERNEL_CHUNK = 1 << 16;

const graphKernelModule = compiledOnce(GRAPH_KERNELS_WASM);
const instances = new WeakMap<WebAssembly.Memory, GraphKernels | null>();

/** The kernels on this graph memory (one instance per memory and thread); null where WebAssembly is not available. */
export function graphKernels(g: GraphMemory): GraphKernels | null {
  let kernels = instances.get(g.memory);
  if (kernels === undefined) {
    const module = graphKernelModule();
    try {
      kernels = module ? (new WebAssembly.Instance(module, { graph: { memory: g.memory } }).exports as unknown as GraphKernels) : null;
    } catch {
      kernels = null;
    }
    instances.set(g.memory, kernels);
  }
  return kernels;
}
