/** Script URLs and paths as the snapshot and the settings give them, turned into files. */
import { fileURLToPath } from 'node:url';
import * as vscode from 'vscode';

/** An absolute path, POSIX or Windows. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[a-z]:[\\/]/i.test(p);
}

/** A script's URL (file:// URL or absolute path) as a document URI; undefined when it is not a file. */
export function fileUriOf(url: string | undefined): vscode.Uri | undefined {
  if (!url) return undefined;
  if (url.startsWith('file:')) return vscode.Uri.file(fileURLToPath(url));
  if (isAbsolutePath(url)) return vscode.Uri.file(url);
  return undefined;
}
