/**
 * The analysis on two threads: retainers, essential edges, the dominator tree and retained
 * sizes (the longest chain) in a second thread; edge rules, storage attribution, class names,
 * distances and class counts here (what needs the strings); the class walk shared. Same
 * results as analyzeSnapshot, which the tests compare against DevTools.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  assembleAnalysis,
  distancesOf,
  prepareEdgeRules,
  prepareSizes,
  type HeapAnalysis,
  type PhaseListener,
} from '../heap/analysis';
import { addInto, buildClassTable, classWalkInput, countClasses, walkSharedSubtrees, withRetainedSizes, type SharedSubtrees } from '../heap/classes';
import type { Dominators } from '../heap/dominators';
import { essentialBits, markEssentialEdges, splitNodeAt, type EphemeronNames, type EssentialRules } from '../heap/edgeRules';
import type { EdgeGraph, Retainers } from '../heap/retainers';
import type { EdgeSectionJob } from '../heap/parser';
import type { HeapSnapshot } from '../heap/snapshot';
import type { EdgeSectionOutcome } from '../snapshotFiles/edgeSection';

/**
 * The main thread's share of the essential-edge marking: it would otherwise wait for the
 * thread at the end, while the thread's chain (marking, DFS, fill, Lengauer–Tarjan) is the
 * longer one. Measured on the 259 MB bench heap: the main thread idled 70 ms with none.
 */
const MAIN_THREAD_MARKS = 0.4;

export type DominatorRequest =
  | { type: 'edges'; path: string; job: EdgeSectionJob }
  | { type: 'graph'; graph: EdgeGraph; edgesReadHere: boolean }
  | { type: 'rules'; rules: EssentialRules; essential: Uint8Array; split: number; mainMarked: Int32Array }
  | { type: 'sizes'; selfSize: Float64Array }
  | { type: 'classes'; classOf: Uint32Array; classCount: number };

export type DominatorReply =
  | { type: 'edges'; outcome: EdgeSectionOutcome }
  | { type: 'retainers'; retainers: Retainers }
  | { type: 'shared'; shared: SharedSubtrees; retainedSize: Float64Array; dominated: { first: Uint32Array; nodes: Uint32Array } }
  | { type: 'done'; dominators: Dominators; retainedByClass: Float64Array; ms: number }
  | { type: 'error'; message: string };

type Done = Extract<DominatorReply, { type: 'done' }>;
type Shared = Extract<DominatorReply, { type: 'shared' }>;

/**
 * The second analysis thread. Start it early (before parsing) so its start-up is hidden; it
 * can read a file's "edges" section while this thread parses the rest. The steps of the
 * analysis are messages, sent in order (see analyzeInParallel).
 */
export class DominatorThread {
  private readonly worker: Worker;
  private readonly failed: Promise<never>;
  private readonly waiting = new Map<DominatorReply['type'], (m: DominatorReply) => void>();
  /** The edge array the thread read the edges into (it counts their targets right after). */
  private edgesReadInto: Uint32Array | null = null;

  constructor(scriptPath = path.join(__dirname, 'dominatorThread.js')) {
    // The thread makes little JavaScript garbage: a small young generation keeps its heap small.
    this.worker = new Worker(scriptPath, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    this.failed = new Promise<never>((_, reject) => {
      this.worker.on('message', (m: DominatorReply) => {
        if (m.type === 'error') reject(new Error(`Analysis thread failed: ${m.message}`));
        else this.waiting.get(m.type)?.(m);
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`Analysis thread exited (code ${code})`)));
    });
    this.failed.catch(() => undefined);
  }

  /** Reads the "edges" section of the file at `filePath` into the job's shared arrays. */
  async readEdges(filePath: string, job: EdgeSectionJob): Promise<EdgeSectionOutcome> {
    const reply = this.reply('edges');
    this.post({ type: 'edges', path: filePath, job });
    const { outcome } = await reply;
    this.edgesReadInto = outcome.type === 'read' ? job.edgeTarget : null;
    return outcome;
  }

  /** Whether `s`'s edges are the ones this thread read (not those of one parser reading it all after all). */
  readEdgesOf(s: HeapSnapshot): boolean {
    return s.edgeTarget === this.edgesReadInto;
  }

  /** Hands over the graph; the thread counts retainers. */
  start(s: HeapSnapshot): void {
    const graph: EdgeGraph = {
      nodeCount: s.nodeCount,
      edgeCount: s.edgeCount,
      firstEdge: s.firstEdge,
      edgeTarget: s.edgeTarget,
      edgeType: s.edgeType,
      edgeKinds: s.edgeKinds,
      rootOrdinal: s.rootOrdinal,
      graphMemory: s.graphMemory,
    };
    // The thread's counts hold only if this graph's edges are the ones it read (not those of a
    // whole-file parse after all).
    this.post({ type: 'graph', graph, edgesReadHere: this.readEdgesOf(s) });
  }

