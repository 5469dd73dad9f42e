import { countsToOffsets } from './csr';
import { sharedUint32 } from './memory';
import type { HeapSnapshot } from './snapshot';

/**
 * Incoming edges per node in CSR form (a counting sort over all edges): the retainers of node
 * n are retainerEdge/retainerNode[firstRetainer[n] .. firstRetainer[n+1]-1], in the order of
 * their source nodes and, within a source, of its edges.
 */
export interface Retainers {
  readonly firstRetainer: Uint32Array;
  readonly retainerEdge: Uint32Array;
  readonly retainerNode: Uint32Array;
}

/** The part of a snapshot the graph algorithms need; plain arrays, so another thread can hold it. */
export type EdgeGraph = Pick<HeapSnapshot, 'nodeCount' | 'edgeCount' | 'firstEdge' | 'edgeTarget' | 'rootOrdinal'>;

export function buildRetainers(s: EdgeGraph): Retainers {
  const { nodeCount, edgeCount, firstEdge, edgeTarget } = s;
  const firstRetainer = sharedUint32(nodeCount + 1);
  const retainerEdge = sharedUint32(edgeCount);
  const retainerNode = sharedUint32(edgeCount);
  for (let e = 0; e < edgeCount; e++) firstRetainer[edgeTarget[e]]++;
  countsToOffsets(firstRetainer, nodeCount);
  // firstRetainer[n] is used as a cursor while filling, then shifted back.
  for (let n = 0; n < nodeCount; n++) {
    const end = firstEdge[n + 1];
    for (let e = firstEdge[n]; e < end; e++) {
      const slot = firstRetainer[edgeTarget[e]]++;
      retainerEdge[slot] = e;
      retainerNode[slot] = n;
    }
  }
  for (let n = nodeCount; n > 0; n--) firstRetainer[n] = firstRetainer[n - 1];
  firstRetainer[0] = 0;
  return { firstRetainer, retainerEdge, retainerNode };
}
