/**
 * The retainer graph as shown: the report's back-reference graph filtered on the page (depth from
 * the leaked objects, retainers per node, nodes the user expanded) and laid out in layers, GC
 * roots at the top and the leaked objects at the bottom. Pure: no DOM.
 */
import type { BackReferenceGraph, GraphEdge, GraphNode } from '../../src/report/types';

export interface GraphFilter {
  /** Levels of retainers above the leaked objects. */
  maxDepth: number;
  /** Retainers per node before the rest fold into a "+N more" node. */
  tooMany: number;
  /** Nodes whose retainers are all shown (as many as the report has). */
  expanded: ReadonlySet<number>;
}

export type ViewNode = RealNode | MoreNode;

export interface RealNode {
  kind: 'node';
  key: string;
  node: GraphNode;
  /** Retainer levels above the leaked objects (0 for the leaked samples). */
  depth: number;
  /** Retainers the report holds that this view does not show yet (the culprit view opens them on a click). */
  closed?: number;
  /** Held only by GC roots, which the view hides (V8 internals). */
  rootHeld?: boolean;
}

export interface MoreNode {
  kind: 'more';
  key: string;
  /** The node whose retainers this stands for. */
  target: number;
  count: number;
  /** True when the report holds some of these retainers, so a click can show them. */
  expandable: boolean;
  depth: number;
  /** More leaked objects of the class, beyond the report's samples (drawn after them, not above). */
  leaked?: string;
}

export interface ViewEdge {
  key: string;
  /** Retainer (holder) key. */
  from: string;
  /** Retained key. */
  to: string;
  /** Edge names from this holder to this object (usually one). */
  names: string[];
  types: string[];
  culprit: boolean;
  more: boolean;
  /** What the edge reads as (source terms); without it, its names. */
  label?: string;
  /** The longer text for its tooltip. */
  title?: string;
  /** The fix, short, shown on the culprit edge. */
  fix?: string;
}

export interface VisibleGraph {
  nodes: ViewNode[];
  edges: ViewEdge[];
  /** Nodes shown at maxDepth whose retainers the report has but the depth filter hides. */
  cutByDepth: number;
}

const nodeKey = (id: number): string => `n${id}`;

export function visibleGraph(graph: BackReferenceGraph, filter: GraphFilter): VisibleGraph {
  const byId = new Map<number, GraphNode>();
  for (const n of graph.nodes) byId.set(n.id, n);
  const retainers = new Map<number, GraphEdge[]>();
  const reportFolded = new Map<number, GraphNode>();
  for (const e of graph.edges) {
    const from = byId.get(e.from);
    if (!from || !byId.has(e.to)) continue;
    if (from.type === 'folded' || from.folded !== undefined) {
      reportFolded.set(e.to, from);
      continue;
    }
    let list = retainers.get(e.to);
    if (!list) retainers.set(e.to, (list = []));
    list.push(e);
  }

  const nodes = new Map<string, ViewNode>();
  const edges = new Map<string, ViewEdge>();
  const depth = new Map<number, number>();
  const queue: number[] = [];
  for (const start of leakedStarts(graph, byId)) {
    depth.set(start.id, 0);
    queue.push(start.id);
    nodes.set(nodeKey(start.id), { kind: 'node', key: nodeKey(start.id), node: start, depth: 0 });
  }
  const maxDepth = Math.max(0, Math.floor(filter.maxDepth));
  const tooMany = Math.max(1, Math.floor(filter.tooMany));
  let cutByDepth = 0;
  for (let at = 0; at < queue.length; at++) {
    const id = queue[at];
    const d = depth.get(id) ?? 0;
    const held = retainers.get(id) ?? [];
    const folded = reportFolded.get(id);
    if (d >= maxDepth) {
      if (held.length > 0 || folded) cutByDepth++;
      continue;
    }
    const holders = [...new Set(held.map((e) => e.from))];
    const shown = filter.expanded.has(id) ? holders : holders.slice(0, tooMany);
    const shownSet = new Set(shown);
    for (const e of held) {
      if (!shownSet.has(e.from)) continue;
      const holder = byId.get(e.from) as GraphNode;
      if (!depth.has(holder.id)) {
        depth.set(holder.id, d + 1);
        queue.push(holder.id);
        nodes.set(nodeKey(holder.id), { kind: 'node', key: nodeKey(holder.id), node: holder, depth: d + 1 });
      }
      addEdge(edges, nodeKey(e.from), nodeKey(id), e.name, e.type, e.culprit, false);
    }
    const hidden = holders.length - shown.length;
    const notInReport = folded?.folded ?? 0;
    if (hidden > 0 || notInReport > 0) {
      const key = `more${id}`;
      nodes.set(key, { kind: 'more', key, target: id, count: hidden + notInReport, expandable: hidden > 0, depth: d + 1 });
      addEdge(edges, key, nodeKey(id), '…', 'folded', false, true);
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], cutByDepth };
}

