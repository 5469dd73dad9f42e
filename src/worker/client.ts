/** Promise-based client for heapWorker: have it read a file, or feed chunks with back-pressure; then query. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HeapSnapshotError } from '../heap/errors';

export { HeapSnapshotError };
import type { PhaseMarks } from '../heap/phaseMarks';
import type { LeakFindings, LeakOptions } from '../heap/verdict';
import type { HeapSummary } from '../heap/summary';
import type { ClosureMatch } from '../heap/functions';
import type { ObjectSummary, RetainerPath } from '../report/types';
import type { CallSample, ClassRow, FromWorker, LoadInfo, NodeDetails, SlotName, ToWorker } from './protocol';

/** Chunks posted but not yet parsed; bounds the memory a fast reader can queue up. */
const MAX_IN_FLIGHT = 4;

export interface WorkerProgress {
  (phase: string, bytes: number, slot: SlotName): void;
}

type Request = ToWorker extends infer T ? (T extends { seq: number } ? Omit<T, 'seq'> : never) : never;

export class HeapWorker {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
  private readonly acks: Promise<unknown>[] = [];
  private error: Error | null = null;
  private exited: Error | null = null;

  constructor(
    private readonly onProgress?: WorkerProgress,
    /** Total input size when known: lets an impossible header fail at once. */
    private readonly expectedBytes?: number,
    scriptPath = path.join(__dirname, 'heapWorker.js'),
  ) {
    this.worker = new Worker(scriptPath);
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (e) => this.abort(e));
    this.worker.on('exit', (code) => this.abort(new Error(`The heap worker stopped (exit code ${code})`)));
  }

  /**
   * Has the worker read a file into a slot (V8's layout with two parsers) and, with `analyze`,
   * build every index; else it is only parsed, for id lookups. An abort stops the worker at
   * its next chunk or phase: the promise then rejects with an AbortError, and the worker is
   * idle and still usable.
   */
  async loadFile(file: string, slot: SlotName = 'main', analyze = true, signal?: AbortSignal): Promise<LoadInfo> {
    if (this.error) throw this.error;
    signal?.throwIfAborted();
    const cancel = () => void this.request({ type: 'cancel', slot }).catch(() => undefined);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const m = await this.request({ type: 'file', slot, path: file, analyze });
      if (m.type !== 'loaded') throw new Error(`Unexpected reply ${m.type}`);
      return m.info;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Sends one chunk; resolves once few enough chunks are waiting in the worker. */
  async write(data: Uint8Array | string, slot: SlotName = 'main'): Promise<void> {
    if (this.error) throw this.error;
    const ack = this.request({ type: 'chunk', slot, data, expectedBytes: this.expectedBytes });
    ack.catch(() => undefined); // Awaited later; keep an early failure from counting as unhandled.
    this.acks.push(ack);
    if (this.acks.length >= MAX_IN_FLIGHT) await this.acks.shift();
  }

  /** Finishes a snapshot; `analyze` builds every index (else it is only parsed, for id lookups). */
  async end(slot: SlotName = 'main', analyze = true): Promise<LoadInfo> {
    await Promise.all(this.acks.splice(0));
    if (this.error) throw this.error;
    const m = await this.request({ type: 'end', slot, analyze });
    if (m.type !== 'loaded') throw new Error(`Unexpected reply ${m.type}`);
    return m.info;
  }

  async summary(top: number, slot: SlotName = 'main'): Promise<HeapSummary> {
    const m = await this.request({ type: 'summary', slot, top });
    if (m.type !== 'summary') throw new Error(`Unexpected reply ${m.type}`);
    return m.summary;
  }

  async node(id: number, retainers = 50, slot: SlotName = 'main'): Promise<NodeDetails | null> {
    const m = await this.request({ type: 'node', slot, id, retainers });
    if (m.type !== 'node') throw new Error(`Unexpected reply ${m.type}`);
    return m.node;
  }

  /** Classes by retained size (at most `limit`) with the ids `classObjects` takes, and how many there are. */
  async classes(limit: number, slot: SlotName = 'main'): Promise<{ classes: ClassRow[]; total: number }> {
    const m = await this.request({ type: 'classes', slot, limit });
    if (m.type !== 'classes') throw new Error(`Unexpected reply ${m.type}`);
    return { classes: m.classes, total: m.total };
  }

  /** The `top` objects of one class with the largest retained size. */
  async classObjects(classId: number, top: number, slot: SlotName = 'main'): Promise<ObjectSummary[]> {
    const m = await this.request({ type: 'classObjects', slot, classId, top });
    if (m.type !== 'classObjects') throw new Error(`Unexpected reply ${m.type}`);
    return m.objects;
  }

  /** One object's shortest path from a GC root; null when no object has this id. */
  async rootPath(id: number, slot: SlotName = 'main'): Promise<{ object: ObjectSummary; path: RetainerPath } | null> {
    const m = await this.request({ type: 'rootPath', slot, id });
    if (m.type !== 'rootPath') throw new Error(`Unexpected reply ${m.type}`);
    return m.found;
  }

  /** The leak verdict across three loaded snapshots (target analyzed, the others parsed). */
  async leaks(
    baseline: SlotName,
    target: SlotName,
    final: SlotName,
    options: LeakOptions,
  ): Promise<{ findings: LeakFindings; scripts: Record<string, string>; ms: number }> {
    const m = await this.request({ type: 'leaks', baseline, target, final, options });
    if (m.type !== 'leaks') throw new Error(`Unexpected reply ${m.type}`);
    return { findings: m.findings, scripts: m.scripts, ms: m.ms };
  }

  /**
   * The leak verdict from one analyzed snapshot taken after the calls, its two phases told by
   * the run's marks and the heap walks seen while tracking (heap/phaseMarks.ts).
   */
  async phaseLeaks(
    slot: SlotName,
    marks: PhaseMarks,
    options: LeakOptions,
  ): Promise<{ findings: LeakFindings; scripts: Record<string, string>; samples: CallSample[]; ms: number }> {
    const m = await this.request({ type: 'phaseLeaks', slot, marks, options });
    if (m.type !== 'phaseLeaks') throw new Error(`Unexpected reply ${m.type}`);
    return { findings: m.findings, scripts: m.scripts, samples: m.samples, ms: m.ms };
  }

  /** Closures with this name; those in `file`'s scripts first when a file is given. */
  async closuresNamed(slot: SlotName, name: string, file?: string): Promise<{ matches: ClosureMatch[]; scriptIds: number[] }> {
    const m = await this.request({ type: 'closuresNamed', slot, name, file });
    if (m.type !== 'closures') throw new Error(`Unexpected reply ${m.type}`);
    return { matches: m.matches, scriptIds: m.scriptIds };
  }

  /** Closures whose code starts on a source line (0-based) of a file, in a loaded snapshot. */
  async closuresAt(slot: SlotName, file: string, line: number, column?: number): Promise<{ matches: ClosureMatch[]; scriptIds: number[] }> {
    const m = await this.request({ type: 'closures', slot, file, line, column });
    if (m.type !== 'closures') throw new Error(`Unexpected reply ${m.type}`);
    return { matches: m.matches, scriptIds: m.scriptIds };
  }

  /** The snapshot's scripts (id → name) and every located closure of `scriptIds` (none for []). */
  async scriptClosures(slot: SlotName, scriptIds: number[]): Promise<{ scripts: Record<string, string>; matches: ClosureMatch[] }> {
    const m = await this.request({ type: 'scriptClosures', slot, scriptIds });
    if (m.type !== 'scriptClosures') throw new Error(`Unexpected reply ${m.type}`);
    return { scripts: m.scripts, matches: m.matches };
  }

  async release(slot: SlotName): Promise<void> {
    await this.request({ type: 'release', slot });
  }

  async dispose(): Promise<void> {
    this.exited ??= new Error('The heap worker was disposed');
    await this.worker.terminate();
  }

  private request(message: Request): Promise<FromWorker> {
    if (this.exited) return Promise.reject(this.exited);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...message, seq });
    });
  }

  private receive(m: FromWorker): void {
    if (m.type === 'progress') {
      this.onProgress?.(m.phase, m.bytes, m.slot);
      return;
    }
    if (m.type === 'error' && m.kind === 'cancelled') {
      const p = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      p?.reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
      return;
    }
    if (m.type === 'error' && m.kind === 'query') {
      // One query failed: only its caller hears of it.
      const p = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      p?.reject(new Error(`Heap worker: ${m.message}`));
      return;
    }
    if (m.type === 'error') {
      const error =
        m.offset >= 0
          ? new HeapSnapshotError(m.message, m.offset)
          : new Error(`Heap worker: ${m.message}`);
      this.error = error;
      // A snapshot could not be read: fail every waiter (the chunk that broke, later chunks, end).
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      return;
    }
    const p = this.pending.get(m.seq);
    if (!p) return;
    this.pending.delete(m.seq);
    p.resolve(m);
  }

  private abort(e: Error): void {
    if (this.exited) return;
    this.exited = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** Reads and analyzes a file in a new worker; the worker stays alive for queries. */
export async function loadFileInWorker(
  file: string,
  onProgress?: (phase: string, bytes: number, total: number) => void,
  signal?: AbortSignal,
): Promise<{ worker: HeapWorker; info: LoadInfo }> {
  const { size } = await fs.stat(file);
  const worker = new HeapWorker(onProgress ? (phase, bytes) => onProgress(phase, bytes, size) : undefined);
  try {
    const info = await worker.loadFile(file, 'main', true, signal);
    return { worker, info };
  } catch (e) {
    await worker.dispose();
    throw e;
  }
}
