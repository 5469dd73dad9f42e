/**
 * The retainer graph of one finding as SVG, pan and zoom with d3-zoom, culprit edges and holder
 * marked. First the culprit view (culpritGraph.ts), left to right and fitted to the view, the
 * culprit edge labelled with the fix; nodes open their other retainers on a click of their
 * "+N" badge. Or the whole graph as the report recorded it, layered (GC roots on top, leaked
 * objects below). Every heap string is set with textContent or as an attribute value.
 */
import { select, type Selection } from 'd3-selection';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { LeakFinding, LeakReport } from '../../src/report/types';
import { culpritGraph } from './culpritGraph';
import { el, onActivate, replaceChildren, svg } from './dom';
import { formatBytes, placeOf, truncate, type Place } from './format';
import { layoutGraph, layoutChain, visibleGraph, type Box, type GraphFilter, type Layout, type ViewEdge, type ViewNode, type VisibleGraph } from './graphModel';

/** Which graph is shown: the culprit view (the default) or the whole one, and what it includes. */
export interface GraphViewState {
  whole: boolean;
  internals: boolean;
  /** Nodes whose retainers the culprit view shows. */
  opened: readonly number[];
}

export type GraphViewChange = Partial<GraphViewState>;

export interface GraphRenderOptions {
  report: LeakReport;
  finding: LeakFinding;
  filter: GraphFilter;
  onExpand(target: number): void;
  onReveal(place: Place): void;
  /** Absent: the culprit view with internals hidden, and toggles that keep their state here. */
  view?: GraphViewState;
  onViewChange?(change: GraphViewChange): void;
}

export interface GraphStats {
  nodes: number;
  edges: number;
  culpritEdges: number;
  cutByDepth: number;
  /** The culprit view was drawn (else the whole graph). */
  culpritView: boolean;
}

const NODE_HEIGHT = 42;
const NAME_CHARS = 40;
/** The culprit view's names are shorter: the whole chain fits across the view. */
const COMPACT_NAME_CHARS = 26;
const EDGE_LABEL_CHARS = 36;
const FIX_CHARS = 44;
const LABEL_CHAR_WIDTH = 6.2;

export class GraphView {
  readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly zoomBehavior: ZoomBehavior<SVGSVGElement, unknown>;
  private shownFor: LeakFinding | null = null;
  private focusBox: { x0: number; y0: number; x1: number; y1: number } | null = null;
  private size = { width: 0, height: 0 };
  private fitted = '';
  private ownView: GraphViewState = { whole: false, internals: false, opened: [] };
  private last: GraphRenderOptions | null = null;
  private readonly controls: HTMLElement;

