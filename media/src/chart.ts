/**
 * Memory per call: heap used after GC for each measured call, and the least-squares line whose
 * slope the report gives. The line's intercept is recomputed here from the samples' means (the
 * fitted line passes through them); nothing else is derived from the heap. A re-run's report
 * also carries the previous run's series: it is drawn on the same axes, muted, behind this one.
 */
import { extent } from 'd3-array';
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import type { LeakReport } from '../../src/report/types';
import { byteSeriesFormat, byteUnit, formatBytes, signedBytes, unitTickFormat } from './format';
import { callWords } from '../../src/report/format';

const HEIGHT = 220;
const MARGIN = { top: 14, right: 20, bottom: 38, left: 78 };

/** The chart's heading text: the slope and its fit, or why there is none. */
export function slopeText(report: LeakReport): string {
  if (!report.slope) return report.samples.length < 2 ? 'too few samples for a slope' : 'no slope';
  return `${signedBytes(report.slope.bytesPerCall)}/${callWords(report).one} · R² ${report.slope.r2.toFixed(2)}`;
}

export function drawChart(container: HTMLElement, report: LeakReport, width: number): void {
  const samples = report.samples;
  const previous = report.comparison?.previous.samples ?? [];
  const root = select(container);
  root.selectAll('*').remove();
  if (samples.length === 0) {
    root.append('p').attr('class', 'll-empty').text('No heap samples in this report.');
    return;
  }
  const w = Math.max(280, Math.floor(width));
  const innerW = w - MARGIN.left - MARGIN.right;
  const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;

  // Both runs share the axes, so the before and after read against one scale.
  const all = [...samples, ...previous];
  const [minCall, maxCall] = extent(all, (s) => s.call) as [number, number];
  const [minBytes, maxBytes] = extent(all, (s) => s.usedBytes) as [number, number];
  const fit = fittedLine(report);
  const lo = Math.min(minBytes, fit ? Math.min(fit.y0, fit.y1) : minBytes);
  const hi = Math.max(maxBytes, fit ? Math.max(fit.y0, fit.y1) : maxBytes);
  const pad = Math.max((hi - lo) * 0.08, 512);

  const x = scaleLinear()
    .domain(minCall === maxCall ? [minCall - 1, maxCall + 1] : [minCall, maxCall])
    .range([0, innerW]);
  // The y scale works in one unit (KB or MB) so its ticks are round numbers in that unit.
  const unit = byteUnit(lo - pad, hi + pad);
  const y = scaleLinear()
    .domain([(lo - pad) / unit.size, (hi + pad) / unit.size])
    .range([innerH, 0])
    .nice(5);
  const yTicks = y.ticks(5);
  const formatY = unitTickFormat(unit, yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1);
  const yOf = (bytes: number): number => y(bytes / unit.size);
  const xTicks = x.ticks(Math.min(samples.length, Math.max(2, Math.floor(innerW / 48)))).filter(Number.isInteger);

  const first = samples[0];
  const last = samples[samples.length - 1];
  // One unit, fine enough that neighbouring samples differ, and the change since the first.
  const bytes = byteSeriesFormat(samples.map((s) => s.usedBytes));
  const words = callWords(report);
  const label =
    `${report.options.snapshots === 3 ? 'Heap used after GC' : `Bytes the ${words.many} left alive`} for ${samples.length} ${words.many}, from ${bytes(first.usedBytes)} at ${words.one} ${first.call} ` +
    `to ${bytes(last.usedBytes)} at ${words.one} ${last.call} (${signedBytes(last.usedBytes - first.usedBytes)}); fitted slope ${slopeText(report)}.` +
    previousText(report);

  const svgSel = root
    .append('svg')
    .attr('class', 'll-chart-svg')
    .attr('width', w)
    .attr('height', HEIGHT)
    .attr('viewBox', `0 0 ${w} ${HEIGHT}`)
    .attr('role', 'img')
    .attr('aria-label', label);
  svgSel.append('title').text(label);
  const g = svgSel.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);

  g.append('g')
    .attr('class', 'll-grid')
    .selectAll('line')
    .data(yTicks)
    .join('line')
    .attr('x1', 0)
    .attr('x2', innerW)
    .attr('y1', (d) => y(d))
    .attr('y2', (d) => y(d));

  g.append('g')
    .attr('class', 'll-axis ll-axis-x')
    .attr('transform', `translate(0,${innerH})`)
    .call(axisBottom(x).tickValues(xTicks).tickFormat((d) => String(d)).tickSizeOuter(0));
  g.append('text')
    .attr('class', 'll-axis-label')
    .attr('x', innerW)
    .attr('y', innerH + 32)
    .attr('text-anchor', 'end')
    .text(words.one);
  g.append('g')
    .attr('class', 'll-axis ll-axis-y')
    .call(axisLeft(y).tickValues(yTicks).tickFormat((d) => formatY(Number(d))).tickSizeOuter(0));

  if (fit) {
    g.append('line')
      .attr('class', 'll-fit')
      .attr('data-testid', 'chart-fit')
      .attr('x1', x(fit.x0))
      .attr('y1', yOf(fit.y0))
      .attr('x2', x(fit.x1))
      .attr('y2', yOf(fit.y1));
  }
  const path = line<{ call: number; usedBytes: number }>()
    .x((d) => x(d.call))
    .y((d) => yOf(d.usedBytes));
  if (previous.length > 0) {
    const before = g.append('g').attr('class', 'll-previous').attr('data-testid', 'chart-previous');
    before.append('path').attr('class', 'll-series ll-series-previous').attr('d', path(previous) ?? '');
    before
      .selectAll('circle')
      .data(previous)
      .join('circle')
      .attr('r', 2.5)
      .attr('cx', (d) => x(d.call))
      .attr('cy', (d) => yOf(d.usedBytes))
      .append('title')
      .text((d) => `previous run, ${words.one} ${d.call}: ${bytes(d.usedBytes)}`);
  }
  g.append('path').attr('class', 'll-series').attr('data-testid', 'chart-series').attr('d', path(samples) ?? '');
  g.append('g')
    .attr('class', 'll-points')
    .selectAll('circle')
    .data(samples)
    .join('circle')
    .attr('r', 3.5)
    .attr('cx', (d) => x(d.call))
    .attr('cy', (d) => yOf(d.usedBytes))
    .append('title')
    .text((d) => `${words.one} ${d.call}: ${pointText(d.usedBytes, first, bytes)}`);
}

