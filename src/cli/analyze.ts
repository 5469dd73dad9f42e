/** `leak-lens analyze <file.heapsnapshot>`: summary of what is alive, how big, and who holds it. */
import { promises as fs } from 'node:fs';
import { HeapSnapshotError } from '../worker/client';
import type { HeapSummary } from '../worker/protocol';
import type { LoadInfo, NodeDetails } from '../worker/protocol';
import { loadFileInWorker } from '../worker/client';
import { parseArgs, UsageError, wholeNumber } from './args';
import { formatBytes, formatCount, formatMs, printable, printableJson, table } from '../report/format';

export const ANALYZE_USAGE = `leak-lens analyze <file.heapsnapshot> [--json] [--top N] [--node <id>]

  Reads a V8 heap snapshot and prints node and edge counts, total size, the top classes and
  objects by retained size, and the time each phase took.
    --json        print one JSON object instead of text
    --top N       how many classes and objects to list (default 20)
    --node <id>   show one object (by snapshot id, as in DevTools' @id) with its retainers`;

/** Files above this size report progress on stderr. */
const PROGRESS_FROM_BYTES = 32 * 1024 * 1024;

export async function analyzeCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['top', 'node'], ['json']);
  if (args.positionals.length !== 1) throw new UsageError('analyze takes exactly one snapshot file');
  const file = args.positionals[0];
  const top = wholeNumber(args, 'top', 20, 1);
  const nodeId = args.options.has('node') ? wholeNumber(args, 'node', 0, 0) : undefined;
  const json = args.options.has('json');

  const stat = await fs.stat(file).catch(() => null);
  if (!stat || !stat.isFile()) throw new UsageError(`No such file: ${file}`);

  const started = performance.now();
  const progress = stat.size >= PROGRESS_FROM_BYTES ? progressPrinter(err) : undefined;
  const { worker, info } = await loadFileInWorker(file, progress);
  try {
    const summary = await worker.summary(top);
    const node = nodeId === undefined ? undefined : await worker.node(nodeId, top * 5);
    const totalMs = performance.now() - started;
    progress?.('done', stat.size, stat.size);
    if (nodeId !== undefined && !node) {
      err.write(`No object with id ${nodeId} in this snapshot.\n`);
      return 2;
    }
    const phases = info.timings ?? { indexMs: 0, dominatorsMs: 0, classesMs: 0 };
    const timings = {
      parseMs: round(info.parseMs),
      indexMs: round(phases.indexMs),
      dominatorsMs: round(phases.dominatorsMs),
      classesMs: round(phases.classesMs),
      totalMs: round(totalMs),
    };
    if (json) {
      out.write(printableJson({ file, fileBytes: stat.size, ...summary, timings, ...(node ? { node } : {}) }) + '\n');
    } else {
      out.write(renderSummary(file, info, summary, timings) + '\n');
      if (node) out.write('\n' + renderNode(node) + '\n');
    }
    return 0;
  } finally {
    await worker.dispose();
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function describeLoadError(e: unknown): string | null {
  if (e instanceof HeapSnapshotError) {
    return `Cannot read the heap snapshot: ${e.message}.\nCheck that the file is a complete .heapsnapshot written by V8 (DevTools, node --heapsnapshot-signal, v8.writeHeapSnapshot).`;
  }
  return null;
}

function renderSummary(
  file: string,
  info: LoadInfo,
  s: HeapSummary,
  t: { parseMs: number; indexMs: number; dominatorsMs: number; classesMs: number; totalMs: number },
): string {
  const lines: string[] = [];
  lines.push(`Heap snapshot ${printable(file)} (${formatBytes(info.byteLength)})`);
  lines.push(
    `  ${formatCount(s.nodeCount)} nodes · ${formatCount(s.edgeCount)} edges · total ${formatBytes(s.totalSize)} · reachable ${formatBytes(s.reachableSize)}`,
  );
  lines.push('', 'Top classes by retained size');
  lines.push(
    table(
      ['Retained', 'Self', 'Count', 'Class'],
      s.classes.map((c) => [
        formatBytes(c.retainedSize),
        formatBytes(c.selfSize),
        formatCount(c.count),
        printable(c.name) + (c.location ? `  (script ${c.location.scriptId}, line ${c.location.line + 1})` : ''),
      ]),
    ),
  );
  lines.push('', 'Top objects by retained size');
  lines.push(
    table(
      ['Retained', 'Self', 'Distance', 'Refs', 'Object'],
      s.topObjects.map((o) => [
        formatBytes(o.retainedSize),
        formatBytes(o.selfSize),
        o.distance === null ? '-' : String(o.distance),
        String(o.refs),
        `${printable(o.name)} @${o.id} (${printable(o.type)})`,
      ]),
    ),
  );
  lines.push(
    '',
    `Timings: parse ${formatMs(t.parseMs)} · indexes ${formatMs(t.indexMs)} · dominators ${formatMs(t.dominatorsMs)} · classes ${formatMs(t.classesMs)} · total ${formatMs(t.totalMs)}`,
  );
  return lines.join('\n');
}

function renderNode(d: NodeDetails): string {
  const o = d.object;
  const lines = [
    `Object ${printable(o.name)} @${o.id} (${printable(o.type)})`,
    `  self ${formatBytes(o.selfSize)} · retained ${formatBytes(o.retainedSize)} · distance ${o.distance ?? 'unreachable'} · refs ${o.refs}`,
    '',
    `Retainers (${d.retainers.length}${d.retainers.length ? '' : ': none'})`,
  ];
  if (d.retainers.length) {
    lines.push(
      table(
        ['Edge', 'Retainer'],
        d.retainers.map((r) => [
          `${printable(r.edgeType)} ${printable(r.edgeName)}`,
          `${printable(r.retainer.name)} @${r.retainer.id} (${printable(r.retainer.type)}, distance ${r.retainer.distance ?? '-'})`,
        ]),
        0,
      ),
    );
  }
  return lines.join('\n');
}

function progressPrinter(err: NodeJS.WritableStream): (phase: string, bytes: number, total: number) => void {
  const tty = (err as NodeJS.WriteStream).isTTY === true;
  let lastQuarter = -1;
  let lastPhase = '';
  return (phase, bytes, total) => {
    if (phase === 'parse') {
      const percent = Math.floor((bytes / total) * 100);
      if (tty) {
        err.write(`\r\x1b[Kparsing ${percent}%`);
      } else if (Math.floor(percent / 25) > lastQuarter) {
        // Without a terminal, quarters keep logs short.
        lastQuarter = Math.floor(percent / 25);
        err.write(`parsing ${percent}%\n`);
      }
      return;
    }
    if (phase === lastPhase) return;
    lastPhase = phase;
    if (phase === 'done') {
      if (tty) err.write('\r\x1b[K');
    } else {
      err.write(tty ? `\r\x1b[K${phase}…` : `${phase}…\n`);
    }
  };
}