  constructor(container: HTMLElement) {
    this.svg = svg('svg', { class: 'll-graph-svg', role: 'group', 'aria-roledescription': 'graph' });
    const defs = svg('defs');
    defs.append(arrowMarker('ll-arrow', 'll-arrowhead'), arrowMarker('ll-arrow-culprit', 'll-arrowhead ll-arrowhead-culprit'));
    this.viewport = svg('g', { class: 'll-viewport' });
    this.svg.append(defs, this.viewport);
    this.controls = el('div', { class: 'll-graph-controls', role: 'group', 'aria-label': 'What the graph shows' });
    replaceChildren(container, this.svg, this.controls);
    this.zoomBehavior = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.05, 4])
      .on('zoom', (event: D3ZoomEvent<SVGSVGElement, unknown>) => {
        this.viewport.setAttribute('transform', event.transform.toString());
      });
    const svgSel: Selection<SVGSVGElement, unknown, null, undefined> = select(this.svg);
    svgSel.call(this.zoomBehavior).on('dblclick.zoom', null);
  }

  render(options: GraphRenderOptions): GraphStats {
    const { report, finding, filter } = options;
    const graph = finding.graph;
    replaceChildren(this.viewport);
    if (!graph || graph.nodes.length === 0) {
      this.shownFor = finding;
      return { nodes: 0, edges: 0, culpritEdges: 0, cutByDepth: 0, culpritView: false };
    }
    this.last = options;
    const state = options.view ?? this.ownView;
    const culprit = state.whole
      ? null
      : culpritGraph(finding, { internals: state.internals, opened: new Set(state.opened), expanded: filter.expanded, tooMany: filter.tooMany });
    const view = culprit ?? visibleGraph(graph, filter);
    this.drawControls(state, finding.paths.some((p) => p.steps.length > 0));
    const holderId = finding.culprit?.holderId;

    // Nodes first, so their text can be measured before the layout.
    const edgeLayer = svg('g', { class: 'll-edges' });
    const nodeLayer = svg('g', { class: 'll-nodes' });
    this.viewport.append(edgeLayer, nodeLayer);
    const nodeElements = new Map<string, SVGGElement>();
    for (const n of view.nodes) {
      const g = nodeElement(n, report, holderId, options, culprit !== null, (id) => this.change({ opened: [...state.opened, id] }));
      nodeLayer.append(g);
      nodeElements.set(n.key, g);
    }
    const sizeOf = (n: ViewNode): { w: number; h: number } => ({ w: measureNode(nodeElements.get(n.key)), h: NODE_HEIGHT });
    const layout: Layout = culprit ? this.chainLayout(view, sizeOf) : layoutGraph(view, sizeOf);
    for (const n of view.nodes) {
      const box = layout.boxes.get(n.key);
      const g = nodeElements.get(n.key);
      if (!box || !g) continue;
      g.setAttribute('transform', `translate(${box.x - box.w / 2},${box.y - box.h / 2})`);
      const rect = g.querySelector('rect');
      rect?.setAttribute('width', String(box.w));
    }
    // Culprit edges are placed (labels first) and drawn last, on top.
    const ordered = [...view.edges].sort((a, b) => Number(b.culprit) - Number(a.culprit));
    const labels = new LabelPlacer([...layout.boxes.values()]);
    const drawn = ordered.flatMap((e) => {
      const from = layout.boxes.get(e.from);
      const to = layout.boxes.get(e.to);
      return from && to ? [edgeElement(e, from, to, labels, layout.horizontal === true, culprit !== null && layout.horizontal !== true)] : [];
    });
    edgeLayer.append(...drawn.reverse());

    const culpritEdges = view.edges.filter((e) => e.culprit);
    this.focusBox = boundsOf(
      [
        ...culpritEdges.flatMap((e) => [e.from, e.to]),
        ...view.nodes.filter((n) => n.kind === 'node' && n.depth === 0).map((n) => n.key),
      ]
        .map((k) => layout.boxes.get(k))
        .filter((b): b is Box => b !== undefined),
    );
    this.size = { width: layout.width, height: layout.height };
    const label =
      `Retainer graph of ${finding.className}: ${view.nodes.length} nodes, ${view.edges.length} edges, ` +
      `${culpritEdges.length} culprit ${culpritEdges.length === 1 ? 'edge' : 'edges'}. ` +
      (culprit ? 'GC roots on the left, leaked objects on the right.' : 'GC roots at the top, leaked objects at the bottom.');
    this.svg.setAttribute('aria-label', label);
    this.svg.classList.toggle('ll-culprit-view', culprit !== null);
    // The culprit view fits the view whenever it changes; the whole graph focuses once per finding.
    const shape = culprit ? `${view.nodes.length}/${view.edges.length}/${state.internals}` : 'whole';
    if (this.shownFor !== finding || (culprit && shape !== this.fitted) || (!culprit && this.fitted !== 'whole')) {
      this.shownFor = finding;
      this.fitted = shape;
      if (culprit) this.fit();
      else this.focus();
    }
    return {
      nodes: view.nodes.length,
      edges: view.edges.length,
      culpritEdges: culpritEdges.length,
      cutByDepth: view.cutByDepth,
      culpritView: culprit !== null,
    };
  }

  /** The culprit view across or down, whichever the view shows larger. */
  private chainLayout(view: VisibleGraph, sizeOf: (n: ViewNode) => { w: number; h: number }): Layout {
    const { width, height } = this.viewSize();
    const across = layoutChain(view, sizeOf, labelWidth, true);
    const down = layoutChain(view, sizeOf, labelWidth, false);
    const scale = (l: Layout): number => Math.min(width / l.width, height / l.height);
    return scale(across) >= scale(down) ? across : down;
  }

  /** Toggles for the culprit view and V8 internals, drawn over the graph's corner. */
  private drawControls(state: GraphViewState, culpritPossible: boolean): void {
    const toggle = (name: 'culprit' | 'internals', text: string, title: string, checked: boolean, disabled: boolean, apply: (on: boolean) => GraphViewChange) => {
      const input = el('input', { type: 'checkbox', name, 'data-testid': `graph-toggle-${name}`, checked, disabled });
      input.addEventListener('change', () => this.change(apply(input.checked)));
      return el('label', { class: 'll-graph-toggle', title }, input, text);
    };
    replaceChildren(
      this.controls,
      toggle('culprit', 'Culprit path only', 'Show only the path from a GC root to the leaked objects; off: every retainer the report recorded', !state.whole && culpritPossible, !culpritPossible, (on) => ({
        whole: !on,
      })),
      toggle('internals', 'V8 internals', "Show V8's own objects (system / …, internal arrays, synthetic roots) and weak, hidden and shortcut edges", state.internals, state.whole || !culpritPossible, (on) => ({
        internals: on,
      })),
    );
  }

  private change(change: GraphViewChange): void {
    const options = this.last;
    if (!options) return;
    if (options.onViewChange) {
      options.onViewChange(change);
      return;
    }
    this.ownView = { ...this.ownView, ...change };
    this.render(options);
  }

  /** Shows the culprit edges and the leaked objects, at a readable scale (the culprit view: all of it). */
  focus(): void {
    if (this.fitted !== 'whole' && this.fitted !== '') {
      this.fit();
      return;
    }
    const box = this.focusBox ?? { x0: 0, y0: 0, x1: this.size.width, y1: this.size.height };
    const { width, height } = this.viewSize();
    const k = clamp(Math.min(width / (box.x1 - box.x0 + 120), height / (box.y1 - box.y0 + 120)), 0.4, 1);
    // Leaked objects near the bottom edge, so the space above shows more of who holds them.
    const centered = height / 2 - k * ((box.y0 + box.y1) / 2);
    const bottom = height - 40 - k * box.y1;
    const ty = k * box.y0 + bottom >= 40 ? bottom : centered;
    this.setTransform(zoomIdentity.translate(width / 2 - k * ((box.x0 + box.x1) / 2), ty).scale(k));
  }

  /** The whole graph in view. */
  fit(): void {
    const { width, height } = this.viewSize();
    const k = clamp(Math.min(width / this.size.width, height / this.size.height), 0.05, 1);
    this.setTransform(zoomIdentity.translate((width - k * this.size.width) / 2, (height - k * this.size.height) / 2).scale(k));
  }

  zoomBy(factor: number): void {
    select(this.svg).call(this.zoomBehavior.scaleBy, factor);
  }

  private setTransform(t: ZoomTransform): void {
    select(this.svg).call(this.zoomBehavior.transform, t);
  }

  private viewSize(): { width: number; height: number } {
    const r = this.svg.getBoundingClientRect();
    return { width: r.width || 800, height: r.height || 480 };
  }
}

