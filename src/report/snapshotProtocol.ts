/**
 * Messages between the heap snapshot editor (src/vscode/snapshotEditor.ts) and its page
 * (media/src/snapshot/). Types and a guard only: no vscode, no DOM. Every string in them that
 * comes from the heap is untrusted; the page sets it as text.
 */
import type { ObjectSummary, RetainerPath } from './types';

export interface SnapshotClass {
  id: number;
  name: string;
  count: number;
  selfSize: number;
  retainedSize: number;
}

export interface SnapshotTotals {
  nodeCount: number;
  edgeCount: number;
  totalSize: number;
  reachableSize: number;
  classCount: number;
}

/** Host → page. */
export type SnapshotHostMessage =
  /** Reading the file: `percent` while parsing, else the analysis phase. */
  | { type: 'progress'; fileName: string; percent: number | null; phase: string }
  | { type: 'loaded'; fileName: string; totals: SnapshotTotals; classes: SnapshotClass[] }
  | { type: 'objects'; classId: number; objects: ObjectSummary[] }
  | { type: 'path'; id: number; object: ObjectSummary | null; path: RetainerPath | null }
  /** The reading stopped on the user's request. */
  | { type: 'cancelled'; fileName: string }
  /** One sentence: what was wrong and what to do. */
  | { type: 'error'; message: string };

/** Page → host. */
export type SnapshotPageMessage =
  | { type: 'ready' }
  | { type: 'cancel' }
  | { type: 'reload' }
  | { type: 'classObjects'; classId: number }
  | { type: 'path'; id: number }
  | { type: 'compare' }
  /** What the page now shows, as its text (for the extension's tests: a real round trip). */
  | { type: 'shown'; view: SnapshotPageView; text: string };

export type SnapshotPageView = 'progress' | 'classes' | 'objects' | 'path' | 'cancelled' | 'error';
const PAGE_VIEWS: readonly string[] = ['progress', 'classes', 'objects', 'path', 'cancelled', 'error'];

export function isSnapshotPageMessage(value: unknown): value is SnapshotPageMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'cancel':
    case 'reload':
    case 'compare':
      return true;
    case 'classObjects':
      return Number.isInteger(m.classId) && (m.classId as number) >= 0;
    case 'path':
      return Number.isInteger(m.id) && (m.id as number) >= 0;
    case 'shown':
      return typeof m.view === 'string' && PAGE_VIEWS.includes(m.view) && typeof m.text === 'string';
    default:
      return false;
  }
}

export function isSnapshotHostMessage(value: unknown): value is SnapshotHostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'progress' || type === 'loaded' || type === 'objects' || type === 'path' || type === 'cancelled' || type === 'error';
}
