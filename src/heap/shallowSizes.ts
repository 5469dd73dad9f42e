import { graphKernels, KERNEL_CHUNK } from './graphKernels';
import { borrowDistances, regionAddresses, regionBytes, regionWords } from './graphMemory';
import { Scratch } from './memory';
import type { HeapSnapshot } from './snapshot';

const UNVISITED = 0xffffffff;
const SHARED = 0xfffffffe;

/**
 * DevTools' attribution of internal storage: a hidden or array node (or external string data)
 * reached from exactly one "real" object counts in that object's self size and its own becomes
 * 0. Applies only when the root has user roots (snapshots taken with internals exposed are
 * shown as they are). Changes `selfSize` in place; returns whether it applied.
 */
export function attributeOwnedStorage(s: HeapSnapshot, hasUserRoots: boolean): boolean {
  if (!hasUserRoots) return false;
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeTarget, selfSize, types, edgeKinds } = s;
  const isExternalStringData = nativeNameMatcher(s, 'system / ExternalStringData');
  const { hidden, array, native } = types;
  const g = s.graphMemory;
  // A bit per node: most edges lead to non-storage nodes, and this small table (1/32 of the
  // owners array) answers them from cache.
  const storage = regionBytes(g, 'storage', (nodeCount + 7) >>> 3, true);
  for (let n = 0; n < nodeCount; n++) {
    const t = nodeType[n];
    if (t === hidden || t === array || (t === native && isExternalStringData(nodeName[n]))) {
      storage[n >>> 3] |= 1 << (n & 7);
    }
  }
  // Only storage nodes' owners are read. With a graph memory, they are kept where the distances
  // go later (so no more memory is touched); else in scratch given back at once.
  const borrowed = g ? borrowDistances(g) : null;
  const ownersScratch = borrowed ? null : new Scratch(nodeCount);
  const owners = (borrowed ?? (ownersScratch as Scratch).words).fill(UNVISITED);
  const weak = edgeKinds.weak;
  const stack = g && borrowed ? regionWords(g, 'storageStack', nodeCount) : null;
  const kernels = g && stack ? graphKernels(g) : null;
  const regions = kernels && stack && regionAddresses(g, { firstEdge, edgeType, edgeTarget, storage, distances: owners, storageStack: stack });
  let walked = false;
  if (kernels && stack && regions) {
    const at = [regions.firstEdge, regions.edgeType, regions.edgeTarget, regions.storage, regions.distances, regions.storageStack, stack.length] as const;
    walked = true;
    for (let from = 0; from < nodeCount && walked; from += KERNEL_CHUNK) {
      walked = kernels.ownStorageSteps(...at, from, Math.min(nodeCount, from + KERNEL_CHUNK), weak) === 0;
    }
    // The stack overflowed (no snapshot seen comes near): the JavaScript below, from the start.
    if (!walked) owners.fill(UNVISITED);
  }
  if (!walked) walkOwners(s, storage, owners);
  for (let n = 0; n < nodeCount; n++) {
    if ((storage[n >>> 3] & (1 << (n & 7))) === 0) continue;
    const owner = owners[n];
    if (owner === UNVISITED || owner === SHARED) continue;
    if (nodeType[owner] === types.synthetic || owner === s.rootOrdinal) continue;
    selfSize[owner] += selfSize[n];
    selfSize[n] = 0;
  }
  ownersScratch?.release();
  return true;
}

/** The owners of storage nodes, in JavaScript (as the kernel). */
function walkOwners(s: HeapSnapshot, storage: Uint8Array, owners: Uint32Array): void {
  const { nodeCount, firstEdge, edgeType, edgeTarget, edgeKinds } = s;
  // Storage nodes waiting to pass their owner on. Each enters at most twice (unvisited →
  // owned → shared), but the stack stays shallow (under 256 deep in every snapshot seen), so
  // it starts small and doubles when full.
  let stack: Uint32Array = new Uint32Array(16);
  let top = 0;
  const weak = edgeKinds.weak;
  // The outcome is the same in any order (a storage node only ever goes from unvisited to one
  // owner to shared, and each change is passed on): owners in file order, each followed by
  // the storage it reaches, depth first. The loop over the owner's edges and the one over a
  // storage node's differ only in the owner; one shared helper measured 35% slower.
  for (let n = 0; n < nodeCount; n++) {
    if (storage[n >>> 3] & (1 << (n & 7))) continue;
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      const target = edgeTarget[e];
      if ((storage[target >>> 3] & (1 << (target & 7))) === 0 || edgeType[e] === weak) continue;
      const current = owners[target];
      if (current === UNVISITED) {
        owners[target] = n;
        if (top === stack.length) stack = doubled(stack);
        stack[top++] = target;
      } else if (current !== n && current !== SHARED) {
        owners[target] = SHARED;
        if (top === stack.length) stack = doubled(stack);
        stack[top++] = target;
      }
    }
    while (top > 0) {
      const m = stack[--top];
      const owner = owners[m];
      for (let e = firstEdge[m], end = firstEdge[m + 1]; e < end; e++) {
        const target = edgeTarget[e];
        if ((storage[target >>> 3] & (1 << (target & 7))) === 0 || edgeType[e] === weak) continue;
        const current = owners[target];
        if (current === UNVISITED) {
          owners[target] = owner;
          if (top === stack.length) stack = doubled(stack);
          stack[top++] = target;
        } else if (current !== owner && current !== SHARED) {
          owners[target] = SHARED;
          if (top === stack.length) stack = doubled(stack);
          stack[top++] = target;
        }
      }
    }
  }
}

function doubled(stack: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(stack.length * 2);
  bigger.set(stack);
  return bigger;
}

/** Whether a native node's name index is `name`, decided once per distinct name (native names may also be added ones, past the table). */
function nativeNameMatcher(s: HeapSnapshot, name: string): (index: number) => boolean {
  const is = s.strings.matcher(name);
  const known = new Map<number, boolean>();
  return (index) => {
    let yes = known.get(index);
    if (yes === undefined) {
      yes = is(index);
      known.set(index, yes);
    }
    return yes;
  };
}
