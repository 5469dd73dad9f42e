/**
 * The HTML of the heap snapshot editor's page (script: dist/snapshotEditor.js, styles:
 * media/panel.css and media/snapshot.css). Same strict policy as the report page: only the
 * nonce'd script and the stylesheets load; heap data arrives later in messages, as text.
 */
import { contentSecurityPolicy, escapeAttribute } from './page';

export const SNAPSHOT_SCRIPT_PATH = 'dist/snapshotEditor.js';
export const SNAPSHOT_STYLE_PATHS = ['media/panel.css', 'media/snapshot.css'] as const;

export interface SnapshotPageOptions {
  cspSource: string;
  scriptUri: string;
  styleUris: readonly string[];
  nonce: string;
}

export function snapshotPageHtml(o: SnapshotPageOptions): string {
  const styles = o.styleUris.map((uri) => `<link rel="stylesheet" href="${escapeAttribute(uri)}" nonce="${o.nonce}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en" class="leak-lens-webview">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Heap snapshot</title>
${styles}
</head>
<body>
<main id="leak-lens-snapshot" aria-busy="true"><p class="ll-waiting">Reading the heap snapshot…</p></main>
<script nonce="${o.nonce}" src="${escapeAttribute(o.scriptUri)}"></script>
</body>
</html>
`;
}
