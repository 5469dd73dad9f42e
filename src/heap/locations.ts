/** The source location V8 records for a node (closures and located objects), by node ordinal. */
import type { SourceLocation } from '../report/types';
import type { HeapSnapshot } from './snapshot';

const locationIndex = new WeakMap<HeapSnapshot, Int32Array>();

/** Source location (0-based) the snapshot records for node v: closures and located objects. */
export function locationOf(s: HeapSnapshot, v: number): SourceLocation | undefined {
  let index = locationIndex.get(s);
  if (!index) {
    index = new Int32Array(s.nodeCount).fill(-1);
    for (let r = 0; r < s.locations.length; r += 4) index[s.locations[r]] = r;
    locationIndex.set(s, index);
  }
  const r = index[v];
  if (r < 0) return undefined;
  return { scriptId: s.locations[r + 1], line: s.locations[r + 2], column: s.locations[r + 3] };
}
