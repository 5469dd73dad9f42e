/**
 * The retainer graph's first view: only the culprit path, GC root → holder → growing collection
 * → a few leaked samples and an "N more" node, named as the report's path names its steps.
 * V8's own objects (hidden and synthetic nodes, `system / …`, internal arrays) and weak,
 * hidden and shortcut edges stay out unless asked for: the edges through them join into one.
 * The rest opens node by node: a node's other retainers, as the report recorded them. Pure: no DOM.
 */
import type { BackReferenceGraph, GraphEdge, GraphNode, LeakFinding, PathStep } from '../../src/report/types';
import { leakedStarts, type MoreNode, type RealNode, type ViewEdge, type ViewNode, type VisibleGraph } from './graphModel';

export interface CulpritFilter {
  /** Show V8 internals: internal nodes and weak, hidden and shortcut edges. */
  internals: boolean;
  /** Nodes whose retainers are shown (up to tooMany, then "+N more"). */
  opened: ReadonlySet<number>;
  /** Nodes whose retainers are all shown. */
  expanded: ReadonlySet<number>;
  tooMany: number;
}

/** Retainer paths drawn at most, and how far up a hidden internal chain a retainer is followed. */
const MAX_PATHS = 3;
const MAX_HIDDEN_HOPS = 4;
const INTERNAL_TYPES = new Set(['hidden', 'synthetic', 'object shape', 'code', 'array', 'native', 'folded']);
const INTERNAL_EDGES = new Set(['weak', 'hidden', 'shortcut']);

/** V8's own objects: a person's code never names them. */
export function isInternalNode(n: Pick<GraphNode, 'type' | 'name'>): boolean {
  return INTERNAL_TYPES.has(n.type) || n.name.startsWith('system / ') || /^\(.*\)$/.test(n.name);
}

/**
 * The fix in a few words for the culprit edge: the hint's first advice (its first sentence
 * says what is wrong, the next what to do), up to its first dash.
 */
export function shortFix(hint: string): string {
  const sentences = hint.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== '');
  const advice = (sentences.length > 1 ? sentences[1] : sentences[0] ?? '').split(' — ')[0].trim();
  return advice.replace(/[.,;:]$/, '');
}

interface Hop {
  holder: GraphNode;
  names: string[];
  types: string[];
  culprit: boolean;
}

