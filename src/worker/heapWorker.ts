/**
 * Worker thread that owns snapshots by name: parses the chunks it is sent (from a file or
 * straight from CDP), analyzes, then answers queries — one snapshot's summary, one object's
 * retainers, or the leak verdict across three. Keeps heavy work off the extension host's and
 * the CLI's main thread.
 */
import { parentPort } from 'node:worker_threads';
import type { HeapAnalysis } from '../heap/analysis';
import { HeapSnapshotError } from '../heap/errors';
import { findLeaks } from '../heap/leaks';
import { SnapshotParser } from '../heap/parser';
import type { HeapSnapshot } from '../heap/snapshot';
import { describeNode, findNodeById, retainersOf, summarize } from '../heap/summary';
import { findClosureMatches, findClosuresNamed, scriptIdsInSnapshot, scriptNamesInSnapshot } from '../inspector/resolveFunction';
import { analyzeInParallel, DominatorThread } from './parallel';
import type { FromWorker, SlotName, ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('heapWorker must run in a worker thread');

interface Slot {
  parser: SnapshotParser | null;
  snapshot: HeapSnapshot | null;
  analysis: HeapAnalysis | null;
  failed: boolean;
  started: number;
  lastProgress: number;
}

const slots = new Map<SlotName, Slot>();
const send = (m: FromWorker) => port.postMessage(m);

function slotFor(name: SlotName): Slot {
  let slot = slots.get(name);
  if (!slot) {
    slot = { parser: null, snapshot: null, analysis: null, failed: false, started: 0, lastProgress: 0 };
    slots.set(name, slot);
  }
  return slot;
}

function loaded(name: SlotName): HeapSnapshot {
  const s = slots.get(name)?.snapshot;
  if (!s) throw new Error(`No snapshot "${name}" is loaded`);
  return s;
}

function analyzed(name: SlotName): HeapAnalysis {
  const a = slots.get(name)?.analysis;
  if (!a) throw new Error(`Snapshot "${name}" is not analyzed`);
  return a;
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
            onProgress: (bytes) => {
              const now = performance.now();
              if (now - slot.lastProgress > 200) {
                slot.lastProgress = now;
                send({ type: 'progress', slot: m.slot, phase: 'parse', bytes });
              }
            },
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
      case 'summary':
        return send({ type: 'summary', seq: m.seq, summary: summarize(analyzed(m.slot), m.top) });
      case 'node': {
        const a = analyzed(m.slot);
        const n = findNodeById(a.snapshot, m.id);
        const node = n < 0 ? null : { object: describeNode(a, n), retainers: retainersOf(a, n, m.retainers) };
        return send({ type: 'node', seq: m.seq, node });
      }
      case 'leaks': {
        const t = performance.now();
        const target = analyzed(m.target);
        const findings = findLeaks(loaded(m.baseline), target, loaded(m.final), m.options);
        const scripts: Record<string, string> = {};
        for (const [id, name] of scriptNamesInSnapshot(target.snapshot)) scripts[String(id)] = name;
        return send({ type: 'leaks', seq: m.seq, findings, scripts, ms: performance.now() - t });
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
      case 'release':
        release(m.slot);
        return send({ type: 'ack', seq: m.seq });
    }
  } catch (e) {
    const slot = slots.get(slotName);
    if (slot && (m.type === 'chunk' || m.type === 'end')) {
      slot.failed = true;
      slot.parser = null;
    }
    const offset = e instanceof HeapSnapshotError ? e.offset : -1;
    const kind = m.type === 'chunk' || m.type === 'end' ? 'load' : 'query';
    send({ type: 'error', seq: m.seq, slot: slotName, kind, message: e instanceof HeapSnapshotError ? e.problem : e instanceof Error ? e.message : String(e), offset });
  }
});
