/** Reads a .heapsnapshot file in chunks straight into the streaming parser, then analyzes it. */
import { promises as fs } from 'node:fs';
import { analyzeSnapshot, type HeapAnalysis } from '../heap/analysis';
import { SnapshotParser } from '../heap/parser';
import type { HeapSnapshot } from '../heap/snapshot';
import { analyzeInParallel, DominatorThread } from '../worker/parallel';

export interface FileProgress {
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  onPhase?: (phase: string) => void;
}

export interface FileAnalysis extends HeapAnalysis {
  readonly parseMs: number;
  readonly totalMs: number;
}

const CHUNK_BYTES = 1 << 20;

export async function readSnapshotFile(path: string, options: FileProgress = {}): Promise<HeapSnapshot> {
  const file = await fs.open(path, 'r');
  try {
    const { size } = await file.stat();
    const parser = new SnapshotParser({
      expectedBytes: size,
      onProgress: options.onProgress ? (read) => options.onProgress?.(read, size) : undefined,
    });
    // Two buffers, reused in turn: the next read runs in the thread pool while this chunk is
    // parsed (the parser copies what it keeps), and fresh buffers per chunk would cost a page
    // fault per 4 KiB of the file.
    const buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
    let turn = 0;
    let pending = file.read(buffers[0], 0, CHUNK_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      turn ^= 1;
      pending = file.read(buffers[turn], 0, CHUNK_BYTES, null);
      parser.write(bytesRead === CHUNK_BYTES ? buffer : buffer.subarray(0, bytesRead));
    }
    return parser.end();
  } finally {
    await file.close();
  }
}

/** Parse and analyze a file; with `parallel` (the default) dominators run on a second thread. */
export async function analyzeFile(path: string, options: FileProgress & { parallel?: boolean } = {}): Promise<FileAnalysis> {
  const start = performance.now();
  const thread = options.parallel === false ? null : new DominatorThread();
  try {
    options.onPhase?.('parse');
    const snapshot = await readSnapshotFile(path, options);
    const parseMs = performance.now() - start;
    const analysis = thread
      ? await analyzeInParallel(snapshot, thread, options.onPhase)
      : analyzeSnapshot(snapshot, options.onPhase);
    return { ...analysis, parseMs, totalMs: performance.now() - start };
  } finally {
    await thread?.dispose();
  }
}
