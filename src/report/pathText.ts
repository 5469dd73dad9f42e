/**
 * A retainer path as lines a person reads, for every view (CLI text, hover, page): in source
 * terms when the report has the steps' labels (`globalThis.registry` → `Map → value` →
 * `Processor`), else, and on request, the raw snapshot edges (`Map —internal table→`).
 * Returns plain strings: each view makes them safe for its own surface.
 */
import type { RetainerPath } from './types';

export interface PathLine {
  /** "globalThis.registry", or raw: "Map —internal table→". The leaked class is not a line. */
  text: string;
  /** The holder's line (the culprit reference), or the line where each call adds an entry. */
  mark: 'culprit' | 'grows' | null;
  /** The step's holder was made during the calls. */
  isNew: boolean;
  /** The raw edges this line stands for ("Map —internal table→, (array) —internal 15→"). */
  raw: string;
}

export function rawStep(step: RetainerPath['steps'][number]): string {
  return `${step.from} —${step.edgeType} ${step.edgeName}→`;
}

/** Whether the path's steps carry source-terms labels (reports made before them do not). */
export function hasLabels(path: RetainerPath): boolean {
  return path.steps.length > 0 && path.steps.every((st) => typeof st.label === 'string') && path.steps.some((st) => st.label !== '');
}

/**
 * The path's lines, GC root first. In source terms a line may stand for several steps (a
 * scope's link to its outer scope, a hash table before its slot, V8's own links): a step with
 * the label "" belongs to the next labelled line, and so does its mark.
 */
export function pathLines(path: RetainerPath, raw = false): PathLine[] {
  const holderStep = path.holder ?? path.culprit;
  const markOf = (i: number): PathLine['mark'] => (path.culprit < 0 ? null : i === holderStep ? 'culprit' : i === path.culprit ? 'grows' : null);
  if (raw || !hasLabels(path)) {
    return path.steps.map((st, i) => ({ text: rawStep(st), mark: markOf(i), isNew: !st.fromOld, raw: rawStep(st) }));
  }
  // Each unlabelled step joins the next labelled one (the last line when none follows).
  const lines: PathLine[] = [];
  const lineOf: number[] = [];
  let opened = 0;
  path.steps.forEach((st, i) => {
    if (!st.label) return;
    lines.push({ text: st.label, mark: null, isNew: !path.steps[opened].fromOld, raw: '' });
    for (let j = opened; j <= i; j++) lineOf[j] = lines.length - 1;
    opened = i + 1;
  });
  for (let j = opened; j < path.steps.length; j++) lineOf[j] = lines.length - 1;
  path.steps.forEach((st, i) => {
    const line = lines[lineOf[i]];
    if (!line) return;
    line.raw = line.raw ? `${line.raw}, ${rawStep(st)}` : rawStep(st);
    const mark = markOf(i);
    // The culprit outranks "grows" when both fall on one line.
    if (mark && line.mark !== 'culprit') line.mark = mark;
  });
  return lines;
}
