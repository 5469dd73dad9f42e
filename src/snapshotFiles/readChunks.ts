import type { promises as fs } from 'node:fs';

/** `use` returns this to stop reading. */
export const STOP = -1;

/**
 * Reads a file from `from` to its end in chunks, with two buffers in turn: the next read is in
 * the thread pool while `use` works on this chunk (it must copy what it keeps; fresh buffers
 * per chunk would cost a page fault per 4 KiB). `use` gets the chunk and the offset just past
 * it, and may return STOP, or an offset further on to continue from (skipping what lies
 * between).
 */
export async function readChunks(
  file: fs.FileHandle,
  from: number,
  use: (chunk: Buffer, end: number) => number | void | Promise<number | void>,
  chunkBytes = 1 << 20,
): Promise<void> {
  const buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
  let turn = 0;
  let position = from;
  let pending: Promise<{ bytesRead: number; buffer: Buffer }> | null = file.read(buffers[0], 0, chunkBytes, position);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      pending = null;
      if (bytesRead === 0) return;
      position += bytesRead;
      turn ^= 1;
      pending = file.read(buffers[turn], 0, chunkBytes, position);
      const next = await use(bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead), position);
      if (next === STOP) return;
      if (typeof next === 'number' && next !== position) {
        await pending;
        position = next;
        pending = file.read(buffers[turn], 0, chunkBytes, position);
      }
    }
  } finally {
    await pending?.catch(() => undefined);
  }
}