function nodeElement(
  n: ViewNode,
  report: LeakReport,
  holderId: number | undefined,
  options: GraphRenderOptions,
  compact: boolean,
  open: (id: number) => void,
): SVGGElement {
  if (n.kind === 'more' && n.leaked !== undefined) {
    const shown = options.finding.graph?.starts?.length ?? 0;
    const title = `${n.count} more ${n.leaked} objects survived the calls and are held the same way; the report draws ${shown || 'a few'} of them.`;
    return svg(
      'g',
      { class: 'll-node ll-more ll-more-leaked', 'data-testid': 'more-node', 'data-id': 'more-leaked', 'data-expandable': 'false', role: 'img', 'aria-label': title },
      svg('title', {}, title),
      svg('rect', { height: NODE_HEIGHT, rx: 6, ry: 6 }),
      svg('text', { class: 'll-node-name', x: 10, y: 17 }, `+${n.count} more ${truncate(n.leaked, NAME_CHARS)}`),
      svg('text', { class: 'll-node-sub', x: 10, y: 33 }, 'leaked, held the same way'),
    );
  }
  if (n.kind === 'more') {
    const title = n.expandable
      ? `${n.count} more retainers. Click to show the ones the report holds.`
      : `${n.count} more retainers, not recorded in the report (it keeps ${options.finding.graph?.tooMany ?? '?'} per object).`;
    const g = svg(
      'g',
      {
        class: `ll-node ll-more${n.expandable ? ' ll-expandable' : ''}`,
        'data-testid': 'more-node',
        'data-id': `more-${n.target}`,
        'data-target': n.target,
        'data-expandable': n.expandable ? 'true' : 'false',
        role: n.expandable ? 'button' : 'img',
        tabindex: n.expandable ? 0 : null,
        'aria-label': title,
      },
      svg('title', {}, title),
      svg('rect', { height: NODE_HEIGHT, rx: 6, ry: 6 }),
      svg('text', { class: 'll-node-name', x: 10, y: 17 }, `+${n.count} more`),
      svg('text', { class: 'll-node-sub', x: 10, y: 33 }, n.expandable ? 'click to expand' : 'not in the report'),
    );
    if (n.expandable) activateNode(g, () => options.onExpand(n.target));
    return g;
  }
  const node = n.node;
  const place = placeOf(report, node.location);
  const isHolder = holderId !== undefined && node.id === holderId;
  const roles = [node.isRoot || n.rootHeld ? 'GC root' : '', isHolder ? 'culprit holder' : '', node.leaked ? 'leaked' : ''].filter(Boolean);
  // Compact: where it is defined rather than its size, and its references only where they matter.
  const sub = [...roles, node.type, compact && place ? place.label : formatBytes(node.retainedSize)].join(' · ');
  const name = truncate(node.name || '(no name)', compact ? COMPACT_NAME_CHARS : NAME_CHARS);
  const details = [
    `${node.name}`,
    `${node.type}${roles.length ? ` (${roles.join(', ')})` : ''}${node.old ? ', existed before the calls' : ', new since the baseline'}`,
    `self ${formatBytes(node.selfSize)}, retained ${formatBytes(node.retainedSize)}, ${node.refs} strong ${node.refs === 1 ? 'reference' : 'references'}`,
    node.distance !== null ? `distance from the GC roots: ${node.distance}` : '',
    place ? `defined at ${place.title} (click to open)` : '',
  ].filter(Boolean);
  const classes = ['ll-node', node.isRoot || n.rootHeld ? 'll-root' : '', isHolder ? 'll-holder' : '', node.leaked ? 'll-leaked' : '', place ? 'll-has-location' : '']
    .filter(Boolean)
    .join(' ');
  const g = svg(
    'g',
    {
      class: classes,
      'data-testid': 'graph-node',
      'data-id': node.id,
      'data-name': node.name,
      'data-depth': n.depth,
      role: place ? 'button' : 'img',
      tabindex: place ? 0 : null,
      'aria-label': details.join('. '),
    },
    svg('title', {}, details.join('\n')),
    svg('rect', { height: NODE_HEIGHT, rx: 6, ry: 6 }),
    svg('text', { class: 'll-node-name', x: 10, y: 17 }, compact && !node.leaked ? name : `${name} · refs ${node.refs}`),
    svg('text', { class: 'll-node-sub', x: 10, y: 33 }, sub),
  );
  if (place) activateNode(g, () => options.onReveal(place));
  if (n.closed) g.append(opener(node.id, node.name, n.closed, open));
  return g;
}