/** The chart's description of the previous run, when the report has one. */
function previousText(report: LeakReport): string {
  const p = report.comparison?.previous;
  if (!p || p.samples.length === 0) return '';
  const last = p.samples[p.samples.length - 1];
  const slope = p.slope ? `${signedBytes(p.slope.bytesPerCall)}/call` : 'no slope';
  return ` The previous run, muted: ${formatBytes(last.usedBytes)} at call ${last.call}, slope ${slope}.`;
}

/** A sample's value and, after the first, its change since the first: "3,372.0 KB (+1.1 KB since call 1)". */
export function pointText(usedBytes: number, first: { call: number; usedBytes: number }, bytes: (b: number) => string): string {
  const delta = usedBytes - first.usedBytes;
  return usedBytes === first.usedBytes ? bytes(usedBytes) : `${bytes(usedBytes)} (${signedBytes(delta)} since call ${first.call})`;
}

/** Endpoints of the report's fitted line over the sampled calls, through the samples' mean. */
function fittedLine(report: LeakReport): { x0: number; y0: number; x1: number; y1: number } | null {
  const { slope, samples } = report;
  if (!slope || samples.length < 2) return null;
  const mx = samples.reduce((s, p) => s + p.call, 0) / samples.length;
  const my = samples.reduce((s, p) => s + p.usedBytes, 0) / samples.length;
  const x0 = Math.min(...samples.map((p) => p.call));
  const x1 = Math.max(...samples.map((p) => p.call));
  return { x0, y0: my + slope.bytesPerCall * (x0 - mx), x1, y1: my + slope.bytesPerCall * (x1 - mx) };
}
