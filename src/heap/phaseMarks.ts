/**
 * Phase boundaries of a one-snapshot run, read from the final snapshot (profile/phaseRun.ts).
 *
 * While the inspector tracks heap objects, an object gets its id at the first heap walk (or
 * snapshot) that sees it, and each walk's ids are larger than the last walk's. Between two
 * phases the debuggee leaves a mark, pauses until a walk has run, and leaves a second mark. The
 * walk that gave the first mark its id is the first reported walk whose last id is at least
 * the mark's id; every object born before the pause has an id of at most that walk's last id,
 * and every object born after it a larger one. The second mark checks that this walk ran in the
 * pause: had it run later, it would have seen the second mark too.
 */
import type { ClassTable } from './classes';
import type { HeapSnapshot } from './snapshot';

export interface PhaseMarks {
  /**
   * The mark class names around each boundary, in order: the boundary comes before call
   * \`call\`. A required one (between phases) that cannot be found fails the analysis; others
   * (between two calls of a phase, for the memory series) are dropped.
   */
  boundaries: { call: number; before: string; after: string; required: boolean }[];
  /** The last id of every heap walk reported while tracking, in order. */
  walks: number[];
}

export class PhaseBoundaryError extends Error {}

/** The heap ids of the run's marks, by class name: one pass over the nodes. */
export function findMarks(s: HeapSnapshot, table: ClassTable, marks: PhaseMarks): Map<string, number> {
  return markIds(s, table, marks.boundaries.flatMap((b) => [b.before, b.after]));
}

/** The boundary ids, one per entry of `marks.boundaries`; undefined for a dropped one. */
export function phaseBoundaries(marks: PhaseMarks, idOf: ReadonlyMap<string, number>): (number | undefined)[] {
  const walks = [...marks.walks].sort((a, b) => a - b);
  return marks.boundaries.map((b) => {
    const before = idOf.get(b.before);
    const after = idOf.get(b.after);
    if (before === undefined || after === undefined) {
      if (!b.required) return undefined;
      throw new PhaseBoundaryError(`the snapshot lacks the run's phase marks (before call ${b.call}): the calls did not all run`);
    }
    const walk = walks.find((w) => w >= before);
    if (walk === undefined || after <= walk) {
      if (!b.required) return undefined;
      throw new PhaseBoundaryError(
        `no heap walk was seen between the phases (before call ${b.call}): the debuggee's event loop did not turn in the pause. ` +
          'Run again, or use --snapshots 3.',
      );
    }
    return walk;
  });
}

/** Heap ids of the single objects of the named classes. */
function markIds(s: HeapSnapshot, table: ClassTable, names: string[]): Map<string, number> {
  const wanted = new Map<number, string>();
  table.classes.forEach((c, i) => {
    if (names.includes(c.name)) wanted.set(i, c.name);
  });
  const ids = new Map<string, number>();
  if (wanted.size === 0) return ids;
  for (let v = 0; v < s.nodeCount; v++) {
    if (s.nodeType[v] !== s.types.object) continue;
    const name = wanted.get(table.classOf[v]);
    if (name !== undefined) ids.set(name, s.nodeId[v]);
  }
  return ids;
}

/**
 * The memory series of a one-snapshot run: after each call whose end is known, the self sizes
 * of the program's objects born since the first boundary and still alive at the end (V8's own
 * objects and the marks left out).
 * A call whose boundary was dropped has no sample; its bytes count with the next call.
 */
export function bytesLeftPerCall(
  s: HeapSnapshot,
  marks: PhaseMarks,
  markIdsByName: ReadonlyMap<string, number>,
  ids: readonly (number | undefined)[],
  calls: number,
): { call: number; usedBytes: number }[] {
  const start = ids[marks.boundaries.findIndex((b) => b.call === 1)];
  if (start === undefined) return [];
  // Cut after call k = the boundary before call k + 1; the last call is open-ended.
  const cuts: { call: number; id: number }[] = [];
  marks.boundaries.forEach((b, i) => {
    const id = ids[i];
    if (b.call > 1 && id !== undefined) cuts.push({ call: b.call - 1, id });
  });
  cuts.push({ call: calls, id: Number.MAX_SAFE_INTEGER });
  cuts.sort((a, b) => a.id - b.id);
  const markIds = new Set(markIdsByName.values());
  // V8's own objects: compiled code and its metadata, hidden classes, internal storage, and
  // native objects (array buffer stores get their ids at the snapshot, so all of them look new).
  const skip = s.nodeTypeNames.map((t) => ['code', 'hidden', 'object shape', 'synthetic', 'native'].includes(t));
  const bytes = new Float64Array(cuts.length);
  for (let v = 0; v < s.nodeCount; v++) {
    const id = s.nodeId[v];
    if ((id & 1) === 0 || id <= start || markIds.has(id) || skip[s.nodeType[v]]) continue;
    let lo = 0;
    let hi = cuts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cuts[mid].id < id) lo = mid + 1;
      else hi = mid;
    }
    bytes[lo] += s.selfSize[v];
  }
  let total = 0;
  return cuts.map((c, i) => ({ call: c.call, usedBytes: (total += bytes[i]) }));
}