/** The "+N" badge on a node's left (its retainers' side): shows N more of them. */
function opener(id: number, name: string, count: number, open: (id: number) => void): SVGGElement {
  const title = `Show ${count} more ${count === 1 ? 'retainer' : 'retainers'} of ${name}`;
  const text = `+${count}`;
  const w = Math.max(22, text.length * 7 + 8);
  const g = svg(
    'g',
    { class: 'll-open', 'data-testid': 'open-node', 'data-target': id, 'data-count': count, role: 'button', tabindex: 0, 'aria-label': title, transform: `translate(${-w - 4},${NODE_HEIGHT / 2 - 9})` },
    svg('title', {}, title),
    svg('rect', { width: w, height: 18, rx: 9, ry: 9 }),
    svg('text', { x: w / 2, y: 13, 'text-anchor': 'middle' }, text),
  );
  activateNode(g, () => open(id));
  return g;
}

/** `beside`: labels start just right of the line (a chain drawn top to bottom), else centered on it. */
function edgeElement(e: ViewEdge, from: Box, to: Box, labels: LabelPlacer, horizontal: boolean, beside: boolean): SVGGElement {
  const p = horizontal ? routeRight(from, to) : route(from, to);
  const text = e.more ? '' : truncate(e.label ?? edgeLabel(e), EDGE_LABEL_CHARS);
  const g = svg(
    'g',
    {
      class: `ll-edge${e.culprit ? ' ll-culprit' : ''}${e.more ? ' ll-edge-more' : ''}${from.layer >= to.layer ? ' ll-edge-back' : ''}`,
      'data-testid': 'graph-edge',
      'data-culprit': e.culprit ? 'true' : 'false',
      'data-from': e.from.replace(/^n/, ''),
      'data-to': e.to.replace(/^n/, ''),
      'data-name': e.names.join(', '),
      'data-fix': e.fix ? 'true' : null,
    },
    svg('path', {
      d: `M${p[0]},${p[1]} C${p[2]},${p[3]} ${p[4]},${p[5]} ${p[6]},${p[7]}`,
      'marker-end': `url(#${e.culprit ? 'll-arrow-culprit' : 'll-arrow'})`,
    }),
  );
  if (text && e.fix) {
    // The edge's name above the line, the fix below it.
    const fix = fixLine(e.fix);
    const [mx, my] = labels.place(p, fix.length > text.length ? fix : text, 34, beside);
    const at = beside ? { x: mx + 8, 'text-anchor': 'start' } : { x: mx, 'text-anchor': 'middle' };
    g.append(
      svg('text', { class: 'll-edge-label', ...at, y: my - 4 }, text),
      svg('text', { class: 'll-edge-label ll-edge-fix', 'data-testid': 'edge-fix', ...at, y: my + 12 }, fix),
      svg('title', {}, `Culprit edge: ${e.title ?? `${e.types.join('/')} ${edgeLabel(e)}`}\nFix: ${e.fix}`),
    );
  } else if (text) {
    const [mx, my] = labels.place(p, text, 14, beside);
    const at = beside ? { x: mx + 8, 'text-anchor': 'start' } : { x: mx, 'text-anchor': 'middle' };
    g.append(svg('text', { class: 'll-edge-label', ...at, y: my + 4 }, text));
    g.append(svg('title', {}, `${e.culprit ? 'Culprit edge: ' : ''}${e.title ?? `${e.types.join('/')} ${edgeLabel(e)}`}`));
  }
  return g;
}

