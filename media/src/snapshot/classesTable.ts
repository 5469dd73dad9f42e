/**
 * The snapshot's classes as a table: count, shallow (self) and retained size; a click on a
 * column header sorts by it, a filter box narrows by name. Class names are heap text: they
 * go in as text nodes only.
 */
import type { SnapshotClass } from '../../../src/report/snapshotProtocol';
import { el, onActivate, replaceChildren } from '../dom';
import { formatBytes } from '../format';

type Column = 'name' | 'count' | 'selfSize' | 'retainedSize';
const COLUMNS: { key: Column; label: string; numeric: boolean }[] = [
  { key: 'name', label: 'Class', numeric: false },
  { key: 'count', label: 'Count', numeric: true },
  { key: 'selfSize', label: 'Shallow', numeric: true },
  { key: 'retainedSize', label: 'Retained', numeric: true },
];
/** Rows drawn at once; the filter reaches the rest. */
const SHOWN_ROWS = 300;

export class ClassesTable {
  readonly element: HTMLElement;
  private sortBy: Column = 'retainedSize';
  private descending = true;
  private filter = '';
  private selected: number | null = null;
  private readonly head = el('thead');
  private readonly body = el('tbody');
  private readonly note = el('p', { class: 'll-muted ll-snap-note' });

  constructor(
    private readonly classes: readonly SnapshotClass[],
    private readonly onSelect: (c: SnapshotClass) => void,
    private readonly onDrawn: () => void,
  ) {
    const input = el('input', { type: 'search', class: 'll-snap-filter', placeholder: 'Filter classes', 'aria-label': 'Filter classes by name' });
    input.addEventListener('input', () => {
      this.filter = input.value.trim().toLowerCase();
      this.draw();
    });
    this.element = el(
      'section',
      { class: 'll-snap-classes', 'aria-label': 'Classes' },
      el('div', { class: 'll-snap-bar' }, el('h2', {}, 'Classes'), input),
      el('div', { class: 'll-table-wrap' }, el('table', { class: 'll-table ll-snap-table' }, this.head, this.body)),
      this.note,
    );
    this.draw();
  }

  private draw(): void {
    replaceChildren(this.head, el('tr', {}, ...COLUMNS.map((c) => this.header(c))));
    const rows = this.classes.filter((c) => !this.filter || c.name.toLowerCase().includes(this.filter)).sort((a, b) => this.compare(a, b));
    replaceChildren(this.body, ...rows.slice(0, SHOWN_ROWS).map((c) => this.row(c)));
    replaceChildren(
      this.note,
      rows.length > SHOWN_ROWS ? `${rows.length - SHOWN_ROWS} more classes not shown: filter by name to find them.` : rows.length === 0 ? 'No class matches the filter.' : '',
    );
    this.onDrawn();
  }

  private header(c: (typeof COLUMNS)[number]): HTMLTableCellElement {
    const active = c.key === this.sortBy;
    const button = el('button', { type: 'button', class: 'll-snap-sort', title: `Sort by ${c.label.toLowerCase()}` }, c.label, active ? (this.descending ? ' ▼' : ' ▲') : '');
    onActivate(button, () => {
      if (active) this.descending = !this.descending;
      else {
        this.sortBy = c.key;
        this.descending = c.numeric;
      }
      this.draw();
    });
    return el('th', { class: c.numeric ? 'num' : null, 'aria-sort': active ? (this.descending ? 'descending' : 'ascending') : 'none', scope: 'col' }, button);
  }

  private compare(a: SnapshotClass, b: SnapshotClass): number {
    const order = this.sortBy === 'name' ? a.name.localeCompare(b.name) : a[this.sortBy] - b[this.sortBy];
    return this.descending ? -order : order;
  }

  private row(c: SnapshotClass): HTMLTableRowElement {
    const row = el(
      'tr',
      { class: `ll-row${c.id === this.selected ? ' ll-selected' : ''}`, tabindex: 0, 'aria-selected': c.id === this.selected ? 'true' : 'false' },
      el('td', { class: 'll-class' }, c.name),
      el('td', { class: 'num' }, c.count.toLocaleString('en-US')),
      el('td', { class: 'num' }, formatBytes(c.selfSize)),
      el('td', { class: 'num' }, formatBytes(c.retainedSize)),
    );
    onActivate(row, () => {
      this.selected = c.id;
      for (const other of this.body.querySelectorAll('.ll-selected')) {
        other.classList.remove('ll-selected');
        other.setAttribute('aria-selected', 'false');
      }
      row.classList.add('ll-selected');
      row.setAttribute('aria-selected', 'true');
      this.onSelect(c);
    });
    return row;
  }
}
