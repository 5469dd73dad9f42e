/**
 * Worker thread that owns snapshots by name: reads a file by path (the edges on a second
 * thread), or parses the chunks it is sent (straight from CDP), analyzes, then answers
 * queries — one snapshot's summary, one object's retainers, or the leak verdict across three.
 * Keeps heavy work off the extension host's and the CLI's main thread.
 */
import { parentPort } from 'node:worker_threads';
import type { HeapAnalysis } from '../heap/analysis';
import { HeapSnapshotError } from '../heap/errors';
import { bytesLeftPerCall, findMarks, phaseBoundaries } from '../heap/phaseMarks';
import { findLeaks, findLeaksInPhases } from '../heap/verdict';
import { SnapshotParser } from '../heap/parser';
import type { HeapSnapshot } from '../heap/snapshot';
import { describeNode, findNodeById, retainersOf, summarize } from '../heap/summary';
import { readWithEdgeThread } from './analyzeFile';
import { classRows, largestOfClass, pathFromRoot } from '../heap/classObjects';
import { findClosureMatches, findClosuresInScripts, findClosuresNamed, scriptIdsInSnapshot, scriptNamesInSnapshot } from '../heap/functions';
import { analyzeInParallel, DominatorThread } from './parallel';
import type { FromWorker, LoadInfo, SlotName, ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('heapWorker must run in a worker thread');

interface Slot {
  parser: SnapshotParser | null;
  snapshot: HeapSnapshot | null;
  analysis: HeapAnalysis | null;
  failed: boolean;
  /** A file load into this slot was asked to stop. */
  cancelled: boolean;
  started: number;
  lastProgress: number;
}

/** Thrown inside a file load once its slot is cancelled. */
class Cancelled extends Error {}

const slots = new Map<SlotName, Slot>();
const send = (m: FromWorker) => port.postMessage(m);

function newSlot(name: SlotName): Slot {
  const slot: Slot = { parser: null, snapshot: null, analysis: null, failed: false, cancelled: false, started: performance.now(), lastProgress: 0 };
  slots.set(name, slot);
  return slot;
}

function slotFor(name: SlotName): Slot {
  return slots.get(name) ?? newSlot(name);
}

/** Parse progress, at most every 200 ms. */
function reportParsed(slot: Slot, name: SlotName, bytes: number): void {
  const now = performance.now();
  if (now - slot.lastProgress > 200) {
    slot.lastProgress = now;
    send({ type: 'progress', slot: name, phase: 'parse', bytes });
  }
}

function stopIfCancelled(slot: Slot): void {
  if (slot.cancelled) throw new Cancelled('cancelled');
}

/** Reads a file into a new slot with two parsers (the edges on the analysis thread), then analyzes it there too. */
async function loadFile(name: SlotName, file: string, analyze: boolean): Promise<LoadInfo> {
  // A load still running into this slot stops: the later one wins.
  const previous = slots.get(name);
  if (previous) previous.cancelled = true;
  const slot = newSlot(name);
  const thread = new DominatorThread();
  try {
    const { snapshot, ephemerons } = await readWithEdgeThread(file, thread, {
      forAnalysis: analyze,
      onProgress: (bytes) => {
        stopIfCancelled(slot);
        reportParsed(slot, name, bytes);
      },
    });
    stopIfCancelled(slot);
    slot.snapshot = snapshot;
    const info: LoadInfo = {
      nodeCount: snapshot.nodeCount,
      edgeCount: snapshot.edgeCount,
      byteLength: snapshot.byteLength,
      parseMs: performance.now() - slot.started,
      edgesReadApart: thread.readEdgesOf(snapshot),
    };
    if (!analyze) return info;
    slot.analysis = await analyzeInParallel(snapshot, thread, {
      ephemerons,
      onPhase: (phase) => {
        stopIfCancelled(slot);
        send({ type: 'progress', slot: name, phase, bytes: snapshot.byteLength });
      },
    });
    stopIfCancelled(slot);
    return { ...info, timings: slot.analysis.timings };
  } catch (e) {
    // Half-done (self sizes may be attributed already): nothing in it may be queried.
    if (slots.get(name) === slot) slots.delete(name);
    throw e;
  } finally {
    await thread.dispose();
  }
}

function loaded(name: SlotName): HeapSnapshot {
  const s = slots.get(name)?.snapshot;
  if (!s) throw new Error(`No snapshot "${name}" is loaded`);
  return s;
}

function analyzed(name: SlotName): HeapAnalysis {
  const a = slots.get(name)?.analysis;
  if (a) return a;
  loaded(name); // throws when there is no snapshot at all
  throw new Error(`Snapshot "${name}" is only parsed, not analyzed`);
}

function release(name: SlotName): void {
  const slot = slots.get(name);
  if (!slot) return;
  slots.delete(name);
}

port.on('message', async (m: ToWorker) => {
  const slotName = 'slot' in m ? m.slot : '';
  try {
    switch (m.type) {
      case 'chunk': {
        const slot = slotFor(m.slot);
        if (slot.failed) return send({ type: 'ack', seq: m.seq });
        if (!slot.parser) {
          slot.started = performance.now();
          slot.snapshot = null;
          slot.analysis = null;
          slot.parser = new SnapshotParser({
            expectedBytes: m.expectedBytes,
            onProgress: (bytes) => reportParsed(slot, m.slot, bytes),
          });
        }
        slot.parser.write(m.data);
        return send({ type: 'ack', seq: m.seq });
      }
      case 'end': {
        const slot = slotFor(m.slot);
        if (slot.failed) return;
        const snapshot = (slot.parser ?? new SnapshotParser()).end();
        slot.parser = null;
        slot.snapshot = snapshot;
        const parseMs = performance.now() - slot.started;
        const info = { nodeCount: snapshot.nodeCount, edgeCount: snapshot.edgeCount, byteLength: snapshot.byteLength, parseMs };
        if (!m.analyze) return send({ type: 'loaded', seq: m.seq, info });
        slot.analysis = await analyzeInParallel(snapshot, new DominatorThread(), {
          onPhase: (phase) => send({ type: 'progress', slot: m.slot, phase, bytes: snapshot.byteLength }),
        });
        return send({ type: 'loaded', seq: m.seq, info: { ...info, timings: slot.analysis.timings } });
      }
      case 'file':
        return send({ type: 'loaded', seq: m.seq, info: await loadFile(m.slot, m.path, m.analyze) });
      case 'cancel': {
        const slot = slots.get(m.slot);
        if (slot) slot.cancelled = true;
        return send({ type: 'ack', seq: m.seq });
      }
      case 'summary':
        return send({ type: 'summary', seq: m.seq, summary: summarize(analyzed(m.slot), m.top) });
      case 'node': {
        const a = analyzed(m.slot);
        const n = findNodeById(a.snapshot, m.id);
        const node = n < 0 ? null : { object: describeNode(a, n), retainers: retainersOf(a, n, m.retainers) };
        return send({ type: 'node', seq: m.seq, node });
      }
      case 'classes':
        return send({ type: 'classes', seq: m.seq, ...classRows(analyzed(m.slot), m.limit) });
      case 'classObjects':
        return send({ type: 'classObjects', seq: m.seq, objects: largestOfClass(analyzed(m.slot), m.classId, m.top) });
      case 'rootPath':
        return send({ type: 'rootPath', seq: m.seq, found: pathFromRoot(analyzed(m.slot), m.id) });
      case 'leaks': {
        const t = performance.now();
        const target = analyzed(m.target);
        const findings = findLeaks(loaded(m.baseline), target, loaded(m.final), m.options);
        const scripts: Record<string, string> = {};
        for (const [id, name] of scriptNamesInSnapshot(target.snapshot)) scripts[String(id)] = name;
        return send({ type: 'leaks', seq: m.seq, findings, scripts, ms: performance.now() - t });
      }
      case 'phaseLeaks': {
        const t = performance.now();
        const a = analyzed(m.slot);
        // Two phases of N calls; objects born after the last boundary belong to the second.
        const n = m.options.iterations;
        const found = findMarks(a.snapshot, a.classTable, m.marks);
        const ids = phaseBoundaries(m.marks, found);
        const at = (call: number) => ids[m.marks.boundaries.findIndex((b) => b.call === call)] as number;
        const phases = { walks: [at(1), at(n + 1), Number.MAX_SAFE_INTEGER], callsPerStep: n };
        const findings = findLeaksInPhases(a, phases, m.options);
        const samples = bytesLeftPerCall(a.snapshot, m.marks, found, ids, 2 * n);
        const scripts: Record<string, string> = {};
        for (const [id, name] of scriptNamesInSnapshot(a.snapshot)) scripts[String(id)] = name;
        return send({ type: 'phaseLeaks', seq: m.seq, findings, scripts, samples, ms: performance.now() - t });
      }
      case 'closures': {
        const s = loaded(m.slot);
        const scriptIds = scriptIdsInSnapshot(s, m.file);
        return send({ type: 'closures', seq: m.seq, matches: findClosureMatches(s, scriptIds, m.line, m.column), scriptIds });
      }
      case 'closuresNamed': {
        const s = loaded(m.slot);
        const scriptIds = m.file ? scriptIdsInSnapshot(s, m.file) : [];
        return send({ type: 'closures', seq: m.seq, matches: findClosuresNamed(s, m.name, scriptIds), scriptIds });
      }
      case 'scriptClosures': {
        const s = loaded(m.slot);
        const scripts: Record<string, string> = {};
        for (const [id, name] of scriptNamesInSnapshot(s)) scripts[String(id)] = name;
        return send({ type: 'scriptClosures', seq: m.seq, scripts, matches: findClosuresInScripts(s, m.scriptIds) });
      }
      case 'release':
        release(m.slot);
        return send({ type: 'ack', seq: m.seq });
    }
  } catch (e) {
    const loading = m.type === 'chunk' || m.type === 'end' || m.type === 'file';
    const slot = slots.get(slotName);
    // (A failed file load has removed its own slot already; this one may be a later load's.)
    if (slot && (m.type === 'chunk' || m.type === 'end')) {
      slot.failed = true;
      slot.parser = null;
    }
    if (e instanceof Cancelled) {
      return send({ type: 'error', seq: m.seq, slot: slotName, kind: 'cancelled', message: 'cancelled', offset: -1 });
    }
    const offset = e instanceof HeapSnapshotError ? e.offset : -1;
    const kind = loading ? 'load' : 'query';
    send({ type: 'error', seq: m.seq, slot: slotName, kind, message: e instanceof HeapSnapshotError ? e.problem : e instanceof Error ? e.message : String(e), offset });
  }
});
