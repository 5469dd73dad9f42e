/**
 * The heap snapshot editor's page: progress with Cancel while the worker reads the file, then
 * the totals, the classes table, a picked class's largest objects and a picked object's path
 * from a GC root. Everything is computed by the extension's heap worker; this page only draws
 * what it is sent, as text. After each change it tells the host what it shows (its text).
 */
import type { SnapshotClass, SnapshotHostMessage, SnapshotPageView } from '../../../src/report/snapshotProtocol';
import { el, onActivate, replaceChildren } from '../dom';
import { formatBytes } from '../format';
import { ClassesTable } from './classesTable';
import { objectList, rootPathView } from './details';
import { connectSnapshotHost } from './host';

const root = document.getElementById('leak-lens-snapshot') as HTMLElement;
const host = connectSnapshotHost();
/** Where the class's objects and the object's path go, once the snapshot is loaded. */
let objectsBox: HTMLElement | null = null;
let pathBox: HTMLElement | null = null;
let classesById = new Map<number, SnapshotClass>();

function shown(view: SnapshotPageView, node: HTMLElement): void {
  host.post({ type: 'shown', view, text: (node.textContent ?? '').slice(0, 100_000) });
}

function button(label: string, action: () => void, primary = false): HTMLButtonElement {
  const b = el('button', { type: 'button', class: primary ? 'll-button ll-snap-primary' : 'll-button' }, label);
  onActivate(b, action);
  return b;
}

function render(m: SnapshotHostMessage): void {
  switch (m.type) {
    case 'progress': {
      const percent = m.percent ?? 100;
      const text = m.percent !== null ? `Reading ${m.fileName}: ${m.percent}%` : `Analyzing ${m.fileName}: ${m.phase}…`;
      replaceChildren(
        root,
        el('p', { class: 'll-snap-status', role: 'status' }, text),
        el('progress', { max: 100, value: percent, 'aria-label': 'Reading the snapshot' }),
        el('p', {}, button('Cancel', () => host.post({ type: 'cancel' }))),
      );
      root.setAttribute('aria-busy', 'true');
      return shown('progress', root);
    }
    case 'cancelled':
      replaceChildren(root, el('p', { role: 'status' }, `Reading ${m.fileName} was cancelled.`), el('p', {}, button('Read it again', () => host.post({ type: 'reload' }), true)));
      root.removeAttribute('aria-busy');
      return shown('cancelled', root);
    case 'error':
      replaceChildren(root, el('p', { class: 'll-error', role: 'alert' }, m.message));
      root.removeAttribute('aria-busy');
      return shown('error', root);
    case 'loaded':
      return showLoaded(m);
    case 'objects': {
      // Answers come in the order asked, so the last one is the class picked last.
      const picked = classesById.get(m.classId);
      if (!objectsBox || !picked) return;
      replaceChildren(objectsBox, objectList(picked.name, m.objects, (o) => host.post({ type: 'path', id: o.id })));
      if (pathBox) replaceChildren(pathBox);
      return shown('objects', objectsBox);
    }
    case 'path':
      if (!pathBox) return;
      replaceChildren(pathBox, rootPathView(m.object, m.path));
      return shown('path', pathBox);
  }
}

function showLoaded(m: Extract<SnapshotHostMessage, { type: 'loaded' }>): void {
  const t = m.totals;
  const header = el(
    'header',
    { class: 'll-snap-header' },
    el(
      'div',
      { class: 'll-snap-title' },
      el('h1', {}, m.fileName),
      el(
        'p',
        { class: 'll-meta ll-snap-totals' },
        `${formatBytes(t.totalSize)} total · ${formatBytes(t.reachableSize)} reachable · ${t.nodeCount.toLocaleString('en-US')} nodes · ${t.edgeCount.toLocaleString('en-US')} edges · ${t.classCount.toLocaleString('en-US')} classes`,
      ),
    ),
    button('Compare with…', () => host.post({ type: 'compare' })),
  );
  objectsBox = el('div', { class: 'll-snap-objects-box' }, el('p', { class: 'll-muted' }, 'Pick a class to see its largest objects.'));
  pathBox = el('div', { class: 'll-snap-path-box' });
  classesById = new Map(m.classes.map((c) => [c.id, c]));
  const table = new ClassesTable(
    m.classes,
    (c) => {
      if (objectsBox) replaceChildren(objectsBox, el('p', { class: 'll-muted' }, `Finding the largest ${c.name} objects…`));
      if (pathBox) replaceChildren(pathBox);
      host.post({ type: 'classObjects', classId: c.id });
    },
    () => undefined,
  );
  replaceChildren(root, header, el('div', { class: 'll-snap-grid' }, table.element, el('div', { class: 'll-snap-details' }, objectsBox, pathBox)));
  root.removeAttribute('aria-busy');
  shown('classes', root);
}

host.onMessage(render);
host.post({ type: 'ready' });
