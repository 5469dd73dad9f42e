/** Saving a run's snapshots as .heapsnapshot files, safely in a folder others may write to. */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { ProfileError } from './resolveTarget';

/**
 * Makes the snapshot folder (with its parents) and checks it can take files, so a bad folder
 * fails before anything runs, in one sentence.
 */
export async function prepareSnapshotFolder(dir: string): Promise<void> {
  const cannot = `Cannot save snapshots in ${dir}:`;
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new ProfileError(`${cannot} it (or a folder above it) is a file, not a folder; give a folder.`);
    }
    throw new ProfileError(`${cannot} the folder cannot be created (${errorText(e)}); give a folder you can write to.`);
  }
  const stat = await fs.stat(dir);
  if (!stat.isDirectory()) throw new ProfileError(`${cannot} it is not a folder; give a folder.`);
  try {
    await fs.access(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new ProfileError(`${cannot} the folder is not writable; give a folder you can write to.`);
  }
}

/**
 * A new file `<base>.heapsnapshot` in `dir`, created exclusively: never through a symlink, never
 * over an existing file (someone else who can write to a shared folder could plant either
 * there to have another file overwritten). If the name is taken, a fresh random one is used.
 * Readable by the owner only: a snapshot holds the process's memory, secrets included.
 */
export async function createSnapshotFile(dir: string, base: string): Promise<{ handle: FileHandle; file: string }> {
  // O_NOFOLLOW is redundant with O_EXCL on POSIX, kept for belt and braces; Windows lacks it.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  for (let attempt = 0; attempt < 8; attempt++) {
    const file = path.join(dir, `${base}${attempt === 0 ? '' : `-${randomBytes(6).toString('hex')}`}.heapsnapshot`);
    try {
      return { handle: await fs.open(file, flags, 0o600), file };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ELOOP') continue;
      throw new ProfileError(`Cannot save the snapshot ${file}: ${errorText(e)}.`);
    }
  }
  throw new ProfileError(`Cannot save snapshots in ${dir}: every new file name tried was taken; give a folder only you can write to.`);
}

/** Writes all of `chunk` (a write may take only part of it). */
export async function writeAll(handle: FileHandle, chunk: string, file: string): Promise<void> {
  try {
    let bytes = Buffer.from(chunk, 'utf8');
    while (bytes.length > 0) {
      const { bytesWritten } = await handle.write(bytes, 0, bytes.length);
      bytes = bytes.subarray(bytesWritten);
    }
  } catch (e) {
    throw new ProfileError(`Cannot save the snapshot ${file}: ${errorText(e)}.`);
  }
}

/** "no space left on device" from "ENOSPC: no space left on device, write". */
function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$|, \w+$/, '');
}