/**
 * The objects the report's graph starts from: the sampled leaked objects, which the report names.
 * Older reports do not; for them, the leading run of leaked nodes of one name (the report lists
 * the samples first), else every leaked node.
 */
export function leakedStarts(graph: BackReferenceGraph, byId: ReadonlyMap<number, GraphNode>): GraphNode[] {
  if (graph.starts) {
    const named = graph.starts.map((id) => byId.get(id)).filter((n): n is GraphNode => n !== undefined);
    if (named.length > 0) return named;
  }
  const first = graph.nodes[0];
  if (!first) return [];
  const run: GraphNode[] = [];
  for (const n of graph.nodes) {
    if (!n.leaked || n.name !== first.name || n.type !== first.type) break;
    run.push(n);
  }
  return run.length > 0 ? run : graph.nodes.filter((n) => n.leaked);
}

function addEdge(edges: Map<string, ViewEdge>, from: string, to: string, name: string, type: string, culprit: boolean, more: boolean): void {
  const key = `${from}>${to}`;
  const existing = edges.get(key);
  if (existing) {
    if (!existing.names.includes(name)) existing.names.push(name);
    if (!existing.types.includes(type)) existing.types.push(type);
    existing.culprit ||= culprit;
    return;
  }
  edges.set(key, { key, from, to, names: [name], types: [type], culprit, more });
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  layer: number;
}

export interface Layout {
  boxes: Map<string, Box>;
  width: number;
  height: number;
  /** Layers run left to right (the culprit view) rather than top to bottom. */
  horizontal?: boolean;
}

const LAYER_GAP = 96;
const NODE_GAP = 28;
const MARGIN = 40;

/**
 * Layers by distance from the GC roots: along a shortest path from a root each node sits one
 * layer above what it holds, so the path that keeps a leak alive reads top to bottom. Holders
 * farther from the roots than what they hold are lifted to the layer just above it, so every
 * edge that led the search points down. Within layers: barycenter ordering, then positions
 * pulled toward neighbors without overlap.
 */
