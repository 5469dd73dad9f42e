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
  const externalStringData = findNativeName(s, 'system / ExternalStringData');
  const isStorage = (n: number): boolean => {
    const t = nodeType[n];
    return t === types.hidden || t === types.array || (t === types.native && nodeName[n] === externalStringData);
  };
  let storageCount = 0;
  for (let n = 0; n < nodeCount; n++) if (isStorage(n)) storageCount++;
  // Each node enters the work list once as its own owner, or at most twice as owned
  // (unvisited → owned → shared): nodeCount + storageCount bounds it. Sized so, the list's
  // scratch is mostly used (giving back untouched scratch costs as much as touching it).
  const ownersScratch = new Scratch(nodeCount);
  const workScratch = new Scratch(nodeCount + storageCount);
  const owners = ownersScratch.words;
  const work = workScratch.words;
  let top = 0;
  for (let n = 0; n < nodeCount; n++) {
    if (isStorage(n)) {
      owners[n] = UNVISITED;
    } else {
      owners[n] = n;
      work[top++] = n;
    }
  }
  const weak = edgeKinds.weak;
  while (top > 0) {
    const n = work[--top];
    const owner = owners[n];
    const end = firstEdge[n + 1];
    for (let e = firstEdge[n]; e < end; e++) {
      if (edgeType[e] === weak) continue;
      const target = edgeTarget[e];
      const current = owners[target];
      if (current === UNVISITED) {
        owners[target] = owner;
        work[top++] = target;
      } else if (current !== target && current !== owner && current !== SHARED) {
        owners[target] = SHARED;
        work[top++] = target;
      }
    }
  }
  for (let n = 0; n < nodeCount; n++) {
    const owner = owners[n];
    if (owner === UNVISITED || owner === SHARED || owner === n) continue;
    if (nodeType[owner] === types.synthetic || owner === s.rootOrdinal) continue;
    selfSize[owner] += selfSize[n];
    selfSize[n] = 0;
  }
  ownersScratch.release();
  workScratch.release();
  return true;
}

/** The string index of a native node name, or -1 (names are deduplicated in the table). */
function findNativeName(s: HeapSnapshot, name: string): number {
  const { nodeCount, nodeType, nodeName, types, strings } = s;
  if (types.native < 0) return -1;
  // Each distinct name is looked at once (native names may also be added ones, past the table).
  const is = strings.matcher(name);
  const seen = new Uint8Array(strings.count);
  for (let n = 0; n < nodeCount; n++) {
    if (nodeType[n] !== types.native) continue;
    const i = nodeName[n];
    if (i < seen.length) {
      if (seen[i]) continue;
      seen[i] = 1;
    }
    if (is(i)) return i;
  }
  return -1;
}
