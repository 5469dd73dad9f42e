/**
 * Reads a file's "edges" section on its own (on the analysis thread) while the main thread
 * parses the rest of the file: the biggest section, parsed in parallel with the nodes and
 * strings. The main parser checks that both agree on where the section is.
 */
import { promises as fs } from 'node:fs';
import { HeapSnapshotError } from '../heap/errors';
import { SnapshotParser, type EdgeSectionJob, type EdgeSectionResult } from '../heap/parser';
import { readChunks, STOP } from './readChunks';
import { lastOffsetWithRows } from './rowLayout';

const CHUNK_BYTES = 1 << 20;
const KEY = Buffer.from('"edges"');

export type EdgeSectionOutcome =
  | { readonly type: 'read'; readonly result: EdgeSectionResult }
  /** The section's '[' was not found where V8 puts it: the main thread reads the edges instead. */
  | { readonly type: 'not-found' }
  | { readonly type: 'error'; readonly problem: string; readonly offset: number };

export async function readEdgeSection(path: string, job: EdgeSectionJob): Promise<EdgeSectionOutcome> {
  const file = await fs.open(path, 'r');
  try {
    const { size } = await file.stat();
    // Near the key first (the last node rows, found by binary search), else the whole way.
    const near = await lastOffsetWithRows(file, job.searchFrom, size, job.nodeFieldCount);
    let sectionOffset = near > job.searchFrom ? await findSection(file, near) : -1;
    if (sectionOffset < 0) sectionOffset = await findSection(file, job.searchFrom);
    if (sectionOffset < 0) return { type: 'not-found' };
    const parser = SnapshotParser.forEdgeSection(job, sectionOffset);
    await readChunks(file, sectionOffset + 1, (chunk) => {
      parser.write(chunk);
      if (parser.edgeSectionDone) return STOP;
    });
    return { type: 'read', result: parser.edgeSectionResult() };
  } catch (e) {
    if (e instanceof HeapSnapshotError) return { type: 'error', problem: e.problem, offset: e.offset };
    throw e;
  } finally {
    await file.close();
  }
}

/**
 * The offset of the '[' that opens "edges": the first `"edges"` after the header (V8 writes
 * only the "nodes" key and digits in between), then ':' and '['. -1 if the file is not laid
 * out that way.
 */
async function findSection(file: fs.FileHandle, from: number): Promise<number> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let position = from;
  for (;;) {
    const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, position);
    if (bytesRead < KEY.length) return -1;
    const chunk = buffer.subarray(0, bytesRead);
    const key = chunk.indexOf(KEY);
    // Near the end of a full chunk, read again from the key so ':' and '[' are in view.
    if (key >= 0 && (key + 256 <= bytesRead || bytesRead < CHUNK_BYTES)) {
      let i = key + KEY.length;
      while (i < bytesRead && isSpace(chunk[i])) i++;
      if (chunk[i] !== 0x3a) return -1;
      i++;
      while (i < bytesRead && isSpace(chunk[i])) i++;
      return chunk[i] === 0x5b ? position + i : -1;
    }
    if (bytesRead < CHUNK_BYTES) return -1;
    position += key >= 0 ? key : bytesRead - KEY.length;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
