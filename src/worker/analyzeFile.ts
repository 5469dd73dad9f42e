/** Reads a .heapsnapshot file in chunks straight into the streaming parser, then analyzes it. */
import { promises as fs } from 'node:fs';
import { analyzeSnapshot, type HeapAnalysis } from '../heap/analysis';
import { EphemeronNames } from '../heap/edgeRules';
import { HeapSnapshotError } from '../heap/errors';
import { SnapshotParser, type EdgeSectionJob } from '../heap/parser';
import type { HeapSnapshot } from '../heap/snapshot';
import type { StringTable } from '../heap/stringTable';
import { analyzeInParallel, DominatorThread } from './parallel';
import type { EdgeSectionOutcome } from '../snapshotFiles/edgeSection';
import { readChunks } from '../snapshotFiles/readChunks';
import { lastOffsetWithRows } from '../snapshotFiles/rowLayout';

export interface FileProgress {
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  onPhase?: (phase: string) => void;
  /** As ParserOptions.graphMemory: false keeps the dominator tree in JavaScript (the tests compare the two). */
  graphMemory?: boolean;
}

export interface FileAnalysis extends HeapAnalysis {
  readonly parseMs: number;
  readonly totalMs: number;
}

export interface ReadOptions extends FileProgress {
  /** Reads the "edges" section on this thread while the main thread parses the rest. */
  edgeThread?: DominatorThread;
  /**
   * Called as soon as this thread has parsed the strings (and all else but the edges), while
   * the edge thread may still be reading: work that needs only the strings overlaps it. If
   * one parser must then read the file again after all, it is called again with that parse's
   * table: its last call is with the returned snapshot's.
   */
  withStrings?: (strings: StringTable) => void;
}

export async function readSnapshotFile(path: string, options: ReadOptions = {}): Promise<HeapSnapshot> {
  const thread = options.edgeThread;
  const size = (await fs.stat(path)).size;
  const readByOneParser = async () => withStrings(await feedFile(path, size, newParser(size, options)), options);
  if (!thread) return readByOneParser();
  let edges: Promise<EdgeSectionOutcome> | null = null;
  const parser = newParser(size, options, (job) => {
    edges = thread.readEdges(path, job);
    // Not awaited when this thread fails first for another reason (or is cancelled): its
    // rejection, once the thread is disposed, must not count as unhandled.
    edges.catch(() => undefined);
  });
  let snapshot: HeapSnapshot;
  try {
    snapshot = withStrings(await feedFile(path, size, parser), options);
  } catch (e) {
    // Past the edges section, the thread may have found an earlier problem inside it: report
    // the first in the file, as a single parser would.
    if (edges && e instanceof HeapSnapshotError && parser.edgesAt >= 0 && e.offset > parser.edgesAt) {
      const outcome = await (edges as Promise<EdgeSectionOutcome>);
      if (outcome.type === 'error' && outcome.offset <= e.offset) throw new HeapSnapshotError(outcome.problem, outcome.offset);
      // This thread jumped over the edges and did not land where they end (not V8's layout):
      // what it saw after the jump says nothing; one parser reads the file and says what is wrong.
      if (outcome.type === 'read' && outcome.result.sectionEnd !== parser.edgesEnd) {
        return readByOneParser();
      }
    }
    throw e;
  }
  const outcome = await (edges as Promise<EdgeSectionOutcome> | null);
  if (outcome?.type === 'error') throw new HeapSnapshotError(outcome.problem, outcome.offset);
  // Not V8's layout after all (the thread found no edges key, or another one): one parser reads it all.
  if (
    outcome?.type !== 'read' ||
    outcome.result.sectionOffset !== parser.edgesAt ||
    outcome.result.sectionEnd !== parser.edgesEnd
  ) {
    return readByOneParser();
  }
  parser.checkEdgeSection(outcome.result);
  return snapshot;
}

function withStrings(snapshot: HeapSnapshot, options: ReadOptions): HeapSnapshot {
  options.withStrings?.(snapshot.strings);
  return snapshot;
}

function newParser(size: number, options: FileProgress, edgesElsewhere?: (job: EdgeSectionJob) => void): SnapshotParser {
  return new SnapshotParser({
    expectedBytes: size,
    graphMemory: options.graphMemory,
    onProgress: options.onProgress ? (read) => options.onProgress?.(read, size) : undefined,
    edgesElsewhere,
  });
}

async function feedFile(path: string, size: number, parser: SnapshotParser): Promise<HeapSnapshot> {
  const file = await fs.open(path, 'r');
  try {
    let jumped = false;
    await readChunks(file, 0, async (chunk, end) => {
      parser.write(chunk);
      // The edges being read by another thread: jump close to their end instead of reading them.
      const from = parser.skippingEdgesFrom;
      if (from < 0 || jumped) return;
      jumped = true;
      const target = await lastOffsetWithRows(file, Math.max(from, end), size, parser.edgeRowWidth);
      if (target <= end) return;
      parser.jumpTo(target);
      return target;
    });
    return parser.end();
  } finally {
    await file.close();
  }
}

/**
 * Reads a file with its edges on `thread` (V8's layout); with `forAnalysis`, WeakMap entry
 * names are classified meanwhile, since they need only the strings.
 */
export async function readWithEdgeThread(
  path: string,
  thread: DominatorThread,
  options: FileProgress & { forAnalysis: boolean },
): Promise<{ snapshot: HeapSnapshot; ephemerons?: EphemeronNames }> {
  let ephemerons: EphemeronNames | undefined;
  const snapshot = await readSnapshotFile(path, {
    ...options,
    edgeThread: thread,
    withStrings: options.forAnalysis ? (strings) => (ephemerons = new EphemeronNames({ strings })) : undefined,
  });
  return { snapshot, ephemerons };
}

/** Parse and analyze a file; with `parallel` (the default) a second thread reads the edges and computes dominators. */
export async function analyzeFile(path: string, options: FileProgress & { parallel?: boolean } = {}): Promise<FileAnalysis> {
  const start = performance.now();
  const thread = options.parallel === false ? null : new DominatorThread();
  try {
    options.onPhase?.('parse');
    const { snapshot, ephemerons } = thread
      ? await readWithEdgeThread(path, thread, { ...options, forAnalysis: true })
      : { snapshot: await readSnapshotFile(path, options), ephemerons: undefined };
    const parseMs = performance.now() - start;
    const analysis = thread
      ? await analyzeInParallel(snapshot, thread, { onPhase: options.onPhase, ephemerons })
      : analyzeSnapshot(snapshot, options.onPhase);
    return { ...analysis, parseMs, totalMs: performance.now() - start };
  } finally {
    await thread?.dispose();
  }
}
