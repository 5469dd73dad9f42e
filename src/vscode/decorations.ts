/**
 * Inline retainer counts after a run: at the culprit holder's line (e.g. at `static
 * instanceMap = new Map()`: "holds 7 Processor, +1/call, refs 1") and at the leaked class's
 * constructor; hovering shows the retainer path. Cleared when the document is edited or a new
 * run reports. Only reads the report; line lookup is plain text search in the source.
 *
 * Heap text is untrusted: names go into notes on one line, and hovers show them in a code
 * block no name can close (inertText.ts). Only scripts inside the workspace folders (or
 * documents already open) are read and decorated (revealPolicy.ts).
 */
import * as vscode from 'vscode';
import type { LeakFinding, LeakReport, OriginalPosition } from '../report/types';
import { markdownCodeBlock, oneLine } from './inertText';
import { fileUriOf } from './paths';
import { mayDecorate } from './revealPolicy';
import { hasLabels, pathLines } from '../report/pathText';
import { callWords } from '../report/format';

export interface InlineNote {
  uri: string;
  line: number;
  text: string;
  hover: string;
}

export class RetainerDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: {
      margin: '0 0 0 2em',
      color: new vscode.ThemeColor('editorCodeLens.foreground'),
      fontStyle: 'italic',
    },
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
  });
  private notes: InlineNote[] = [];
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.window.onDidChangeVisibleTextEditors(() => this.apply()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        const uri = e.document.uri.toString();
        if (!this.notes.some((n) => n.uri === uri)) return;
        this.notes = this.notes.filter((n) => n.uri !== uri);
        this.apply();
      }),
    ];
  }

  /** The notes in effect (for tests and the API). */
  get current(): readonly InlineNote[] {
    return this.notes;
  }

  async show(report: LeakReport): Promise<void> {
    this.notes = [];
    const top = report.leaks.find((l) => l.primary);
    if (report.verdict === 'leak' && top) this.notes = await notesFor(report, top);
    this.apply();
  }

  private apply(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri.toString();
      const options: vscode.DecorationOptions[] = this.notes
        .filter((n) => n.uri === uri && n.line < editor.document.lineCount)
        .map((n) => ({
          range: editor.document.lineAt(n.line).range,
          hoverMessage: hoverMarkdown(n.hover),
          renderOptions: { after: { contentText: n.text } },
        }));
      editor.setDecorations(this.type, options);
    }
  }

  dispose(): void {
    this.type.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}

/**
 * Heap names as literal text, never markup. (MarkdownString.appendCodeblock would not do: it
 * lengthens its fence only past backtick runs that start a line, older VS Code not at all,
 * and CommonMark also closes a block on a fence indented by up to three spaces.)
 */
function hoverMarkdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(markdownCodeBlock(text, 'text'));
  md.isTrusted = false;
  md.supportHtml = false;
  md.supportThemeIcons = false;
  return md;
}

/**
 * A report location → a document URI, when the script is a file inside a workspace folder or
 * a document already open: a note opens the file to find its line, and the heap names it.
 */
function scriptUri(report: LeakReport, scriptId: number, original?: OriginalPosition): vscode.Uri | undefined {
  // The file the user wrote (a .ts file) when the script has a source map.
  const uri = fileUriOf(original ? original.file : report.scripts[String(scriptId)]);
  if (!uri) return undefined;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const open = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file').map((d) => d.uri.fsPath);
  return mayDecorate(uri.fsPath, folders, open) ? uri : undefined;
}