function fixLine(fix: string): string {
  return `Fix: ${truncate(fix, FIX_CHARS)}`;
}

/** Room an edge's label needs between two columns of the culprit view. */
function labelWidth(e: ViewEdge): number {
  if (e.more) return 0;
  const text = truncate(e.label ?? edgeLabel(e), EDGE_LABEL_CHARS);
  const chars = Math.max(Array.from(text).length, e.fix ? Array.from(fixLine(e.fix)).length : 0);
  return chars * LABEL_CHAR_WIDTH + 6;
}

/** Cubic curve from holder to held, left to right; looping above when the held is not to the right. */
function routeRight(from: Box, to: Box): number[] {
  if (from.layer < to.layer) {
    const x0 = from.x + from.w / 2;
    const x1 = to.x - to.w / 2 - 2;
    const dx = (x1 - x0) / 2;
    return [x0, from.y, x0 + dx, from.y, x1 - dx, to.y, x1, to.y];
  }
  const y0 = from.y - from.h / 2;
  const y1 = to.y - to.h / 2 - 2;
  return [from.x, y0, from.x, y0 - 40, to.x, y1 - 40, to.x, y1];
}

function edgeLabel(e: ViewEdge): string {
  return e.names.map((name, i) => (e.types[i] === 'element' || e.types[i] === 'hidden' ? `[${name}]` : name)).join(', ');
}

