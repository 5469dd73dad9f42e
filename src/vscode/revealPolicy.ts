/**
 * Which files the extension opens or reads because the heap names them. Script URLs come
 * from the debuggee's heap (untrusted), and the report page asks to open them: only a script
 * of the report itself that lies inside a workspace folder is opened without asking; one
 * outside every folder is opened after the user confirms; anything else is refused. Inline
 * notes read (and decorate) only files inside the workspace, or documents already open.
 * No vscode import: unit-tested on its own.
 */
import * as path from 'node:path';
import { isAbsolutePath, scriptFilePath } from './scriptFiles';

export type RevealDecision =
  | { action: 'open'; file: string }
  | { action: 'ask'; file: string }
  | { action: 'refuse'; reason: string };

/** `C:\…` and `\\…` are Windows paths; everything else here is POSIX. */
function pathApi(p: string): path.PlatformPath {
  return /^[a-z]:[\\/]/i.test(p) || p.startsWith('\\') ? path.win32 : path.posix;
}

/**
 * Whether `file` lies inside `folder` (both absolute), after resolving `.` and `..`. Windows
 * paths compare without case; a POSIX path is never inside a Windows folder or the reverse.
 */
export function isInsideFolder(file: string, folder: string): boolean {
  if (!isAbsolutePath(file) || !isAbsolutePath(folder)) return false;
  const api = pathApi(file);
  if (api !== pathApi(folder)) return false;
  const fold = (p: string) => (api === path.win32 ? p.toLowerCase() : p);
  const rel = api.relative(fold(api.resolve(folder)), fold(api.resolve(file)));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${api.sep}`) && !api.isAbsolute(rel);
}

export function isInsideAnyFolder(file: string, folders: readonly string[]): boolean {
  return folders.some((folder) => isInsideFolder(file, folder));
}

/**
 * What to do with the page's request to open `url`. `scripts` is the report's script table;
 * `folders` the workspace folders' paths; `resolve` maps a path to the file it really is
 * (symbolic links followed; the caller does the I/O), applied to the file only (the caller
 * resolves the folders).
 */
export function revealDecision(
  url: string,
  scripts: Record<string, string> | undefined,
  folders: readonly string[],
  resolve: (file: string) => string = (f) => f,
): RevealDecision {
  if (!scripts || !Object.values(scripts).includes(url)) return { action: 'refuse', reason: "it is not one of the report's scripts" };
  const file = scriptFilePath(url);
  if (file === undefined) return { action: 'refuse', reason: 'it is not a local file' };
  const real = resolve(file);
  return isInsideAnyFolder(real, folders) ? { action: 'open', file: real } : { action: 'ask', file: real };
}

/**
 * Whether inline notes may read (open as a document) and decorate `file`: inside a workspace
 * folder, or already open (then nothing is read from disk on the heap's say-so).
 */
export function mayDecorate(file: string, folders: readonly string[], openFiles: readonly string[]): boolean {
  return isInsideAnyFolder(file, folders) || openFiles.includes(file);
}
