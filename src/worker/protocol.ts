/** Messages between the heap worker and its clients (extension host, CLI, profiler). */
import type { PhaseMarks } from '../heap/phaseMarks';
import type { AnalysisTimings } from '../heap/analysis';
import type { LeakFindings, LeakOptions } from '../heap/verdict';
import type { HeapSummary, RetainerSummary } from '../heap/summary';
import type { ObjectSummary, RetainerPath } from '../report/types';
import type { ClassRow } from '../heap/classObjects';
import type { ClosureMatch } from '../heap/functions';

/** A worker holds several snapshots by name ("main", or "baseline"/"target"/"final"). */
export type SlotName = string;

export type ToWorker =
  | { type: 'chunk'; seq: number; slot: SlotName; data: Uint8Array | string; expectedBytes?: number }
  | { type: 'end'; seq: number; slot: SlotName; analyze: boolean }
  /** Reads a file by path (two threads for V8's layout), then as `end`. */
  | { type: 'file'; seq: number; slot: SlotName; path: string; analyze: boolean }
  /**
   * Stops reading or analyzing a file into this slot; that load then fails as `cancelled`
   * (a cancel that comes after the load finished is ignored). A second file load into a slot
   * still loading stops the first the same way.
   */
  | { type: 'cancel'; seq: number; slot: SlotName }
  | { type: 'summary'; seq: number; slot: SlotName; top: number }
  | { type: 'node'; seq: number; slot: SlotName; id: number; retainers: number }
  /** For a snapshot browser: classes with ids, one class's largest objects, one object's path from a root. */
  | { type: 'classes'; seq: number; slot: SlotName; limit: number }
  | { type: 'classObjects'; seq: number; slot: SlotName; classId: number; top: number }
  | { type: 'rootPath'; seq: number; slot: SlotName; id: number }
  | { type: 'leaks'; seq: number; baseline: SlotName; target: SlotName; final: SlotName; options: LeakOptions }
  /** One analyzed snapshot whose phases are told by the run's marks and heap walks (heap/phaseMarks.ts). */
  | { type: 'phaseLeaks'; seq: number; slot: SlotName; marks: PhaseMarks; options: LeakOptions }
  | { type: 'release'; seq: number; slot: SlotName }
  | { type: 'closures'; seq: number; slot: SlotName; file: string; line: number; column?: number }
  | { type: 'closuresNamed'; seq: number; slot: SlotName; name: string; file?: string }
  /** The snapshot's scripts (id → name) and, for `scriptIds`, every located closure in them. */
  | { type: 'scriptClosures'; seq: number; slot: SlotName; scriptIds: number[] };

export type FromWorker =
  | { type: 'ack'; seq: number }
  | { type: 'loaded'; seq: number; info: LoadInfo }
  | { type: 'summary'; seq: number; summary: HeapSummary }
  | { type: 'node'; seq: number; node: NodeDetails | null }
  | { type: 'classes'; seq: number; classes: ClassRow[]; total: number }
  | { type: 'classObjects'; seq: number; objects: ObjectSummary[] }
  | { type: 'rootPath'; seq: number; found: { object: ObjectSummary; path: RetainerPath } | null }
  | { type: 'leaks'; seq: number; findings: LeakFindings; scripts: Record<string, string>; ms: number }
  | { type: 'phaseLeaks'; seq: number; findings: LeakFindings; scripts: Record<string, string>; samples: CallSample[]; ms: number }
  | { type: 'closures'; seq: number; matches: ClosureMatch[]; scriptIds: number[] }
  | { type: 'scriptClosures'; seq: number; scripts: Record<string, string>; matches: ClosureMatch[] }
  | { type: 'progress'; slot: SlotName; phase: string; bytes: number }
  /**
   * `load`: reading a snapshot failed (the slot is unusable); `query`: one request failed;
   * `cancelled`: a file load stopped on request (the worker is idle and usable).
   */
  | { type: 'error'; seq: number; slot: SlotName; kind: 'load' | 'query' | 'cancelled'; message: string; offset: number };

/** Bytes the first `call` calls left alive at the end (cumulative). */
export interface CallSample {
  call: number;
  usedBytes: number;
}

export interface LoadInfo {
  nodeCount: number;
  edgeCount: number;
  byteLength: number;
  parseMs: number;
  /** A file load whose edges the second thread read while this one parsed the rest (V8's layout). */
  edgesReadApart?: boolean;
  /** Absent when the snapshot was only parsed (no indexes). */
  timings?: AnalysisTimings;
}

export interface NodeDetails {
  object: ObjectSummary;
  retainers: RetainerSummary[];
}

// What the views read from the worker's answers, so they need not reach into the engine.
export type { HeapSummary, RetainerSummary } from '../heap/summary';
export type { ClassRow } from '../heap/classObjects';