/** Cubic curve from holder to held: down when the holder is above, else looping around. */
function route(from: Box, to: Box): number[] {
  if (from.layer < to.layer) {
    const y0 = from.y + from.h / 2;
    const y1 = to.y - to.h / 2 - 2;
    const dy = (y1 - y0) / 2;
    return [from.x, y0, from.x, y0 + dy, to.x, y1 - dy, to.x, y1];
  }
  if (from.layer > to.layer) {
    const y0 = from.y - from.h / 2;
    const y1 = to.y + to.h / 2 + 2;
    return [from.x, y0, from.x, y0 - 50, to.x, y1 + 50, to.x, y1];
  }
  const y0 = from.y - from.h / 2;
  const y1 = to.y - to.h / 2 - 2;
  return [from.x, y0, from.x, y0 - 40, to.x, y1 - 40, to.x, y1];
}

function bezierAt(p: number[], t: number): [number, number] {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return [a * p[0] + b * p[2] + c * p[4] + d * p[6], a * p[1] + b * p[3] + c * p[5] + d * p[7]];
}

/** Puts each edge label at the first point along its curve where it overlaps no node and no earlier label. */
class LabelPlacer {
  private readonly taken: { x0: number; y0: number; x1: number; y1: number }[] = [];

  constructor(nodes: Box[]) {
    for (const b of nodes) this.taken.push({ x0: b.x - b.w / 2, y0: b.y - b.h / 2, x1: b.x + b.w / 2, y1: b.y + b.h / 2 });
  }

  place(curve: number[], text: string, h = 14, beside = false): [number, number] {
    const w = Array.from(text).length * LABEL_CHAR_WIDTH + 6;
    // A label beside the line spans from the point rightwards.
    const shift = beside ? w / 2 + 8 : 0;
    let best: [number, number] = bezierAt(curve, 0.5);
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78]) {
      const [x, y] = bezierAt(curve, t);
      const box = { x0: x + shift - w / 2, y0: y - h / 2, x1: x + shift + w / 2, y1: y + h / 2 };
      if (!this.taken.some((o) => box.x0 < o.x1 && o.x0 < box.x1 && box.y0 < o.y1 && o.y0 < box.y1)) {
        best = [x, y];
        break;
      }
    }
    this.taken.push({ x0: best[0] + shift - w / 2, y0: best[1] - h / 2, x1: best[0] + shift + w / 2, y1: best[1] + h / 2 });
    return best;
  }
}

function arrowMarker(id: string, className: string): SVGMarkerElement {
  return svg(
    'marker',
    { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z', class: className }),
  );
}

function measureNode(g: SVGGElement | undefined): number {
  if (!g) return 120;
  let width = 0;
  for (const t of Array.from(g.querySelectorAll('text'))) {
    let w = 0;
    try {
      w = t.getComputedTextLength();
    } catch {
      w = 0;
    }
    // Hidden pages measure nothing: estimate from the length instead.
    if (!w) w = (t.textContent ?? '').length * 7;
    width = Math.max(width, w);
  }
  return Math.ceil(Math.max(90, width + 20));
}

function boundsOf(boxes: Box[]): { x0: number; y0: number; x1: number; y1: number } | null {
  if (boxes.length === 0) return null;
  return {
    x0: Math.min(...boxes.map((b) => b.x - b.w / 2)),
    y0: Math.min(...boxes.map((b) => b.y - b.h / 2)),
    x1: Math.max(...boxes.map((b) => b.x + b.w / 2)),
    y1: Math.max(...boxes.map((b) => b.y + b.h / 2)),
  };
}

/** A node acts as a button; its clicks stay off the canvas underneath (which pans). */
function activateNode(g: SVGGElement, action: () => void): void {
  onActivate(g, (event) => {
    event.stopPropagation();
    action();
  });
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : hi));
}