export function layoutGraph(view: VisibleGraph, size: (node: ViewNode) => { w: number; h: number }): Layout {
  const nodes = [...view.nodes].sort((a, b) => a.depth - b.depth);
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const down = new Map<string, string[]>(); // holder → held (forward edges: found from the held)
  const neighbors = new Map<string, string[]>();
  for (const n of nodes) {
    down.set(n.key, []);
    neighbors.set(n.key, []);
  }
  for (const e of view.edges) {
    const from = byKey.get(e.from);
    const to = byKey.get(e.to);
    if (!from || !to) continue;
    if (from.depth === to.depth + 1) down.get(e.from)?.push(e.to);
    neighbors.get(e.from)?.push(e.to);
    neighbors.get(e.to)?.push(e.from);
  }

  // Rank: distance from the roots, lowered below each forward target.
  const rank = new Map<string, number>();
  for (const n of nodes) {
    const distance = n.kind === 'node' && n.node.distance !== null && n.node.distance >= 0 ? n.node.distance : Infinity;
    const targets = down.get(n.key) ?? [];
    let r = distance;
    for (const t of targets) r = Math.min(r, (rank.get(t) ?? 0) - 1);
    rank.set(n.key, Number.isFinite(r) ? r : 0);
  }
  const ranks = [...new Set(rank.values())].sort((a, b) => a - b);
  const layerOf = new Map(ranks.map((r, i) => [r, i]));
  const layers: string[][] = ranks.map(() => []);
  for (const n of nodes) layers[layerOf.get(rank.get(n.key) ?? 0) ?? 0].push(n.key);

  const sizes = new Map(nodes.map((n) => [n.key, size(n)]));
  const widthOf = (k: string): number => sizes.get(k)?.w ?? 120;
  const layerIndex = new Map<string, number>();
  layers.forEach((keys, i) => keys.forEach((k) => layerIndex.set(k, i)));

  // x holds node centers.
  const x = new Map<string, number>();
  const pack = (keys: string[]): void => {
    const total = keys.reduce((s, k) => s + widthOf(k), 0) + NODE_GAP * Math.max(0, keys.length - 1);
    let left = -total / 2;
    for (const k of keys) {
      x.set(k, left + widthOf(k) / 2);
      left += widthOf(k) + NODE_GAP;
    }
  };
  layers.forEach(pack);

  const barycenter = (k: string, fromLayers: (layer: number) => boolean): number | null => {
    const xs = (neighbors.get(k) ?? []).filter((m) => fromLayers(layerIndex.get(m) ?? -1)).map((m) => x.get(m) ?? 0);
    return xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null;
  };
  const reorder = (i: number, fromLayers: (layer: number) => boolean): void => {
    const keyed = layers[i].map((k, index) => ({ k, index, b: barycenter(k, fromLayers) ?? x.get(k) ?? 0 }));
    keyed.sort((a, b) => a.b - b.b || a.index - b.index);
    layers[i] = keyed.map((e) => e.k);
    pack(layers[i]);
  };
  for (let pass = 0; pass < 4; pass++) {
    for (let i = 1; i < layers.length; i++) reorder(i, (l) => l < i);
    for (let i = layers.length - 2; i >= 0; i--) reorder(i, (l) => l > i);
  }

  // Pull each node toward its neighbors, keeping the order and the gaps.
  const place = (i: number): void => {
    const keys = layers[i];
    const want = keys.map((k) => barycenter(k, (l) => l !== i) ?? x.get(k) ?? 0);
    const sep = (a: number, b: number): number => widthOf(keys[a]) / 2 + NODE_GAP + widthOf(keys[b]) / 2;
    const leftPass = [...want];
    for (let j = 1; j < keys.length; j++) leftPass[j] = Math.max(want[j], leftPass[j - 1] + sep(j - 1, j));
    const rightPass = [...want];
    for (let j = keys.length - 2; j >= 0; j--) rightPass[j] = Math.min(want[j], rightPass[j + 1] - sep(j, j + 1));
    keys.forEach((k, j) => x.set(k, (leftPass[j] + rightPass[j]) / 2));
  };
  for (let pass = 0; pass < 6; pass++) {
    for (let i = 1; i < layers.length; i++) place(i);
    for (let i = layers.length - 2; i >= 0; i--) place(i);
  }

  let minX = Infinity;
  let maxX = -Infinity;
  for (const n of nodes) {
    const c = x.get(n.key) ?? 0;
    minX = Math.min(minX, c - widthOf(n.key) / 2);
    maxX = Math.max(maxX, c + widthOf(n.key) / 2);
  }
  if (!Number.isFinite(minX)) {
    minX = 0;
    maxX = 0;
  }
  const boxes = new Map<string, Box>();
  for (const n of nodes) {
    const s = sizes.get(n.key) ?? { w: 120, h: 40 };
    const layer = layerIndex.get(n.key) ?? 0;
    boxes.set(n.key, { x: (x.get(n.key) ?? 0) - minX + MARGIN, y: MARGIN + layer * LAYER_GAP + 20, w: s.w, h: s.h, layer });
  }
  return { boxes, width: maxX - minX + 2 * MARGIN, height: MARGIN * 2 + Math.max(0, layers.length - 1) * LAYER_GAP + 40 };
}

const COLUMN_GAP_MIN = 56;
const ROW_GAP = 16;
/** Room on a node's left for its "+N" badge. */
const BADGE_ROOM = 30;
const CHAIN_LAYER_GAP = 46;
const CHAIN_FIX_GAP = 70;

/**
 * For a small graph read as a chain (the culprit view): each node's layer is its distance from
 * the leaked objects along the shown edges, so GC roots come first and the leaked objects last,
 * with the path between them on one line. `across`: layers run left to right, and a gap fits
 * the labels of the edges that cross it (`labelWidth`); else top to bottom. Within a layer:
 * ordered by the holders in the layers before, then stacked around the middle.
 */