/** A null result: the finding has no path to draw from (the page shows the whole graph). */
export function culpritGraph(finding: LeakFinding, filter: CulpritFilter): VisibleGraph | null {
  const graph = finding.graph;
  const paths = finding.paths.filter((p) => p.steps.length > 0).slice(0, MAX_PATHS);
  if (!graph || paths.length === 0) return null;
  const byId = new Map<number, GraphNode>(graph.nodes.map((n) => [n.id, n]));
  const { into, folded } = retainerIndex(graph, byId);
  const starts = leakedStarts(graph, byId);
  const startIds = new Set(starts.map((n) => n.id));
  // The leaked samples and the culprit's holder always show.
  const hidden = (n: GraphNode): boolean => !filter.internals && !startIds.has(n.id) && n.id !== finding.culprit?.holderId && isInternalNode(n);

  const nodes = new Map<string, ViewNode>();
  const edges = new Map<string, ViewEdge>();
  const add = (n: GraphNode, depth: number): RealNode => {
    const key = `n${n.id}`;
    let v = nodes.get(key) as RealNode | undefined;
    if (!v) nodes.set(key, (v = { kind: 'node', key, node: n, depth }));
    return v;
  };
  const fix = finding.fixHint ? shortFix(finding.fixHint) : '';
  let fixShown = false;

  // The paths, GC root first: steps into hidden nodes join the next shown one.
  for (const path of paths) {
    const nodeOf = (id: number, name: string, type: string): GraphNode =>
      byId.get(id) ?? { id, name, type, selfSize: 0, retainedSize: 0, refs: 0, distance: null, leaked: startIds.has(id), old: true, isRoot: false };
    const first = path.steps[0];
    const root = nodeOf(first.fromId, first.from, first.fromType);
    let prev: RealNode | null = hidden(root) ? null : add(root, path.steps.length);
    let pending: PathStep[] = [];
    let culprit = false;
    let holds = false;
    path.steps.forEach((st, i) => {
      pending.push(st);
      if (path.culprit >= 0 && i >= (path.holder ?? path.culprit) && i <= path.culprit) culprit = true;
      if (i === (path.holder ?? path.culprit)) holds = true;
      const to = nodeOf(st.toId, st.to, st.toType);
      if (hidden(to) && i < path.steps.length - 1) return;
      const shown = add(to, path.steps.length - 1 - i);
      if (prev) {
        const e = pathEdge(prev.key, shown.key, pending, culprit);
        if (holds && fix && !fixShown) {
          e.fix = fix;
          fixShown = true;
        }
        mergeEdge(edges, e);
      } else if (root.isRoot || root.type === 'synthetic') {
        shown.rootHeld = true;
      }
      prev = shown;
      pending = [];
      culprit = false;
      holds = false;
    });
  }

  // The leaked samples, each from a holder already drawn where the report has one.
  const retainersOf = (id: number): Hop[] => visibleRetainers(id, into, byId, hidden, filter.internals);
  let sampleHolder: string | null = null;
  for (const s of starts) {
    const sample = add(s, 0);
    const hops = retainersOf(s.id);
    const drawn = hops.filter((h) => nodes.has(`n${h.holder.id}`));
    const hasEdgeIn = [...edges.values()].some((e) => e.to === sample.key);
    if (!hasEdgeIn) {
      for (const h of drawn.length > 0 ? drawn : hops.slice(0, 1)) {
        const holder = add(h.holder, 1);
        const twin = [...edges.values()].find((e) => e.from === holder.key && e.to !== sample.key && nodes.get(e.to)?.kind === 'node');
        // The sample's twin names the edge ("value"), unless that name is the twin's own slot.
        const named = twin?.label !== undefined && !/^\[\d+\]$/.test(twin.label) ? twin.label : undefined;
        mergeEdge(edges, hopEdge(holder.key, sample.key, h, twin?.culprit ?? h.culprit, named));
      }
    }
    sampleHolder ??= [...edges.values()].find((e) => e.to === sample.key)?.from ?? null;
  }
  const more = finding.survivors - starts.length;
  if (more > 0 && sampleHolder) {
    const key = 'more-leaked';
    const leaked: MoreNode = { kind: 'more', key, target: -1, count: more, expandable: false, depth: 0, leaked: finding.className };
    nodes.set(key, leaked);
    mergeEdge(edges, { key: `${sampleHolder}>${key}`, from: sampleHolder, to: key, names: [], types: [], culprit: false, more: true });
  }

  // Opened nodes: their retainers, tooMany of them unless expanded, the rest as "+N more".
  const tooMany = Math.max(1, Math.floor(filter.tooMany));
  const done = new Set<string>();
  for (let round = 0; round < 8; round++) {
    let grew = false;
    for (const v of [...nodes.values()]) {
      if (v.kind !== 'node' || !filter.opened.has(v.node.id) || done.has(v.key)) continue;
      done.add(v.key);
      grew = true;
      const hops = retainersOf(v.node.id);
      const fresh = hops.filter((h) => !nodes.has(`n${h.holder.id}`));
      const shown = filter.expanded.has(v.node.id) ? fresh : fresh.slice(0, tooMany);
      for (const h of hops) {
        if (!shown.includes(h) && !nodes.has(`n${h.holder.id}`)) continue;
        const holder = add(h.holder, v.depth + 1);
        mergeEdge(edges, hopEdge(holder.key, v.key, h, h.culprit));
      }
      const rest = fresh.length - shown.length + (folded.get(v.node.id) ?? 0);
      if (rest > 0) {
        const key = `more${v.node.id}`;
        nodes.set(key, { kind: 'more', key, target: v.node.id, count: rest, expandable: fresh.length > shown.length, depth: v.depth + 1 });
        mergeEdge(edges, { key: `${key}>${v.key}`, from: key, to: v.key, names: ['…'], types: ['folded'], culprit: false, more: true });
      }
    }
    if (!grew) break;
  }
  for (const v of nodes.values()) {
    if (v.kind !== 'node' || filter.opened.has(v.node.id)) continue;
    const closed = retainersOf(v.node.id).filter((h) => !nodes.has(`n${h.holder.id}`)).length;
    if (closed > 0) v.closed = closed;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], cutByDepth: 0 };
}

