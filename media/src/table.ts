/** The leak table: one row per finding; a row selects the finding and opens its source. */
import type { LeakFinding, LeakReport } from '../../src/report/types';
import { el, onActivate, type Child } from './dom';
import { findingPlace, formatBytes, formatPerCall, refsText } from './format';

export interface TableOptions {
  report: LeakReport;
  findings: LeakFinding[];
  selected: LeakFinding | null;
  onSelect(finding: LeakFinding, reveal: boolean): void;
}

const COLUMNS: { label: string; numeric: boolean; title: string }[] = [
  { label: 'Class', numeric: false, title: 'Class (constructor) of the leaked objects' },
  { label: 'Per call', numeric: true, title: 'New objects that survive, per call' },
  { label: 'Bytes/call', numeric: true, title: 'Memory the leak retains, per call' },
  { label: 'Retained', numeric: true, title: 'Memory the leaked objects retain in the target snapshot' },
  { label: 'Refs', numeric: true, title: 'Strong references to each leaked object' },
  { label: 'Location', numeric: false, title: 'Where the class is defined, or for object literals the function that allocated them' },
];

export function leakTable(options: TableOptions): HTMLTableElement {
  const { report, findings, selected, onSelect } = options;
  const head = el('thead', {}, el('tr', {}, ...COLUMNS.map((c) => el('th', { scope: 'col', class: c.numeric ? 'num' : '', title: c.title }, c.label))));
  const rows: HTMLTableRowElement[] = findings.map((finding) => {
    const place = findingPlace(report, finding);
    const isSelected = finding === selected;
    const classCell: Child[] = [el('span', { class: 'll-class-name' }, finding.className)];
    if (!finding.primary) classCell.push(' ', el('span', { class: 'll-tag', title: 'Held by a primary leak, or grew without a leak root' }, 'held'));
    const row = el(
      'tr',
      {
        'data-testid': 'leak-row',
        'data-class': finding.className,
        class: `ll-row${finding.primary ? '' : ' ll-held'}${isSelected ? ' ll-selected' : ''}`,
        tabindex: isSelected || (selected === null && finding === findings[0]) ? 0 : -1,
        'aria-selected': isSelected ? 'true' : 'false',
        'aria-label': `${finding.className}: ${formatPerCall(finding.countPerCall)} per call, ${formatBytes(finding.bytesPerCall)} per call${place ? `, ${place.label.startsWith('in ') ? 'allocated' : 'defined at'} ${place.label}` : ''}`,
      },
      el('td', { class: 'll-class' }, ...classCell),
      el('td', { class: 'num' }, formatPerCall(finding.countPerCall)),
      el('td', { class: 'num' }, formatBytes(finding.bytesPerCall)),
      el('td', { class: 'num' }, formatBytes(finding.retainedSize)),
      el('td', { class: 'num' }, refsText(finding.refs)),
      el('td', { class: 'll-location', title: place?.title }, place ? place.label : '—'),
    );
    onActivate(row, () => onSelect(finding, true));
    return row;
  });
  const body = el('tbody', {}, ...rows);
  body.addEventListener('keydown', (event) => {
    const key = event.key;
    if (key !== 'ArrowDown' && key !== 'ArrowUp' && key !== 'Home' && key !== 'End') return;
    const at = rows.indexOf(event.target as HTMLTableRowElement);
    if (at < 0) return;
    event.preventDefault();
    const next = key === 'Home' ? 0 : key === 'End' ? rows.length - 1 : Math.min(rows.length - 1, Math.max(0, at + (key === 'ArrowDown' ? 1 : -1)));
    for (const r of rows) r.tabIndex = -1;
    rows[next].tabIndex = 0;
    rows[next].focus();
  });
  if (rows.length === 0) {
    body.appendChild(el('tr', { class: 'll-empty-row' }, el('td', { colspan: COLUMNS.length }, 'No class survived and grew with the calls.')));
  }
  return el(
    'table',
    { class: 'll-table', role: 'grid', 'aria-readonly': 'true', 'data-testid': 'leak-table', 'aria-label': 'Leaking classes: select a row to see its culprit, fix and retainer graph' },
    head,
    body,
  );
}
