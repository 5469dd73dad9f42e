/** Messages between the heap worker and its clients (extension host, CLI). */
import type { AnalysisTimings } from '../heap/analysis';
import type { HeapSummary, ObjectSummary, RetainerSummary } from '../heap/summary';

export type ToWorker =
  | { type: 'chunk'; seq: number; data: Uint8Array | string; expectedBytes?: number }
  | { type: 'end'; seq: number }
  | { type: 'summary'; seq: number; top: number }
  | { type: 'node'; seq: number; id: number; retainers: number };

export type FromWorker =
  | { type: 'ack'; seq: number }
  | { type: 'loaded'; seq: number; info: LoadInfo }
  | { type: 'summary'; seq: number; summary: HeapSummary }
  | { type: 'node'; seq: number; node: NodeDetails | null }
  | { type: 'progress'; phase: string; bytes: number }
  | { type: 'error'; seq: number; message: string; offset: number };

export interface LoadInfo {
  nodeCount: number;
  edgeCount: number;
  byteLength: number;
  parseMs: number;
  timings: AnalysisTimings;
}

export interface NodeDetails {
  object: ObjectSummary;
  retainers: RetainerSummary[];
}
