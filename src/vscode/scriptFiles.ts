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

/** `//host/…` or `\\host\…`: a path on another machine (VS Code would open it as a UNC share). */
function namesAnotherHost(p: string): boolean {
  return /^[\\/]{2}/.test(p);
}

/**
 * The local file a script's URL (file:// URL or absolute path) names; undefined for other
 * schemes, relative names, paths and file URLs on another host (`//host/…`, `file://host/…`,
 * on every platform), and file URLs that name no file (an encoded separator, a malformed URL).
 */
export function scriptFilePath(url: string | undefined): string | undefined {
  if (!url) return undefined;
  if (url.startsWith('file:')) {
    try {
      // Checked here, not left to fileURLToPath: on Windows it turns another host into a UNC path.
      const parsed = new URL(url);
      if (parsed.hostname !== '' && parsed.hostname !== 'localhost') return undefined;
      const file = fileURLToPath(parsed);
      return namesAnotherHost(file) ? undefined : file;
    } catch {
      return undefined;
    }
  }
  return isAbsolutePath(url) && !namesAnotherHost(url) ? url : undefined;
}
