import type { HeapSnapshot } from './snapshot';

const UNKNOWN = 0;
const ATTACHED = 1;
const DETACHED = 2;

/**
 * Spreads the embedder's attached/detached state (the `detachedness` field) from native nodes
 * that know it to native nodes they hold, as DevTools does, and renames detached ones
 * "Detached <name>". In Node this marks, for example, binding data of closed realms.
 * Changes `nodeName` and `detachedness` in place.
 */
export function propagateDomState(s: HeapSnapshot): void {
  const state = s.detachedness;
  if (!state) return;
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeTarget, types, edgeKinds, strings } = s;
  const visited = new Uint8Array(nodeCount);
  const attached: number[] = [];
  const detached: number[] = [];
  const renamed = new Map<number, number>();

  const visit = (n: number, next: number): void => {
    if (visited[n]) return;
    visited[n] = 1;
    // The state does not travel through JavaScript objects: each embedder entry point knows its own.
    if (nodeType[n] !== types.native) return;
    state[n] = next;
    if (next === ATTACHED) {
      attached.push(n);
    } else if (next === DETACHED) {
      let name = renamed.get(nodeName[n]);
      if (name === undefined) {
        name = strings.add('Detached ' + strings.get(nodeName[n]));
        renamed.set(nodeName[n], name);
      }
      nodeName[n] = name;
      detached.push(n);
    }
  };
  const spread = (from: number, next: number): void => {
    for (let e = firstEdge[from]; e < firstEdge[from + 1]; e++) {
      const t = edgeType[e];
      if (t === edgeKinds.hidden || t === edgeKinds.weak) continue;
      visit(edgeTarget[e], next);
    }
  };

  for (let n = 0; n < nodeCount; n++) {
    if (state[n] !== UNKNOWN) visit(n, state[n]);
  }
  while (attached.length > 0) spread(attached.pop() as number, ATTACHED);
  while (detached.length > 0) {
    const n = detached.pop() as number;
    if (state[n] !== ATTACHED) spread(n, DETACHED);
  }
}
