/**
 * The HTML of the report page (script: dist/panel.js, style: media/panel.css), for the VS Code
 * webview and for the CLI's standalone `--html` file. Pure string building: no vscode import.
 *
 * The page runs under a strict Content-Security-Policy: nothing loads but the one nonce'd script
 * and the stylesheet; the report travels as JSON text in a non-executed
 * `<script type="application/json">` block (or in a message), never as markup.
 */
import { randomBytes } from 'node:crypto';
import { REPORT_ELEMENT_ID } from './panelProtocol';
import type { LeakReport } from './types';

/** Where the page's assets live, relative to the extension (package) root. */
export const PANEL_SCRIPT_PATH = 'dist/panel.js';
export const PANEL_STYLE_PATH = 'media/panel.css';

export interface PanelHtmlOptions {
  /** webview.cspSource, e.g. "https://*.vscode-cdn.net"; "'none'" when nothing loads from outside. */
  cspSource: string;
  /** webview.asWebviewUri(dist/panel.js) as a string. */
  scriptUri: string;
  /** webview.asWebviewUri(media/panel.css) as a string. */
  styleUri: string;
  nonce: string;
  /** Embedded so the page can render before (or without) a message from the host. */
  embeddedReport?: LeakReport;
}

/** A fresh CSP nonce: 192 random bits, base64url (always a valid nonce token). */
export function makeNonce(): string {
  return randomBytes(24).toString('base64url');
}

/** The page's policy: only the nonce'd script, the stylesheet (from cspSource or nonce'd) and data: images. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  checkNonce(nonce);
  // 'none' may only stand alone in a source list; drop it where other sources follow.
  const src = cspSource.trim() === "'none'" || cspSource.trim() === '' ? '' : `${cspSource.trim()} `;
  return [
    "default-src 'none'",
    `img-src ${src}data:`,
    `style-src ${src}'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${src || "'none'"}`.trimEnd(),
  ].join('; ');
}

/**
 * The report as JSON text safe inside a `<script type="application/json">` element: `<`, `>` and
 * `&` become \u escapes (so no `</script>` or `<!--` can end or confuse the block), as do U+2028
 * and U+2029. JSON.parse of the result gives back the report.
 */
export function embedReportJson(report: LeakReport): string {
  return JSON.stringify(report).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The webview's HTML: script and stylesheet by URI. */
export function panelHtml(options: PanelHtmlOptions): string {
  const { cspSource, scriptUri, styleUri, nonce, embeddedReport } = options;
  return page({
    csp: contentSecurityPolicy(cspSource, nonce),
    htmlClass: 'leak-lens-webview',
    title: titleOf(embeddedReport),
    head: `<link rel="stylesheet" href="${escapeAttribute(styleUri)}" nonce="${nonce}">`,
    report: embeddedReport,
    script: `<script nonce="${nonce}" src="${escapeAttribute(scriptUri)}"></script>`,
  });
}

/**
 * A self-contained HTML file (the CLI's `--html`): the bundle (dist/panel.js) and the stylesheet
 * (media/panel.css) inlined in nonce'd elements, the report embedded, nothing loaded from outside.
 */
export function standaloneHtml(report: LeakReport, scriptText: string, cssText: string, nonce: string = makeNonce()): string {
  return page({
    csp: contentSecurityPolicy("'none'", nonce),
    htmlClass: 'leak-lens-standalone',
    title: titleOf(report),
    head: `<style nonce="${nonce}">\n${inlineText(cssText, 'style')}\n</style>`,
    report,
    script: `<script nonce="${nonce}">\n${inlineText(scriptText, 'script')}\n</script>`,
  });
}

function page(p: { csp: string; htmlClass: string; title: string; head: string; report: LeakReport | undefined; script: string }): string {
  const embedded =
    p.report === undefined ? '' : `\n<script type="application/json" id="${REPORT_ELEMENT_ID}">${embedReportJson(p.report)}</script>`;
  return `<!DOCTYPE html>
<html lang="en" class="${p.htmlClass}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(p.csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeText(p.title)}</title>
${p.head}
</head>
<body>
<main id="leak-lens" aria-busy="true"><p class="ll-waiting">Waiting for a Leak Lens report…</p></main>${embedded}
${p.script}
</body>
</html>
`;
}

function titleOf(report: LeakReport | undefined): string {
  const name = report?.function?.name;
  return name ? `Leak Lens — ${name}` : 'Leak Lens';
}

function checkNonce(nonce: string): void {
  if (!/^[A-Za-z0-9+/_-]{16,}={0,2}$/.test(nonce)) throw new Error('A CSP nonce must be at least 16 base64 characters');
}

/** Keeps inlined code from closing its element early (`</script`, `</style`) or opening a comment. */
function inlineText(text: string, tag: 'script' | 'style'): string {
  const close = new RegExp(`</(${tag})`, 'gi');
  return text.replace(close, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
