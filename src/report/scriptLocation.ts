/** Script URLs and file paths, made comparable: the inspector's, the snapshot's and the report's. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A comparable form of a script URL or file path: file:// URLs and absolute paths become a
 * normalized absolute path (lower-cased on Windows); other URLs (node:internal/…, http://…)
 * are kept as they are; an empty string stays empty. Relative paths are resolved against the
 * current directory of *this* process, so pass absolute paths.
 */
export function normalizeScriptLocation(urlOrPath: string): string {
  let p = urlOrPath.trim();
  if (p === '') return '';
  if (/^file:/i.test(p)) {
    try {
      p = fileURLToPath(p);
    } catch {
      return p;
    }
  } else if (/^[a-z][a-z0-9+.-]+:/i.test(p) && !/^[a-z]:[\\/]/i.test(p)) {
    return p; // Another scheme (node:, http:, webpack:, …); a Windows drive letter is a path.
  }
  p = path.resolve(p);
  return process.platform === 'win32' ? p.toLowerCase() : p;
}
