/**
 * The dominator tree's DFS and Lengauer–Tarjan in WebAssembly (text and notes in
 * scripts/dominatorKernels.mjs), on arrays in the graph memory (graphMemory.ts): 2-3 times the
 * speed of the same loops in JavaScript. dominators.ts decides when they apply (every array
 * they touch in its region) and runs the JavaScript otherwise, with the same results.
 */
import { DOMINATOR_KERNELS_WASM } from './dominatorKernels.wasm';
import type { GraphMemory } from './graphMemory';
import { compiledOnce } from './wasm';

/** Arguments are byte addresses in the graph memory, vertex numbers and counts (see the text). */
export interface DominatorKernels {
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

const dominatorKernelModule = compiledOnce(DOMINATOR_KERNELS_WASM);
const instances = new WeakMap<WebAssembly.Memory, DominatorKernels | null>();

/** The kernels on this graph memory (one instance per memory and thread); null where WebAssembly is not available. */
export function dominatorKernels(g: GraphMemory): DominatorKernels | null {
  let kernels = instances.get(g.memory);
  if (kernels === undefined) {
    const module = dominatorKernelModule();
    try {
      kernels = module ? (new WebAssembly.Instance(module, { graph: { memory: g.memory } }).exports as unknown as DominatorKernels) : null;
    } catch {
      kernels = null;
    }
    instances.set(g.memory, kernels);
  }
  return kernels;
}
