/**
 * The analysis on two threads: retainers and dominators (the longest chain) in a second
 * thread, DOM state, storage attribution, distances and class names here. Same results as
 * analyzeSnapshot, which the tests compare against DevTools.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { completeAnalysis, prepareGraph, type HeapAnalysis, type PhaseListener } from '../heap/analysis';
import { buildClassTable } from '../heap/classes';
import { computeDistances } from '../heap/distances';
import type { Dominators } from '../heap/dominators';
import type { EdgeGraph, Retainers } from '../heap/retainers';
import type { HeapSnapshot } from '../heap/snapshot';

export type DominatorRequest =
  | { type: 'graph'; graph: EdgeGraph }
  | { type: 'dominate'; essential: Uint8Array; selfSize: Float64Array };

export type DominatorReply =
  | { type: 'done'; retainers: Retainers; dominators: Dominators; ms: number }
  | { type: 'error'; message: string };

/** A started second thread; start it early (before parsing) so its start-up is hidden. */
export class DominatorThread {
  private readonly worker: Worker;
  private readonly reply: Promise<Extract<DominatorReply, { type: 'done' }>>;

  constructor(scriptPath = path.join(__dirname, 'dominatorThread.js')) {
    this.worker = new Worker(scriptPath);
    this.reply = new Promise((resolve, reject) => {
      this.worker.once('message', (m: DominatorReply) =>
        m.type === 'done' ? resolve(m) : reject(new Error(`Dominator thread failed: ${m.message}`)),
      );
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`Dominator thread exited (code ${code})`)));
    });
    this.reply.catch(() => undefined);
  }

  /** Hands over the graph; the thread builds retainers right away. */
  start(s: HeapSnapshot): void {
    const graph: EdgeGraph = {
      nodeCount: s.nodeCount,
      edgeCount: s.edgeCount,
      firstEdge: s.firstEdge,
      edgeTarget: s.edgeTarget,
      rootOrdinal: s.rootOrdinal,
    };
    this.post({ type: 'graph', graph });
  }

  dominate(essential: Uint8Array, selfSize: Float64Array): Promise<Extract<DominatorReply, { type: 'done' }>> {
    this.post({ type: 'dominate', essential, selfSize });
    return this.reply;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }

  private post(m: DominatorRequest): void {
    this.worker.postMessage(m);
  }
}

/** Full analysis with `thread` doing retainers and dominators. Disposes the thread. */
export async function analyzeInParallel(
  snapshot: HeapSnapshot,
  thread: DominatorThread,
  onPhase?: PhaseListener,
): Promise<HeapAnalysis> {
  try {
    const t0 = performance.now();
    thread.start(snapshot);
    onPhase?.('retainers');
    const { ephemerons, essential } = prepareGraph(snapshot);
    const pending = thread.dominate(essential, snapshot.selfSize);
    onPhase?.('distances');
    const distances = computeDistances(snapshot, ephemerons);
    const indexMs = performance.now() - t0;
    onPhase?.('classes');
    const t1 = performance.now();
    const classTable = buildClassTable(snapshot);
    const classesMs = performance.now() - t1;
    onPhase?.('dominators');
    const { retainers, dominators, ms } = await pending;
    return completeAnalysis(
      snapshot,
      { retainers, essential, distances, dominators, classTable },
      { indexMs, dominatorsMs: ms, classesMs },
    );
  } finally {
    await thread.dispose();
  }
}