  /**
   * With the edge rules, the thread marks the essential edges of nodes from `split` on while
   * this thread marks those before it (markEssentialEdges, then signal with
   * `marked`); then the thread runs the dominator DFS, fills the retainers (they come back)
   * and finishes the dominator tree.
   */
  dominate(s: HeapSnapshot, rules: EssentialRules): { essential: Uint8Array; split: number; marked: () => void; retainers: Promise<Retainers> } {
    const essential = essentialBits(s);
    const split = splitNodeAt(s, MAIN_THREAD_MARKS);
    const mainMarked = new Int32Array(new SharedArrayBuffer(4));
    const retainers = this.reply('retainers').then((m) => m.retainers);
    // Awaited only at the end: if the analysis fails or is cancelled first, the thread is
    // disposed of and this rejects with nobody listening, which must not end the process.
    retainers.catch(() => undefined);
    this.post({ type: 'rules', rules, essential, split, mainMarked });
    const marked = () => {
      Atomics.store(mainMarked, 0, 1);
      Atomics.notify(mainMarked, 0);
    };
    return { essential, split, marked, retainers };
  }

  /** Once self sizes are final (storage attribution), the thread adds up retained sizes. */
  retainedSizes(selfSize: Float64Array): void {
    this.post({ type: 'sizes', selfSize });
  }

  /**
   * With every node's class, the thread sums retained sizes per class over the dominator tree
   * (in memory the tree left over). Of the subtrees it shares (`shared`), this thread walks
   * those it claims (walkSharedSubtrees); `done` has the sums of the rest, and the tree.
   */
  classRetainedSizes(classOf: Uint32Array, classCount: number): { shared: Promise<Shared>; done: Promise<Done> } {
    const shared = this.reply('shared');
    const done = this.reply('done');
    this.post({ type: 'classes', classOf, classCount });
    return { shared, done };
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }

  private reply<T extends DominatorReply['type']>(type: T): Promise<Extract<DominatorReply, { type: T }>> {
    const reply = new Promise<Extract<DominatorReply, { type: T }>>((resolve) =>
      this.waiting.set(type, resolve as (m: DominatorReply) => void),
    );
    const replyOrFailure = Promise.race([reply, this.failed]);
    // A reply may be awaited late, or never (when the caller fails first and disposes the
    // thread): its rejection must not count as unhandled. Who awaits it still gets it.
    replyOrFailure.catch(() => undefined);
    return replyOrFailure;
  }

  private post(m: DominatorRequest): void {
    this.worker.postMessage(m);
  }
}

/**
 * Full analysis with `thread`: it counts retainers while this thread settles the edge rules;
 * with them, it marks the essential edges, runs the dominator DFS, fills the retainers and
 * finishes the tree while this thread attributes storage and computes class names and
 * distances; then it sums retained sizes, and retained sizes per class, with this thread
 * joining that walk once done with class counts. Disposes the thread.
 */
export async function analyzeInParallel(
  snapshot: HeapSnapshot,
  thread: DominatorThread,
  options: { onPhase?: PhaseListener; ephemerons?: EphemeronNames } = {},
): Promise<HeapAnalysis> {
  const onPhase = options.onPhase;
  try {
    const t0 = performance.now();
    thread.start(snapshot);
    onPhase?.('retainers');
    const { ephemerons, rules } = prepareEdgeRules(snapshot, options.ephemerons);
    const dominating = thread.dominate(snapshot, rules);
    try {
      markEssentialEdges(snapshot, rules, dominating.essential, 0, dominating.split);
    } finally {
      // Even on a failure: the thread must not wait for good (it is disposed of anyway).
      dominating.marked();
    }
    // Needs no edge bits.
    prepareSizes(snapshot);
    thread.retainedSizes(snapshot.selfSize);
    // Class names before distances: the thread's class walk needs them as soon as it has the
    // tree, and distances are needed only here.
    onPhase?.('classes');
    const t1 = performance.now();
    const classTable = buildClassTable(snapshot);
    const classesMs = performance.now() - t1;
    const { classOf, classes } = classTable;
    const walk = thread.classRetainedSizes(classOf, classes.length);
    onPhase?.('distances');
    const distances = distancesOf(snapshot, ephemerons);
    const indexMs = performance.now() - t0 - classesMs;
    onPhase?.('dominators');
    const counts = countClasses(snapshot, classOf, classes.length, distances);
    const { shared, retainedSize, dominated } = await walk.shared;
    const walkedHere = walkSharedSubtrees(classWalkInput(snapshot, classOf, classes.length, retainedSize, dominated), shared);
    const { dominators, retainedByClass, ms } = await walk.done;
    const essential = dominating.essential;
    const retainers = await dominating.retainers;
    const classAggregates = withRetainedSizes(counts, addInto(retainedByClass, walkedHere));
    return assembleAnalysis(
      snapshot,
      { retainers, essential, distances, dominators, classTable, classAggregates },
      { indexMs, dominatorsMs: ms, classesMs },
    );
  } finally {
    await thread.dispose();
  }
}