async function notesFor(report: LeakReport, leak: LeakFinding): Promise<InlineNote[]> {
  const notes: InlineNote[] = [];
  const pathText = pathSummary(leak);
  const className = oneLine(leak.className);
  const survivors = leak.survivors;
  const refs = leak.refs.min === leak.refs.max ? String(leak.refs.min) : `${leak.refs.min}–${leak.refs.max}`;
  const culprit = leak.culprit;
  if (culprit?.holderLocation) {
    const at = culprit.holderLocation;
    const uri = scriptUri(report, at.scriptId, at.original);
    if (uri) {
      const line = await findDefinitionLine(uri, at.original ? at.original.line - 1 : at.line, culprit.edgeName.split('.')[0]);
      notes.push({
        uri: uri.toString(),
        line,
        text: `◀ holds ${survivors} ${className}, +${leak.countPerCall}/call, refs ${refs} — Leak Lens`,
        hover: `${oneLine(culprit.text)}\n\n${pathText}\n\nFix: ${oneLine(leak.fixHint ?? '')}`,
      });
    }
  }
  const call = leak.userCall;
  if (call) {
    // The user's own line behind the leak (1-based in the report).
    const uri = scriptUri(report, call.scriptId, call.original);
    const line = (call.original?.line ?? call.line) - 1;
    if (uri && !notes.some((n) => n.uri === uri.toString() && n.line === line)) {
      const what = call.constructs ? 'allocates' : `calls ${oneLine(call.callee)}(), which keeps`;
      notes.push({
        uri: uri.toString(),
        line,
        text: `◀ ${what} ${leak.countPerCall} ${className} per ${callWords(report).one} that never dies — Leak Lens`,
        hover: `${className} objects made through this call stay alive.\n\n${pathText}\n\nFix: ${oneLine(leak.fixHint ?? '')}`,
      });
    }
  }
  const stored = leak.storedAt;
  if (stored) {
    // The line that adds each leaked object to the collection that keeps it.
    const uri = scriptUri(report, stored.scriptId, stored.original);
    const line = (stored.original?.line ?? stored.line) - 1;
    if (uri && !notes.some((n) => n.uri === uri.toString() && n.line === line)) {
      notes.push({
        uri: uri.toString(),
        line,
        text: `◀ stores ${leak.countPerCall} ${className} per ${callWords(report).one} that is never removed — Leak Lens`,
        hover: `${oneLine(stored.callee)}() adds each ${className} here, and nothing takes it out.\n\n${pathText}\n\nFix: ${oneLine(leak.fixHint ?? '')}`,
      });
    }
  }
  if (leak.location) {
    const uri = scriptUri(report, leak.location.scriptId, leak.location.original);
    const line = leak.location.original ? leak.location.original.line - 1 : leak.location.line;
    if (uri && !notes.some((n) => n.uri === uri.toString() && n.line === line)) {
      notes.push({
        uri: uri.toString(),
        line,
        text: `◀ ${leak.countPerCall} ${className}/call survive, ${leak.bytesPerCall} B/call, refs ${refs} — Leak Lens`,
        hover: `${className} instances created here stay alive.\n\n${pathText}`,
      });
    }
  }
  return notes;
}

function pathSummary(leak: LeakFinding): string {
  const path = leak.paths[0];
  if (!path) return '';
  // In source terms when the report has them ("globalThis.registry", "Map → value").
  if (hasLabels(path)) {
    return ['Retainer path (GC root first):', ...pathLines(path).map((l, i) => `  ${i === 0 ? '' : '→ '}${oneLine(l.text)}`), `  → ${oneLine(leak.className)}`].join('\n');
  }
  return ['Retainer path (GC root first):', ...path.steps.map((s) => `  ${oneLine(s.from)} —${oneLine(s.edgeName)}→`), `  ${oneLine(leak.className)}`].join('\n');
}

/**
 * The line where `member` is defined near a holder's location (the snapshot gives the
 * holder's constructor or function line; a static field sits a few lines above it).
 */
async function findDefinitionLine(uri: vscode.Uri, near: number, member: string): Promise<number> {
  if (!/^[\w$]+$/.test(member)) return near;
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(uri);
  } catch {
    return near;
  }
  const definition = new RegExp(`(^|[\\s;{])(static\\s+)?(#?${member.replace(/\$/g, '\\$')})\\s*(=|:|;|\\()|\\b(const|let|var)\\s+${member.replace(/\$/g, '\\$')}\\b|\\.${member.replace(/\$/g, '\\$')}\\s*=`);
  const from = Math.max(0, near - 40);
  const to = Math.min(doc.lineCount - 1, near + 200);
  let best = -1;
  for (let l = from; l <= to; l++) {
    if (!definition.test(doc.lineAt(l).text)) continue;
    if (best < 0 || Math.abs(l - near) < Math.abs(best - near)) best = l;
  }
  return best >= 0 ? best : near;
}
