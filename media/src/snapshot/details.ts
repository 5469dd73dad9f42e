/**
 * The selected class's largest objects, and the selected object's shortest path from a GC
 * root, as text lines (in source terms where the engine could name the steps). Heap text
 * goes in as text nodes; the raw edges only as a title attribute value.
 */
import type { ObjectSummary, RetainerPath } from '../../../src/report/types';
import { pathLines } from '../../../src/report/pathText';
import { el, onActivate } from '../dom';
import { formatBytes } from '../format';

export function objectList(className: string, objects: readonly ObjectSummary[], onPick: (o: ObjectSummary) => void): HTMLElement {
  const items = objects.map((o) => {
    const item = el(
      'li',
      { class: 'll-row ll-snap-object', tabindex: 0 },
      el('span', { class: 'll-class' }, `${o.name} @${o.id}`),
      el('span', { class: 'll-muted' }, ` · retained ${formatBytes(o.retainedSize)} · shallow ${formatBytes(o.selfSize)} · ${o.refs} ref${o.refs === 1 ? '' : 's'}`),
    );
    onActivate(item, () => {
      for (const other of item.parentElement?.querySelectorAll('.ll-selected') ?? []) other.classList.remove('ll-selected');
      item.classList.add('ll-selected');
      onPick(o);
    });
    return item;
  });
  return el(
    'section',
    { class: 'll-snap-objects', 'aria-label': 'Largest objects' },
    el('h2', {}, `Largest ${className} objects`),
    objects.length === 0 ? el('p', { class: 'll-muted' }, 'No objects of this class.') : el('ol', { class: 'll-snap-list' }, ...items),
    objects.length > 0 ? el('p', { class: 'll-muted' }, 'Pick one to see what keeps it alive.') : null,
  );
}

export function rootPathView(object: ObjectSummary | null, path: RetainerPath | null): HTMLElement {
  const section = el('section', { class: 'll-snap-path', 'aria-label': 'Path from a GC root' });
  if (!object) return withChildren(section, el('h2', {}, 'Path from a GC root'), el('p', { class: 'll-muted' }, 'This object is no longer in the snapshot.'));
  const title = el('h2', {}, `Path from a GC root to ${object.name} @${object.id}`);
  if (!path || path.steps.length === 0) {
    const why = object.distance === null ? 'No strong path reaches it: only weak references hold it, so the next GC may free it.' : 'It is a root itself.';
    return withChildren(section, title, el('p', { class: 'll-muted' }, why));
  }
  const lines = pathLines(path);
  const list = el(
    'ol',
    { class: 'll-snap-steps' },
    el('li', { class: 'll-muted' }, '(GC root)'),
    ...lines.map((line) => el('li', { title: line.raw }, el('code', {}, line.text))),
    el('li', {}, el('code', {}, object.name)),
  );
  return withChildren(section, title, list, el('p', { class: 'll-muted' }, `${object.distance ?? '?'} steps from the roots · retained ${formatBytes(object.retainedSize)}`));
}

function withChildren(node: HTMLElement, ...children: HTMLElement[]): HTMLElement {
  for (const child of children) node.appendChild(child);
  return node;
}