export function layoutChain(
  view: VisibleGraph,
  size: (node: ViewNode) => { w: number; h: number },
  labelWidth: (edge: ViewEdge) => number,
  across: boolean,
): Layout {
  const held = new Map<string, string[]>(); // held → holders
  const holdersOf = (k: string): string[] => held.get(k) ?? [];
  for (const e of view.edges) {
    let list = held.get(e.to);
    if (!list) held.set(e.to, (list = []));
    list.push(e.from);
  }
  // A "more leaked" node stands beside the samples, so it starts the walk with them.
  const depth = new Map<string, number>();
  const queue: string[] = [];
  for (const n of view.nodes) {
    const start = n.kind === 'more' ? n.leaked !== undefined : n.depth === 0 && n.node.leaked;
    if (start) {
      depth.set(n.key, 0);
      queue.push(n.key);
    }
  }
  for (let at = 0; at < queue.length; at++) {
    const k = queue[at];
    for (const h of holdersOf(k)) {
      if (depth.has(h)) continue;
      depth.set(h, (depth.get(k) ?? 0) + 1);
      queue.push(h);
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  const layerOf = (k: string): number => maxDepth - (depth.get(k) ?? 0);
  const layers: string[][] = Array.from({ length: maxDepth + 1 }, () => []);
  for (const n of view.nodes) layers[layerOf(n.key)].push(n.key);

  const sizes = new Map(view.nodes.map((n) => [n.key, size(n)]));
  // Along: the axis the layers follow; beside: the axis within a layer.
  const along = (k: string): number => (across ? (sizes.get(k)?.w ?? 120) + BADGE_ROOM : (sizes.get(k)?.h ?? 40));
  const beside = (k: string): number => (across ? (sizes.get(k)?.h ?? 40) : (sizes.get(k)?.w ?? 120) + BADGE_ROOM);
  const gaps = layers.map((): number => (across ? COLUMN_GAP_MIN : CHAIN_LAYER_GAP));
  for (const e of view.edges) {
    const l = layerOf(e.from);
    if (l + 1 !== layerOf(e.to)) continue;
    gaps[l] = Math.max(gaps[l], across ? labelWidth(e) + 20 : e.fix ? CHAIN_FIX_GAP : CHAIN_LAYER_GAP);
  }
  const layerSize = layers.map((keys) => Math.max(0, ...keys.map(along)));
  const start: number[] = [];
  let at = MARGIN + (across ? 0 : 24);
  layers.forEach((_, l) => {
    start.push(at);
    at += layerSize[l] + gaps[l];
  });

  const pos = new Map<string, number>(); // centers, beside the layer's axis
  const gap = across ? ROW_GAP : NODE_GAP;
  layers.forEach((keys, l) => {
    const order = new Map(keys.map((k, i) => [k, i]));
    const want = (k: string): number => {
      const ps = holdersOf(k)
        .filter((m) => layerOf(m) < l)
        .map((m) => pos.get(m) ?? 0);
      return ps.length ? ps.reduce((s, v) => s + v, 0) / ps.length : 0;
    };
    keys.sort((a, b) => want(a) - want(b) || (order.get(a) ?? 0) - (order.get(b) ?? 0));
    const total = keys.reduce((s, k) => s + beside(k), 0) + gap * Math.max(0, keys.length - 1);
    let edge = -total / 2;
    for (const k of keys) {
      pos.set(k, edge + beside(k) / 2);
      edge += beside(k) + gap;
    }
  });

  let lo = Infinity;
  let hi = -Infinity;
  for (const n of view.nodes) {
    lo = Math.min(lo, (pos.get(n.key) ?? 0) - beside(n.key) / 2);
    hi = Math.max(hi, (pos.get(n.key) ?? 0) + beside(n.key) / 2);
  }
  if (!Number.isFinite(lo)) lo = hi = 0;
  // Room beside the middle line for a label over it, and for the fix under it.
  const offset = MARGIN + (across ? 24 : 0) - lo;
  const boxes = new Map<string, Box>();
  for (const n of view.nodes) {
    const l = layerOf(n.key);
    const w = sizes.get(n.key)?.w ?? 120;
    const h = sizes.get(n.key)?.h ?? 40;
    const a = start[l] + (across ? BADGE_ROOM + w / 2 : h / 2);
    const b = offset + (pos.get(n.key) ?? 0) + (across ? 0 : BADGE_ROOM / 2);
    boxes.set(n.key, across ? { x: a, y: b, w, h, layer: l } : { x: b, y: a, w, h, layer: l });
  }
  const length = at - gaps[gaps.length - 1] + MARGIN;
  const breadth = hi - lo + 2 * MARGIN + (across ? 48 : 0);
  return across ? { boxes, width: length, height: breadth, horizontal: true } : { boxes, width: breadth, height: length };
}
