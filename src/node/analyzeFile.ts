/** Reads a .heapsnapshot file in chunks straight into the streaming parser, then analyzes it. */
import { createReadStream, promises as fs } from 'node:fs';
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
  const { size } = await fs.stat(path);
  const parser = new SnapshotParser({
    expectedBytes: size,
    onProgress: options.onProgress ? (read) => options.onProgress?.(read, size) : undefined,
  });
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream) parser.write(chunk as Buffer);
  } finally {
    stream.destroy();
  }
  return parser.end();
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
