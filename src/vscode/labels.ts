/**
 * Text the extension builds from reports for surfaces that render `$(icon)` syntax: CodeLens
 * titles. Heap names go through labelText (one line, icons escaped). No vscode import:
 * unit-tested on its own.
 */
import type { LeakReport } from '../report/types';
import { labelText } from './inertText';

/** The verdict as a CodeLens title: "Leak Lens: leaks 1 Processor/call · 1 ref" or "Leak Lens: no leak in 14 calls". */
export function verdictTitle(r: LeakReport): string {
  const top = r.leaks.find((l) => l.primary);
  if (r.verdict === 'clean' || !top) return `Leak Lens: no leak in ${2 * r.options.iterations} calls`;
  const refs = top.refs.typical;
  return `Leak Lens: leaks ${top.countPerCall} ${labelText(top.className)}/call · ${refs} ref${refs === 1 ? '' : 's'}`;
}
