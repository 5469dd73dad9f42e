/**
 * The analysis on two threads: retainers and dominators (the longest chain) in a second
 * thread, DOM state, storage attribution, distances and class names here. Same results as
 * analyzeSnapshot, which the tests compare against DevTools.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  distancesOf,
  prepareEdges,
  prepareSizes,
  type HeapAnalysis,
  type PhaseListener,
} from '../heap/analysis';
import { buildClassTable, type ClassAggregate } from '../heap/classes';
import type { Dominators } from '../heap/dominators';
import type { EdgeGraph, Retainers } from '../heap/retainers';
import type { EssentialRules } from '../heap/edgeRules';
import type { EdgeSectionJob } from '../heap/parser';
import type { HeapSnapshot } from '../heap/snapshot';
import type { EdgeSectionOutcome } from '../node/edgeSection';

export type DominatorRequest =
  | { type: 'edges'; path: string; job: EdgeSectionJob }
  | { type: 'graph'; graph: EdgeGraph }
  | { type: 'essential'; rules: EssentialRules }
  | { type: 'sizes'; selfSize: Float64Array }
  | { type: 'classes'; classOf: Uint32Array; classCount: number; distances: Int32Array };

export type DominatorReply =
  | { type: 'edges'; outcome: EdgeSectionOutcome }
  | {
      type: 'done';
      retainers: Retainers;
      essential: Uint8Array;
      dominators: Dominators;
      classAggregates: ClassAggregate[];
      ms: number;
    }
  | { type: 'error'; message: string };

type Done = Extract<DominatorReply, { type: 'done' }>;

/**
 * The second analysis thread. Start it early (before parsing) so its start-up is hidden; it
 * can read a file's "edges" section while this thread parses the rest.
 */
export class DominatorThread {
  private readonly worker: Worker;
  private readonly failed: Promise<never>;
  private edgesReply: ((outcome: EdgeSectionOutcome) => void) | null = null;
  private doneReply: ((m: Done) => void) | null = null;

  constructor(scriptPath = path.join(__dirname, 'dominatorThread.js')) {
    // The thread makes little JavaScript garbage: a small young generation keeps its heap small.
    this.worker = new Worker(scriptPath, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    this.failed = new Promise<never>((_, reject) => {
      this.worker.on('message', (m: DominatorReply) => {
        if (m.type === 'edges') this.edgesReply?.(m.outcome);
        else if (m.type === 'done') this.doneReply?.(m);
        else reject(new Error(`Analysis thread failed: ${m.message}`));
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`Analysis thread exited (code ${code})`)));
    });
    this.failed.catch(() => undefined);
  }

  /** Reads the "edges" section of the file at `filePath` into the job's shared arrays. */
  readEdges(filePath: string, job: EdgeSectionJob): Promise<EdgeSectionOutcome> {
    const reply = new Promise<EdgeSectionOutcome>((resolve) => (this.edgesReply = resolve));
    this.post({ type: 'edges', path: filePath, job });
    return Promise.race([reply, this.failed]);
  }

  /** Hands over the graph; the thread counts retainers right away. */
  start(s: HeapSnapshot): void {
    const graph: EdgeGraph = {
      nodeCount: s.nodeCount,
      edgeCount: s.edgeCount,
      firstEdge: s.firstEdge,
      edgeTarget: s.edgeTarget,
      edgeType: s.edgeType,
      edgeKinds: s.edgeKinds,
      rootOrdinal: s.rootOrdinal,
    };
    this.post({ type: 'graph', graph });
  }

  /** With the essential-edge rules, the thread fills the retainers (deciding each edge) and computes the dominator tree. */
  dominate(rules: EssentialRules): void {
    this.post({ type: 'essential', rules });
  }

  /** Once self sizes are final (storage attribution), the thread adds up retained sizes. */
  retainedSizes(selfSize: Float64Array): void {
    this.post({ type: 'sizes', selfSize });
  }

  /**
   * With every node's class and distance, the thread sums per-class aggregates over the
   * dominator tree (in memory the tree left over) and replies with everything it computed.
   */
  aggregate(classOf: Uint32Array, classCount: number, distances: Int32Array): Promise<Done> {
    const reply = new Promise<Done>((resolve) => (this.doneReply = resolve));
    this.post({ type: 'classes', classOf, classCount, distances });
    return Promise.race([reply, this.failed]);
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }

  private post(m: DominatorRequest): void {
    this.worker.postMessage(m);
  }
}

/**
 * Full analysis with `thread` doing retainers, dominators, retained sizes and the class
 * aggregates (which need the dominator tree). Disposes the thread.
 */
export async function analyzeInParallel(
  snapshot: HeapSnapshot,
  thread: DominatorThread,
  onPhase?: PhaseListener,
): Promise<HeapAnalysis> {
  try {
    const t0 = performance.now();
    thread.start(snapshot);
    onPhase?.('retainers');
    const { ephemerons, rules } = prepareEdges(snapshot);
    thread.dominate(rules);
    prepareSizes(snapshot);
    thread.retainedSizes(snapshot.selfSize);
    onPhase?.('distances');
    const distances = distancesOf(snapshot, ephemerons);
    const indexMs = performance.now() - t0;
    onPhase?.('classes');
    const t1 = performance.now();
    const classTable = buildClassTable(snapshot);
    const classesMs = performance.now() - t1;
    onPhase?.('dominators');
    const { retainers, essential, dominators, classAggregates, ms } = await thread.aggregate(
      classTable.classOf,
      classTable.classes.length,
      distances,
    );
    return {
      snapshot,
      retainers,
      essential,
      distances,
      dominator: dominators.dominator,
      retainedSize: dominators.retainedSize,
      classTable,
      classAggregates,
      timings: { indexMs, dominatorsMs: ms, classesMs },
    };
  } finally {
    await thread.dispose();
  }
}
