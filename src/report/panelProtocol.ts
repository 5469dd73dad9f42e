/**
 * The messages between the extension host and the report webview (media/src), and the state the
 * webview keeps with setState so VS Code can restore it. Types, guards and the embedded report's
 * element id only: no vscode, no DOM.
 */
import type { LeakReport } from './types';

/** The id of the JSON block that carries the report in the standalone page (the CLI's --html). */
export const REPORT_ELEMENT_ID = 'leak-lens-report';

/** Page → host. */
export type PageMessage =
  /** The page has loaded its script and listens; the host answers with a report. */
  | { type: 'ready' }
  /** Open a source location. `line` and `column` are 0-based, as in the snapshot. */
  | { type: 'reveal'; url: string; line: number; column: number }
  /** Run the shown report's target again, with the same settings. */
  | { type: 'rerun' };

/** Host → page. `canRerun`: the host can run the report's target again (its page shows a Re-run button). */
export type HostMessage = { type: 'report'; report: LeakReport; canRerun?: boolean };

/** What the page saves with setState; VS Code hands it back to the host's serializer. */
export interface PanelState {
  version: 1;
  report: LeakReport | null;
  ui: PanelUiState;
}

export interface PanelUiState {
  /** Class name of the selected finding. */
  selected: string | null;
  /** The table also lists the classes the primary leaks hold (non-primary findings). */
  showHeld: boolean;
  /** Graph filters; null means the report's own maxDepth / tooMany. */
  maxDepth: number | null;
  tooMany: number | null;
  /** Graph node ids whose retainers are all shown regardless of tooMany. */
  expanded: number[];
  /** The whole recorded graph instead of the culprit view (absent in older saved state: false). */
  wholeGraph?: boolean;
  /** The culprit view shows V8 internals (absent: false). */
  internals?: boolean;
  /** Graph node ids whose retainers the culprit view shows (absent: none). */
  opened?: number[];
}

export const EMPTY_UI_STATE: PanelUiState = { selected: null, showHeld: false, maxDepth: null, tooMany: null, expanded: [] };

export function isPageMessage(value: unknown): value is PageMessage {
  if (!isRecord(value)) return false;
  if (value.type === 'ready' || value.type === 'rerun') return true;
  return (
    value.type === 'reveal' &&
    typeof value.url === 'string' &&
    Number.isInteger(value.line) &&
    (value.line as number) >= 0 &&
    Number.isInteger(value.column) &&
    (value.column as number) >= 0
  );
}

/** A shallow check: enough to tell a report message from anything else posted to the page. */
export function isHostMessage(value: unknown): value is HostMessage {
  return isRecord(value) && value.type === 'report' && looksLikeReport(value.report) && (value.canRerun === undefined || typeof value.canRerun === 'boolean');
}

/** State handed back by VS Code (from an older page version, perhaps): usable or not. */
export function isPanelState(value: unknown): value is PanelState {
  return (
    isRecord(value) &&
    value.version === 1 &&
    (value.report === null || looksLikeReport(value.report)) &&
    isRecord(value.ui)
  );
}

export function looksLikeReport(value: unknown): value is LeakReport {
  return (
    isRecord(value) &&
    Array.isArray(value.samples) &&
    Array.isArray(value.leaks) &&
    (value.verdict === 'leak' || value.verdict === 'clean') &&
    typeof value.summary === 'string' &&
    (value.scripts === undefined || isRecord(value.scripts))
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
