/**
 * The selected leak's allocation site: where its survivors were allocated, from V8's
 * allocation tracking. Text only (function and script names are heap strings).
 */
import type { AllocationFrame, LeakFinding } from '../../src/report/types';
import { el } from './dom';

/** Frames shown: the user's frames first (the report orders them so). */
const SHOWN = 4;

export function allocationDetails(finding: LeakFinding): HTMLElement {
  const a = finding.allocation;
  // Styled as the other detail lines (ll-holds), without a rule of its own.
  const line = (...children: (Node | string)[]): HTMLElement =>
    el('p', { class: 'll-holds ll-allocation', 'data-testid': 'allocation' }, el('span', { class: 'll-label' }, 'Allocated'), ...children);
  if (!a) return line(el('span', { class: 'll-muted' }, 'not recorded: allocation tracking was off'));
  const frames = shownFrames(a.frames, a.userFrames);
  if (a.traced === 0 || frames.length === 0) {
    return line(el('span', { class: 'll-muted' }, `unknown: V8 kept no allocation stack for these ${a.of} objects`));
  }
  const parts: (Node | string)[] = ['in '];
  frames.forEach((f, i) => {
    if (i > 0) parts.push(' ← ');
    parts.push(el('code', { class: 'll-frame', title: frameTitle(f) }, frameText(f)));
  });
  if (a.frames.length > frames.length && frames.length === SHOWN) parts.push(' ← …');
  parts.push(el('span', { class: 'll-muted' }, ` · ${coverage(a)}`));
  return line(...parts);
}

/** The user's frames when there are any (innermost first), else the first others; at most SHOWN. */
function shownFrames(frames: AllocationFrame[], userFrames: number): AllocationFrame[] {
  const pool = userFrames > 0 ? frames.slice(0, userFrames) : frames.filter((f) => f.functionName !== '' || f.scriptName !== '');
  return pool.slice(0, SHOWN);
}

function coverage(a: NonNullable<LeakFinding['allocation']>): string {
  const traced = `${a.traced} of ${a.of} objects traced`;
  return a.count < a.traced ? `${traced}, ${a.count} on this stack` : traced;
}

function frameText(f: AllocationFrame): string {
  const name = f.functionName || '(anonymous)';
  if (!f.scriptName) return name;
  if (f.original) return `${name} (${fileName(f.original.file)}:${f.original.line})`;
  return `${name} (${fileName(f.scriptName)}${f.line > 0 ? `:${f.line}` : ''})`;
}

/** The full script name and position (1-based, where the function is defined). */
function frameTitle(f: AllocationFrame): string {
  if (!f.scriptName) return `${f.functionName || '(anonymous)'}: builtin`;
  if (f.original) return `${f.original.file}:${f.original.line}:${f.original.column + 1} (where the function is defined; running as ${f.scriptName})`;
  return `${f.scriptName}${f.line > 0 ? `:${f.line}:${f.column}` : ''} (where the function is defined)`;
}

function fileName(url: string): string {
  if (url.startsWith('node:')) return url;
  const parts = url.replace(/[?#].*$/, '').split(/[\\/]/).filter((p) => p !== '');
  return parts.length ? parts[parts.length - 1] : url;
}
