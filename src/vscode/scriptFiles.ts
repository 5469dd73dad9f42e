/**
 * Script URLs and paths as a snapshot or the settings give them, turned into file paths. The
 * URLs come from the debuggee's heap (untrusted): anything that is not a local file gives
 * undefined, never an exception.
 */
import { fileURLToPath } from 'node:url';

/** An absolute path, POSIX or Windows. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[a-z]:[\\/]/i.test(p);
}

/**
 * The local file a script's URL (file:// URL or absolute path) names; undefined for other
 * schemes, relative names, and file URLs that name no local file (another host, an encoded
 * separator, a malformed URL).
 */
export function scriptFilePath(url: string | undefined): string | undefined {
  if (!url) return undefined;
  if (url.startsWith('file:')) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return isAbsolutePath(url) ? url : undefined;
}