function retainerIndex(graph: BackReferenceGraph, byId: ReadonlyMap<number, GraphNode>): { into: Map<number, GraphEdge[]>; folded: Map<number, number> } {
  const into = new Map<number, GraphEdge[]>();
  const folded = new Map<number, number>();
  for (const e of graph.edges) {
    const from = byId.get(e.from);
    if (!from || !byId.has(e.to)) continue;
    if (from.type === 'folded' || from.folded !== undefined) {
      folded.set(e.to, (folded.get(e.to) ?? 0) + (from.folded ?? 0));
      continue;
    }
    let list = into.get(e.to);
    if (!list) into.set(e.to, (list = []));
    list.push(e);
  }
  return { into, folded };
}

/** The holders of `id` as shown: through hidden internal nodes (a few hops up), one per holder. */
function visibleRetainers(
  id: number,
  into: ReadonlyMap<number, GraphEdge[]>,
  byId: ReadonlyMap<number, GraphNode>,
  hidden: (n: GraphNode) => boolean,
  internals: boolean,
): Hop[] {
  const out = new Map<number, Hop>();
  const walk = (to: number, names: string[], types: string[], culprit: boolean, hops: number, seen: Set<number>): void => {
    for (const e of into.get(to) ?? []) {
      if (!internals && INTERNAL_EDGES.has(e.type)) continue;
      const from = byId.get(e.from);
      if (!from || seen.has(from.id)) continue;
      const chainNames = [e.name, ...names];
      const chainTypes = [e.type, ...types];
      if (hidden(from)) {
        if (hops < MAX_HIDDEN_HOPS) walk(from.id, chainNames, chainTypes, culprit || e.culprit, hops + 1, new Set([...seen, from.id]));
        continue;
      }
      if (!out.has(from.id)) out.set(from.id, { holder: from, names: chainNames, types: chainTypes, culprit: culprit || e.culprit });
    }
  };
  walk(id, [], [], false, 0, new Set([id]));
  return [...out.values()];
}

/** An edge for path steps: named as the report's path names it (source terms), else by its edges. */
function pathEdge(from: string, to: string, steps: PathStep[], culprit: boolean): ViewEdge {
  const labels = steps.map((s) => s.label ?? '').filter((l) => l !== '');
  const raw = steps.map((s) => `${s.from} —${s.edgeType} ${s.edgeName}→`).join(' ');
  const last = steps[steps.length - 1];
  const label = labels.length > 0 ? shortLabel(labels[labels.length - 1], steps[0].from) : edgeName(last.edgeName, last.edgeType);
  return {
    key: `${from}>${to}`,
    from,
    to,
    names: steps.map((s) => s.edgeName),
    types: steps.map((s) => s.edgeType),
    culprit,
    more: false,
    label,
    title: labels.length > 0 ? `${labels.join(' → ')}\n${raw}` : raw,
  };
}

function hopEdge(from: string, to: string, hop: Hop, culprit: boolean, label?: string): ViewEdge {
  const named = hop.names.map((n, i) => edgeName(n, hop.types[i]));
  const lastName = [...named].reverse().find((n) => !/^\[\d+\]$/.test(n)) ?? named[named.length - 1] ?? '';
  return {
    key: `${from}>${to}`,
    from,
    to,
    names: hop.names,
    types: hop.types,
    culprit,
    more: false,
    label: label ?? lastName,
    title: hop.types.map((t, i) => `${t} ${named[i]}`).join(' → '),
  };
}

function edgeName(name: string, type: string): string {
  return type === 'element' || type === 'hidden' || /^\d+$/.test(name) ? `[${name}]` : name;
}

/** "Processor.instanceMap" from Processor: "instanceMap"; "Array[3]": "[3]"; "Map → value": "value"; else up to its note. */
function shortLabel(label: string, from: string): string {
  if (label.startsWith(`${from}.`)) return label.slice(from.length + 1);
  if (label.startsWith(`${from}[`)) return label.slice(from.length);
  const arrow = label.lastIndexOf(' → ');
  if (arrow >= 0) return label.slice(arrow + 3);
  const note = label.indexOf(' (');
  return note > 0 && label.length > 28 ? label.slice(0, note) : label;
}

function mergeEdge(edges: Map<string, ViewEdge>, e: ViewEdge): void {
  const existing = edges.get(e.key);
  if (!existing) {
    edges.set(e.key, e);
    return;
  }
  existing.culprit ||= e.culprit;
  existing.fix ??= e.fix;
}
