/** Script URLs as the snapshot gives them, as document URIs. */
import * as vscode from 'vscode';
import { scriptFilePath } from './scriptFiles';

/** A script's URL (file:// URL or absolute path) as a document URI; undefined when it is not a local file. */
export function fileUriOf(url: string | undefined): vscode.Uri | undefined {
  const file = scriptFilePath(url);
  return file === undefined ? undefined : vscode.Uri.file(file);
}
