/**
 * V8 writes each row of "nodes", "edges" and "locations" on a line of its own: `,a,b,c\n`.
 * Reading a few lines at an offset tells which section it lies in (by numbers per line), so a
 * section's end can be found by binary search with a few small reads instead of reading the
 * section. Only a hint: callers check the result against a full parse and fall back.
 */
import type { promises as fs } from 'node:fs';

const PROBE_BYTES = 512;

/**
 * Numbers per line on the first whole line after `position`, or -1 when there is none or it
 * is not a row of plain numbers.
 */
export async function rowWidthAt(file: fs.FileHandle, position: number): Promise<number> {
  const buffer = Buffer.allocUnsafe(PROBE_BYTES);
  const { bytesRead } = await file.read(buffer, 0, PROBE_BYTES, position);
  const start = buffer.indexOf(0x0a) + 1;
  if (start <= 0) return -1;
  const end = buffer.indexOf(0x0a, start);
  if (end < 0 || end > bytesRead) return -1;
  // A row line: ',' then numbers separated by ','.
  if (buffer[start] !== 0x2c) return -1;
  let numbers = 0;
  let inNumber = false;
  for (let i = start + 1; i < end; i++) {
    const c = buffer[i];
    if (c >= 0x30 && c <= 0x39) {
      if (!inNumber) numbers++;
      inNumber = true;
    } else if (c === 0x2c) {
      inNumber = false;
    } else {
      return -1;
    }
  }
  return numbers;
}

/**
 * The last offset in [from, to) found, by binary search, to hold rows `width` numbers wide,
 * assuming such rows fill [from, boundary) and none follow; `from` if the probe there fails.
 * Ends within PROBE_BYTES of the boundary.
 */
export async function lastOffsetWithRows(file: fs.FileHandle, from: number, to: number, width: number): Promise<number> {
  let lo = from;
  let hi = to;
  if ((await rowWidthAt(file, lo)) !== width) return from;
  while (hi - lo > PROBE_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if ((await rowWidthAt(file, mid)) === width) lo = mid;
    else hi = mid;
  }
  return lo;
}
