/** Reads a .heapsnapshot file in chunks straight into the streaming parser, then analyzes it. */
import { createReadStream, promises as fs } from 'node:fs';
import { analyzeSnapshot, type HeapAnalysis } from '../heap/analysis';
import { SnapshotParser } from '../heap/parser';
import type { HeapSnapshot } from '../heap/snapshot';

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

export async function analyzeFile(path: string, options: FileProgress = {}): Promise<FileAnalysis> {
  const start = performance.now();
  options.onPhase?.('parse');
  const snapshot = await readSnapshotFile(path, options);
  const parseMs = performance.now() - start;
  const analysis = analyzeSnapshot(snapshot, options.onPhase);
  return { ...analysis, parseMs, totalMs: performance.now() - start };
}
