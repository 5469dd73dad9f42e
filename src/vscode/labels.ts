/**
 * Text the extension builds from reports and snapshots for surfaces that render `$(icon)`
 * syntax: CodeLens titles and QuickPick items. Heap names go through labelText (one line,
 * icons escaped). No vscode import: unit-tested on its own.
 */
import type { LeakReport, ObjectSummary } from '../report/types';
import type { HeapSummary, NodeDetails, RetainerSummary } from '../worker/protocol';
import { labelText, oneLine } from './inertText';

/** The verdict as a CodeLens title: "Leak Lens: leaks 1 Processor/call · 1 ref" or "Leak Lens: no leak in 14 calls". */
export function verdictTitle(r: LeakReport): string {
  const top = r.leaks.find((l) => l.primary);
  if (r.verdict === 'clean' || !top) return `Leak Lens: no leak in ${2 * r.options.iterations} calls`;
  const refs = top.refs.typical;
  return `Leak Lens: leaks ${top.countPerCall} ${labelText(top.className)}/call · ${refs} ref${refs === 1 ? '' : 's'}`;
}

/** A QuickPick item without vscode's types (its `kind` is added by the caller). */
export interface PickText {
  label: string;
  description?: string;
  detail?: string;
  id?: number;
}

export function kb(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** "Open heap snapshot": a class of the summary. */
export function classPick(c: HeapSummary['classes'][number]): PickText {
  return { label: labelText(c.name), description: `${c.count} objects`, detail: `retained ${kb(c.retainedSize)} · self ${kb(c.selfSize)}` };
}

/** "Open heap snapshot": one of the largest objects; picking it walks up its retainers. */
export function objectPick(o: HeapSummary['topObjects'][number]): PickText {
  return {
    label: labelText(`${o.name} @${o.id}`),
    description: labelText(o.type),
    detail: `retained ${kb(o.retainedSize)} · refs ${o.refs} · distance ${o.distance ?? '-'}`,
    id: o.id,
  };
}

/** One retainer of an object, as a pick that walks on up. */
export function retainerPick(r: RetainerSummary): PickText {
  return {
    label: labelText(`${r.edgeType} ${r.edgeName}  ←  ${r.retainer.name} @${r.retainer.id}`),
    detail: `${labelText(r.retainer.type)} · retained ${kb(r.retainer.retainedSize)} · distance ${r.retainer.distance ?? '-'}`,
    id: r.retainer.id,
  };
}

/** The title of the retainers pick (a QuickPick title is plain text, icons and all: one line only). */
export function retainersTitle(node: NodeDetails): string {
  const o: ObjectSummary = node.object;
  return oneLine(`Retainers of ${o.name} @${o.id} (refs ${o.refs}, retained ${kb(o.retainedSize)})`);
}
