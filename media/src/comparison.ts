/**
 * The "Before → after" card of a re-run: the previous run of the same target beside this one,
 * per leaked class ("1 Processor/call → no leak") and per call of memory. Heap names go in as text.
 */
import { classChangeText } from '../../src/report/compareRuns';
import type { LeakReport, Slope } from '../../src/report/types';
import { el } from './dom';
import { signedBytes } from './format';

export function comparisonCard(report: LeakReport): HTMLElement {
  const c = report.comparison;
  if (!c) return el('div', { hidden: '' });
  const p = c.previous;
  const when = Number.isNaN(Date.parse(p.createdAt)) ? p.createdAt : new Date(p.createdAt).toLocaleString();
  return el(
    'section',
    { class: 'll-card ll-comparison', 'aria-labelledby': 'll-comparison-title', 'data-testid': 'comparison' },
    el('h2', { id: 'll-comparison-title' }, 'Before → after'),
    el('p', { class: 'll-comparison-summary', 'data-testid': 'comparison-summary' }, c.summary),
    c.classes.length > 1 ? el('ul', { class: 'll-holds' }, ...c.classes.map((k) => el('li', {}, classChangeText(k)))) : null,
    el('p', { class: 'll-meta' }, `memory per call ${slopeText(p.slope)} → ${slopeText(report.slope)} · previous run ${when}, ${p.target.description}`),
  );
}

function slopeText(slope: Slope | null): string {
  return slope ? `${signedBytes(slope.bytesPerCall)}/call` : 'no slope';
}
