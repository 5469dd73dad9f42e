/**
 * Worker thread that owns one snapshot: parses the chunks it is sent, analyzes, then answers
 * queries. Keeps heavy work off the extension host's and the CLI's main thread.
 */
import { parentPort } from 'node:worker_threads';
import type { HeapAnalysis } from '../heap/analysis';
import { HeapSnapshotError } from '../heap/errors';
import { SnapshotParser } from '../heap/parser';
import { describeNode, findNodeById, retainersOf, summarize } from '../heap/summary';
import { analyzeInParallel, DominatorThread } from './parallel';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('heapWorker must run in a worker thread');

let parser: SnapshotParser | null = null;
/** Started with the first chunk so it is ready when parsing ends. */
let thread: DominatorThread | null = null;
let analysis: HeapAnalysis | null = null;
let failed = false;
let started = 0;
let lastProgress = 0;

const send = (m: FromWorker) => port.postMessage(m);

function fail(seq: number, e: unknown): void {
  failed = true;
  parser = null;
  void thread?.dispose();
  thread = null;
  const offset = e instanceof HeapSnapshotError ? e.offset : -1;
  send({ type: 'error', seq, message: e instanceof Error ? e.message : String(e), offset });
}

port.on('message', async (m: ToWorker) => {
  try {
    switch (m.type) {
      case 'chunk': {
        if (failed) return send({ type: 'ack', seq: m.seq });
        if (!parser) {
          started = performance.now();
          thread = new DominatorThread();
          parser = new SnapshotParser({
            expectedBytes: m.expectedBytes,
            onProgress: (bytes) => {
              // At most a few progress messages a second.
              const now = performance.now();
              if (now - lastProgress > 200) {
                lastProgress = now;
                send({ type: 'progress', phase: 'parse', bytes });
              }
            },
          });
        }
        parser.write(m.data);
        return send({ type: 'ack', seq: m.seq });
      }
      case 'end': {
        if (failed) return;
        const snapshot = (parser ?? new SnapshotParser()).end();
        parser = null;
        const parseMs = performance.now() - started;
        const second = thread ?? new DominatorThread();
        thread = null;
        analysis = await analyzeInParallel(snapshot, second, (phase) =>
          send({ type: 'progress', phase, bytes: snapshot.byteLength }),
        );
        return send({
          type: 'loaded',
          seq: m.seq,
          info: {
            nodeCount: snapshot.nodeCount,
            edgeCount: snapshot.edgeCount,
            byteLength: snapshot.byteLength,
            parseMs,
            timings: analysis.timings,
          },
        });
      }
      case 'summary':
        if (!analysis) throw new Error('No snapshot is loaded');
        return send({ type: 'summary', seq: m.seq, summary: summarize(analysis, m.top) });
      case 'node': {
        if (!analysis) throw new Error('No snapshot is loaded');
        const n = findNodeById(analysis.snapshot, m.id);
        const node = n < 0 ? null : { object: describeNode(analysis, n), retainers: retainersOf(analysis, n, m.retainers) };
        return send({ type: 'node', seq: m.seq, node });
      }
    }
  } catch (e) {
    fail(m.seq, e);
  }
});
