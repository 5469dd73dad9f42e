/**
 * Leak Lens report page: the webview panel in VS Code and the CLI's standalone HTML report.
 *
 * Gets a LeakReport from (in order) the embedded JSON block, the state VS Code saved, or a
 * {type:'report'} message; shows the verdict, memory per call, the leak table, the selected
 * leak's culprit and fix, and its retainer graph. Selections are saved with setState.
 */
import type { GrowthCheck, LeakFinding, RetainerPath, LeakReport, UserCall } from '../../src/report/types';
import { callWords, growthText, userCallText } from '../../src/report/format';
import { EMPTY_UI_STATE, looksLikeReport, REPORT_ELEMENT_ID, type PanelState, type PanelUiState } from '../../src/report/panelProtocol';
import { allocationDetails } from './allocation';
import { drawChart, slopeText } from './chart';
import { comparisonCard } from './comparison';
import { el, onActivate, replaceChildren, svg, type Child } from './dom';
import { findingPlace, formatBytes, formatPerCall, groupedHolds, placeOf, refsText, shownHolds, type Place } from './format';
import { hasLabels, pathLines } from '../../src/report/pathText';
import { GraphView } from './graph';
import { connectHost, type Host } from './messages';
import { leakTable } from './table';

class Panel {
  private report: LeakReport | null = null;
  private ui: PanelUiState = { ...EMPTY_UI_STATE };
  private graphView: GraphView | null = null;
  private chartWidth = 0;
  private readonly resize: ResizeObserver;
  private chartBox: HTMLElement | null = null;
  private leaksBox: HTMLElement | null = null;
  private graphBox: HTMLElement | null = null;
  private actionsBox: HTMLElement | null = null;
  /** The host can run this report's target again: the header shows Re-run. */
  private canRerun = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: Host,
  ) {
    let pending = false;
    this.resize = new ResizeObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.redrawChart(false);
      });
    });
  }

  show(report: LeakReport, ui: PanelUiState): void {
    this.report = report;
    this.ui = normalizeUi(ui);
    try {
      this.renderAll();
    } catch (error) {
      this.showError(`Could not show this report: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.save();
  }

  showError(text: string): void {
    replaceChildren(this.root, el('p', { class: 'll-error', role: 'alert' }, text));
    this.root.removeAttribute('aria-busy');
  }

  setCanRerun(can: boolean): void {
    this.canRerun = can && this.host.connected;
    this.renderActions();
  }

  private renderActions(): void {
    if (!this.actionsBox) return;
    if (!this.canRerun) {
      replaceChildren(this.actionsBox);
      return;
    }
    const button = el(
      'button',
      { type: 'button', class: 'll-button ll-secondary', 'data-testid': 'rerun', title: 'Run the same target again with the same settings (after a fix) and show this run beside it' },
      'Re-run',
    );
    onActivate(button, () => {
      button.disabled = true;
      this.host.post({ type: 'rerun' });
    });
    replaceChildren(this.actionsBox, button);
  }

  isSameReport(other: LeakReport): boolean {
    return this.report !== null && sameReport(this.report, other);
  }

  private save(): void {
    const state: PanelState = { version: 1, report: this.report, ui: this.ui };
    this.host.setState(state);
  }

  private renderAll(): void {
    const report = this.report;
    if (!report) return;
    this.resize.disconnect();
    const verdictLeak = report.verdict === 'leak';
    const meta: string[] = [];
    if (report.target?.description) meta.push(report.target.description);
    if (report.options) meta.push(`${report.options.iterations} + ${report.options.iterations} ${callWords(report).many} after ${report.options.warmup} warm-up`);
    if (report.createdAt) meta.push(new Date(report.createdAt).toLocaleString());
    this.actionsBox = el('div', { class: 'll-actions' });
    const header = el(
      'header',
      { class: 'll-header' },
      el('span', { class: `ll-verdict ${verdictLeak ? 'll-verdict-leak' : 'll-verdict-clean'}`, 'data-testid': 'verdict', 'data-verdict': report.verdict }, verdictLeak ? 'Leak' : 'No leak'),
      el('div', { class: 'll-heading' }, el('h1', { 'data-testid': 'summary' }, report.summary), el('p', { class: 'll-meta' }, meta.join(' · '))),
      this.actionsBox,
    );
    this.renderActions();

    this.chartBox = el('div', { class: 'll-chart', 'data-testid': 'chart' });
    const chartCard = el(
      'section',
      { class: 'll-card ll-chart-card', 'aria-labelledby': 'll-chart-title' },
      el('h2', { id: 'll-chart-title' }, `Memory per ${callWords(report).one} `, el('span', { class: `ll-slope${verdictLeak ? ' ll-slope-leak' : ''}` }, slopeText(report))),
      this.chartBox,
      el(
        'p',
        { class: 'll-legend ll-chart-legend' },
        el('span', { class: 'll-swatch ll-swatch-series', 'aria-hidden': 'true' }),
        report.options.snapshots === 3 ? 'heap used after GC' : `bytes the ${callWords(report).many} left alive`,
        el('span', { class: 'll-swatch ll-swatch-fit', 'aria-hidden': 'true' }),
        'fitted slope',
        report.comparison ? el('span', { class: 'll-swatch ll-swatch-previous', 'aria-hidden': 'true' }) : null,
        report.comparison ? el('span', { 'data-testid': 'legend-previous' }, 'previous run') : null,
      ),
    );

    this.leaksBox = el('div', { class: 'll-leaks' });
    const leaksCard = el('section', { class: 'll-card ll-leaks-card', 'aria-labelledby': 'll-leaks-title' }, this.leaksBox);

    this.graphBox = el('section', { class: 'll-card ll-graph-card', 'aria-labelledby': 'll-graph-title' });
    this.graphView = null;

    replaceChildren(this.root, header, comparisonCard(report), el('div', { class: 'll-top' }, chartCard, leaksCard), this.graphBox, notLeaks(report));
    this.root.removeAttribute('aria-busy');
    this.redrawChart(true);
    this.resize.observe(this.chartBox);
    this.renderLeaks(false);
  }

  private redrawChart(force: boolean): void {
    if (!this.report || !this.chartBox) return;
    const width = Math.floor(this.chartBox.clientWidth || 560);
    if (!force && width === this.chartWidth) return;
    this.chartWidth = width;
    drawChart(this.chartBox, this.report, width);
  }

  /** The findings the table lists: the primary leaks, and on request the classes they hold. */
  private listed(): LeakFinding[] {
    const leaks = this.report?.leaks ?? [];
    const primary = leaks.filter((l) => l.primary);
    return this.ui.showHeld ? [...primary, ...leaks.filter((l) => !l.primary)] : primary;
  }

  private selectedFinding(): LeakFinding | null {
    const listed = this.listed();
    return listed.find((l) => (l.key ?? l.className) === this.ui.selected) ?? listed[0] ?? null;
  }

  private renderLeaks(keepFocus: boolean): void {
    const report = this.report;
    const box = this.leaksBox;
    if (!report || !box) return;
    const selected = this.selectedFinding();
    const heldCount = report.leaks.filter((l) => !l.primary).length;
    const title = el('h2', { id: 'll-leaks-title' }, report.verdict === 'leak' ? 'Leaks' : 'Classes');
    const headerRow = el('div', { class: 'll-card-header' }, title);
    if (heldCount > 0) {
      const toggle = el(
        'button',
        { type: 'button', class: 'll-button ll-secondary', 'aria-pressed': this.ui.showHeld ? 'true' : 'false', 'data-testid': 'toggle-held' },
        this.ui.showHeld ? `Hide held classes (${heldCount})` : `Show held classes (${heldCount})`,
      );
      toggle.addEventListener('click', () => {
        this.ui = { ...this.ui, showHeld: !this.ui.showHeld };
        this.save();
        this.renderLeaks(false);
      });
      headerRow.append(toggle);
    }
    const table = leakTable({
      report,
      findings: this.listed(),
      selected,
      onSelect: (finding, reveal) => this.select(finding, reveal),
    });
    replaceChildren(box, headerRow, el('div', { class: 'll-table-wrap' }, table), this.details(selected));
    if (keepFocus) box.querySelector<HTMLElement>('tr[aria-selected="true"]')?.focus();
    this.renderGraph(selected);
  }

  private select(finding: LeakFinding, reveal: boolean): void {
    // Findings are told apart by key: two classes may share a name (different files).
    const id = finding.key ?? finding.className;
    const current = this.selectedFinding();
    const changed = id !== (current ? current.key ?? current.className : undefined);
    this.ui = { ...this.ui, selected: id, expanded: changed ? [] : this.ui.expanded };
    this.save();
    if (changed) this.renderLeaks(true);
    if (reveal && this.report) this.reveal(findingPlace(this.report, finding));
  }

  private reveal(place: Place | null): void {
    if (place) this.host.post({ type: 'reveal', url: place.url, line: place.line, column: place.column });
  }

  private details(finding: LeakFinding | null): HTMLElement {
    const report = this.report as LeakReport;
    if (!finding) {
      return el(
        'div',
        { class: 'll-details', 'aria-live': 'polite' },
        el('p', { class: 'll-culprit', 'data-testid': 'culprit' }, report.verdict === 'clean' ? 'Nothing to fix: no leak was found.' : 'Select a leak to see what holds it.'),
        el('p', { class: 'll-fix', 'data-testid': 'fix' }),
      );
    }
    const w = callWords(report);
    const facts = `${formatPerCall(finding.countPerCall)} per ${w.one} · ${formatBytes(finding.bytesPerCall)}/${w.one} · ${finding.survivors} survivors · refs ${refsText(finding.refs)}`;
    const culprit = finding.culprit;
    const culpritLine: Child[] = [el('span', { class: 'll-label' }, 'Held by')];
    if (culprit) {
      culpritLine.push(el('code', { class: 'll-culprit-text' }, culprit.text));
      const at = placeOf(report, culprit.holderLocation);
      if (at) culpritLine.push(this.placeButton(at, `Open ${culprit.holder} at ${at.title}`));
    } else {
      culpritLine.push(el('span', { class: 'll-muted' }, 'No single culprit reference was found; see the retainer graph.'));
    }
    const parts: Child[] = [
      el('h3', { class: 'll-details-title' }, el('span', { class: 'll-class-name' }, finding.className), ' ', el('span', { class: 'll-muted' }, facts)),
      el('div', { class: 'll-culprit', 'data-testid': 'culprit' }, ...culpritLine),
      el(
        'div',
        { class: 'll-fix', 'data-testid': 'fix' },
        el('span', { class: 'll-label' }, 'Fix'),
        finding.fixHint ? el('span', { class: 'll-fix-text' }, finding.fixHint) : el('span', { class: 'll-muted' }, 'No fix hint for this class.'),
      ),
    ];
    // A string's parts are the string itself: nothing it "holds" is worth a line.
    if (finding.holds?.length && !/^\((?:[a-z]+ )?string\)$/.test(finding.className)) {
      // The biggest kinds first; the whole list on hover.
      const held = (list: { className: string; countPerCall: number }[]) => list.map((h) => `${formatPerCall(h.countPerCall)} × ${h.className}`).join(', ');
      const { shown, more } = shownHolds(finding.holds, 8);
      parts.push(
        el(
          'p',
          { class: 'll-holds', title: more ? held(groupedHolds(finding.holds)) : null },
          el('span', { class: 'll-label' }, 'Each also keeps'),
          held(shown) + (more ? `, and ${more} more kinds` : ''),
          ` per ${w.one}`,
        ),
      );
    }
    parts.push(allocationDetails(finding));
    const call = finding.userCall;
    if (call) {
      const what = userCallText(call);
      parts.push(this.sourceLine(report, call, 'Your line', 'user-call', ` ${what} on every ${w.one}`));
    }
    const stored = finding.storedAt;
    if (stored) parts.push(this.sourceLine(report, stored, 'Stored at', 'stored-at', ` ${stored.callee}() on every ${w.one}, never removed`));
    if (finding.growthCheck && finding.growthCheck.outcome !== 'unchecked') {
      parts.push(el('p', { class: 'll-holds', 'data-testid': 'growth-check' }, el('span', { class: 'll-label' }, 'Growth check'), growthText(finding.growthCheck, w)));
    }
    const path = finding.paths?.[0];
    if (path) parts.push(pathDetails(finding, path, finding.paths.reduce((s, p) => s + p.count, 0)));
    return el('div', { class: 'll-details', 'aria-live': 'polite' }, ...parts);
  }

  /** "Your line leaky.js:35 new Processor() on every call": a user's line with a button that opens it. */
  private sourceLine(report: LeakReport, call: UserCall, label: string, testId: string, text: string): HTMLElement {
    const at = placeOf(report, { scriptId: call.scriptId, line: call.line - 1, column: 0, original: call.original });
    return el(
      'p',
      { class: 'll-holds', 'data-testid': testId },
      el('span', { class: 'll-label' }, label),
      at ? this.placeButton(at, `Open ${at.title}`) : `line ${call.line}`,
      text,
    );
  }

  private placeButton(place: Place, label: string): HTMLElement {
    const button = el('button', { type: 'button', class: 'll-link', title: place.title, 'aria-label': label, disabled: !this.host.connected }, place.label);
    onActivate(button, (event) => {
      event.stopPropagation();
      this.reveal(place);
    });
    return button;
  }

  private renderGraph(finding: LeakFinding | null): void {
    const box = this.graphBox;
    const report = this.report;
    if (!box || !report) return;
    const graph = finding?.graph;
    if (!finding || !graph || graph.nodes.length === 0) {
      this.graphView = null;
      replaceChildren(
        box,
        el('h2', { id: 'll-graph-title' }, 'Retainers'),
        el(
          'div',
          { class: 'll-graph ll-graph-empty', 'data-testid': 'graph' },
          el('p', { class: 'll-muted' }, finding ? `The report has no retainer graph for ${finding.className}.` : 'No leak, so no retainer graph.'),
        ),
      );
      return;
    }
    const maxDepth = clampInt(this.ui.maxDepth ?? graph.maxDepth, 1, Math.max(1, graph.maxDepth));
    const tooMany = clampInt(this.ui.tooMany ?? graph.tooMany, 1, Math.max(1, graph.tooMany));
    let container = box.querySelector<HTMLElement>('[data-testid="graph"]');
    let status = box.querySelector<HTMLElement>('.ll-graph-status');
    if (!this.graphView || !container || !status) {
      container = el('div', { class: 'll-graph', 'data-testid': 'graph' });
      status = el('p', { class: 'll-graph-status', role: 'status' });
      replaceChildren(box, this.graphHeader(), this.graphToolbar(graph.maxDepth, graph.tooMany), graphLegend(), container, status);
      this.graphView = new GraphView(container);
    }
    const title = box.querySelector('#ll-graph-title span');
    if (title) title.textContent = finding.className;
    const depthInput = box.querySelector<HTMLInputElement>('input[name="maxDepth"]');
    const tooManyInput = box.querySelector<HTMLInputElement>('input[name="tooMany"]');
    if (depthInput) {
      depthInput.max = String(graph.maxDepth);
      depthInput.value = String(maxDepth);
    }
    if (tooManyInput) {
      tooManyInput.max = String(graph.tooMany);
      tooManyInput.value = String(tooMany);
    }
    const collapse = box.querySelector<HTMLButtonElement>('button[data-action="collapse"]');
    if (collapse) collapse.disabled = this.ui.expanded.length === 0 && (this.ui.opened ?? []).length === 0;
    const stats = this.graphView.render({
      report,
      finding,
      filter: { maxDepth, tooMany, expanded: new Set(this.ui.expanded) },
      onExpand: (target) => {
        if (!this.ui.expanded.includes(target)) this.ui = { ...this.ui, expanded: [...this.ui.expanded, target] };
        this.save();
        this.renderGraph(this.selectedFinding());
      },
      onReveal: (place) => this.reveal(place),
      view: { whole: this.ui.wholeGraph === true, internals: this.ui.internals === true, opened: this.ui.opened ?? [] },
      onViewChange: (change) => {
        this.ui = {
          ...this.ui,
          ...(change.whole !== undefined ? { wholeGraph: change.whole } : {}),
          ...(change.internals !== undefined ? { internals: change.internals } : {}),
          ...(change.opened !== undefined ? { opened: [...new Set(change.opened)] } : {}),
        };
        this.save();
        this.renderGraph(this.selectedFinding());
      },
    });
    const notes = [`${stats.nodes} nodes, ${stats.edges} edges`];
    if (stats.culpritEdges > 0) notes.push(`${stats.culpritEdges} culprit ${stats.culpritEdges === 1 ? 'edge' : 'edges'}`);
    if (graph.folded > 0) notes.push(`${graph.folded} more retainers not recorded in the report`);
    if (stats.cutByDepth > 0) {
      notes.push(`${stats.cutByDepth} ${stats.cutByDepth === 1 ? 'node has' : 'nodes have'} retainers deeper than depth ${maxDepth}`);
    }
    status.textContent = `${notes.join(' · ')}. Drag to pan, scroll to zoom; click a node with a source location to open it.`;
  }

  private graphHeader(): HTMLElement {
    return el('h2', { id: 'll-graph-title' }, 'Retainers of ', el('span', { class: 'll-class-name' }, ''));
  }

  private graphToolbar(reportDepth: number, reportTooMany: number): HTMLElement {
    const number = (name: 'maxDepth' | 'tooMany', label: string, max: number, help: string): HTMLElement => {
      const input = el('input', { type: 'number', name, min: 1, max, step: 1, class: 'll-input', title: help, 'aria-describedby': `ll-help-${name}` });
      input.addEventListener('change', () => {
        const value = clampInt(Number(input.value), 1, max);
        input.value = String(value);
        this.ui = { ...this.ui, [name]: value };
        this.save();
        this.renderGraph(this.selectedFinding());
      });
      return el('label', { class: 'll-field' }, label, input, el('span', { id: `ll-help-${name}`, class: 'll-visually-hidden' }, help));
    };
    const button = (action: string, text: string, label: string, run: () => void): HTMLButtonElement => {
      const b = el('button', { type: 'button', class: 'll-button ll-secondary', 'data-action': action, 'aria-label': label, title: label }, text);
      b.addEventListener('click', run);
      return b;
    };
    return el(
      'div',
      { class: 'll-toolbar', role: 'toolbar', 'aria-label': 'Retainer graph controls' },
      number('maxDepth', 'Max depth', reportDepth, `Levels of retainers above the leaked objects (the report has ${reportDepth})`),
      number('tooMany', 'Retainers per node', reportTooMany, `Retainers shown per object before the rest fold into "+N more" (the report has ${reportTooMany})`),
      button('collapse', 'Collapse', 'Fold opened and expanded retainers again', () => {
        this.ui = { ...this.ui, expanded: [], opened: [] };
        this.save();
        this.renderGraph(this.selectedFinding());
      }),
      el('span', { class: 'll-toolbar-gap' }),
      button('focus', 'Culprit', 'Zoom to the culprit edges and the leaked objects', () => this.graphView?.focus()),
      button('fit', 'Fit', 'Zoom to fit the whole graph', () => this.graphView?.fit()),
      button('zoom-in', '+', 'Zoom in', () => this.graphView?.zoomBy(1.25)),
      button('zoom-out', '−', 'Zoom out', () => this.graphView?.zoomBy(0.8)),
    );
  }
}

function graphLegend(): HTMLElement {
  const swatch = (kind: string): SVGSVGElement =>
    svg(
      'svg',
      { class: `ll-legend-icon ll-legend-${kind}`, width: 26, height: 14, viewBox: '0 0 26 14', 'aria-hidden': 'true' },
      kind.startsWith('edge')
        ? svg('line', { x1: 1, y1: 7, x2: 25, y2: 7 })
        : svg('rect', { x: 1, y: 1, width: 24, height: 12, rx: 3, ry: 3 }),
    );
  const item = (kind: string, text: string): HTMLElement => el('li', {}, swatch(kind), text);
  return el(
    'ul',
    { class: 'll-legend ll-graph-legend', 'aria-label': 'Legend' },
    item('root', 'GC root'),
    item('holder', 'culprit holder'),
    item('leaked', 'leaked (new, survives)'),
    item('node', 'other retainer'),
    item('more', '+N more'),
    item('edge-culprit', 'culprit edge'),
    item('edge', 'reference (holder → held)'),
  );
}

function pathDetails(finding: LeakFinding, path: RetainerPath, total: number): HTMLElement {
  // In source terms when the report has them (each line's raw edges in its title); older
  // reports show the raw edges. The report says which step is the holder's.
  const labelled = hasLabels(path);
  const lines = pathLines(path);
  const items = lines.map((line, i) => {
    const marks: Child[] = [];
    if (line.mark === 'culprit') marks.push(el('span', { class: 'll-mark ll-mark-culprit' }, 'culprit'));
    if (line.mark === 'grows') marks.push(el('span', { class: 'll-mark' }, 'grows every call'));
    const step = path.steps[i];
    const body: Child[] = labelled
      ? [el('span', { class: 'll-step-node', title: line.raw }, line.text), line.isNew ? el('span', { class: 'll-muted' }, ' (new)') : '', ' ']
      : [
          el('span', { class: 'll-step-node' }, step.from),
          step.fromOld ? '' : el('span', { class: 'll-muted' }, ' (new)'),
          el('span', { class: 'll-step-edge' }, ` —${step.edgeType} `, el('code', {}, step.edgeName), '→ '),
        ];
    return el('li', { class: line.mark ? 'll-step ll-step-culprit' : 'll-step' }, ...body, ...marks);
  });
  items.push(el('li', { class: 'll-step ll-step-leaked' }, el('span', { class: 'll-step-node' }, finding.className)));
  return el(
    'details',
    { class: 'll-path' },
    el('summary', {}, `Retainer path (${path.count} of ${total} sampled objects), GC root first`),
    el('ol', {}, ...items),
  );
}

function normalizeUi(ui: Partial<PanelUiState> | null | undefined): PanelUiState {
  const u = ui ?? {};
  const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
  return {
    selected: typeof u.selected === 'string' ? u.selected : null,
    showHeld: u.showHeld === true,
    maxDepth: int(u.maxDepth),
    tooMany: int(u.tooMany),
    expanded: Array.isArray(u.expanded) ? u.expanded.filter((n): n is number => typeof n === 'number' && Number.isInteger(n)) : [],
    wholeGraph: u.wholeGraph === true,
    internals: u.internals === true,
    opened: Array.isArray(u.opened) ? u.opened.filter((n): n is number => typeof n === 'number' && Number.isInteger(n)) : [],
  };
}

function sameReport(a: LeakReport, b: LeakReport): boolean {
  return a.createdAt === b.createdAt && a.summary === b.summary && a.samples.length === b.samples.length;
}

function clampInt(v: number, lo: number, hi: number): number {
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v))) : hi;
}

function embeddedReport(): LeakReport | null | 'invalid' {
  const block = document.getElementById(REPORT_ELEMENT_ID);
  if (!block) return null;
  try {
    const value: unknown = JSON.parse(block.textContent ?? '');
    return looksLikeReport(value) ? value : 'invalid';
  } catch {
    return 'invalid';
  }
}

function main(): void {
  const root = document.getElementById('leak-lens') ?? document.body.appendChild(el('main', { id: 'leak-lens' }));
  const host = connectHost();
  const panel = new Panel(root, host);
  const saved = host.getState();
  const embedded = embeddedReport();
  if (embedded === 'invalid') {
    panel.showError('The embedded report is not a Leak Lens report.');
  } else {
    const report = embedded ?? saved?.report ?? null;
    if (report) panel.show(report, saved?.report && sameReport(saved.report, report) ? saved.ui : EMPTY_UI_STATE);
  }
  host.onMessage((message) => {
    // The host answers "ready" with the report the page may have restored already: keep the view.
    if (!panel.isSameReport(message.report)) panel.show(message.report, EMPTY_UI_STATE);
    panel.setCanRerun(message.canRerun === true);
  });
  host.post({ type: 'ready' });
}

main();

/**
 * What grew but is not a leak: collections whose growth stopped when the function ran on, and
 * objects only the runtime holds (V8's code and feedback, the inspector's console, the debugger).
 */
function notLeaks(report: LeakReport): HTMLElement {
  const bounded = report.leaks.filter((l) => l.growthCheck?.outcome === 'bounded');
  const runtime = report.runtimeHeld ?? [];
  const items: HTMLElement[] = [
    ...bounded.map((l) => el('li', {}, el('code', {}, l.className), ` bounded: ${growthText(l.growthCheck as GrowthCheck, callWords(report))}`)),
    ...runtime.map((r) => el('li', {}, el('code', {}, r.className), ` held by the runtime, not by your program (${r.via}): ${r.note}`)),
  ];
  if (items.length === 0) return el('div', { hidden: '' });
  return el(
    'section',
    { class: 'll-card', 'aria-labelledby': 'll-not-leaks-title', 'data-testid': 'not-leaks' },
    el('h2', { id: 'll-not-leaks-title' }, 'Grew, but not leaks'),
    el('ul', { class: 'll-holds' }, ...items),
  );
}
