/**
 * Heap text (class names, property names, strings, script URLs) is untrusted, and several
 * VS Code surfaces give text a meaning of its own:
 * - hovers are markdown: a name holding a newline and a code fence ends the block it sits in,
 *   and what follows renders as links and remote images;
 * - CodeLens titles and QuickPick labels, descriptions and details render `$(name)` as a
 *   theme icon (renderLabelWithIcons), `\$(name)` as the literal text `$(name)`;
 * - notification messages render `[label](https://…)` as a link (parseLinkedText).
 * These helpers make such text inert there. No vscode import: unit-tested on their own.
 */
import { printable } from '../report/format';

/** A name on one line: newlines, other control characters and bidi overrides as `\uXXXX`. */
export function oneLine(text: string): string {
  return printable(String(text));
}

/**
 * `$(name)` and `$(name~modifier)`, exactly what VS Code's renderLabelWithIcons turns into an
 * icon (ThemeIcon.iconNameExpression and iconModifierExpression).
 */
const ICON_SYNTAX = /\$\([A-Za-z0-9-]+(?:~[A-Za-z]+)?\)/g;

/**
 * Text for a label that renders theme icons: each `$(name)` gets a backslash, which VS Code
 * honours as "show literally". Unlike VS Code's own escapeIcons, an already escaped `\$(x)`
 * is escaped again, so the heap's own backslash stays visible too.
 */
export function escapeIcons(text: string): string {
  return text.replace(ICON_SYNTAX, (m) => `\\${m}`);
}

/** Heap text for a CodeLens title or a QuickPick label, description or detail. */
export function labelText(text: string): string {
  return escapeIcons(oneLine(text));
}

/**
 * A markdown code block that shows `text` literally, whatever it holds: its fence is longer
 * than any run of backticks in the text, so no line of the text can close it (CommonMark: a
 * closing fence is at least as long as the opening one), and everything inside a fenced block
 * is text, never markup.
 */
export function markdownCodeBlock(text: string, language = 'text'): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text}\n${fence}\n`;
}

/**
 * Text for a notification message: `[label](https://…)` would render as a link there, so a
 * zero-width space goes between `]` and `(`; control characters are escaped.
 */
export function messageText(text: string): string {
  return oneLine(text).replace(/\]\(/g, ']\u200b(');
}
