/**
 * The verdict from saved snapshots of one process (baseline, target and optionally final),
 * as a LeakReport. The heap worker reads the files; nothing is parsed on this thread.
 */
import { promises as fs } from 'node:fs';
import { DEFAULT_LEAK_OPTIONS } from '../heap/verdict';
import { HeapWorker } from '../worker/client';
import { decideVerdict } from './verdict';
import { DEFAULT_PROFILE_OPTIONS, LEAK_REPORT_VERSION, type LeakReport, type ProfileOptions } from '../report/types';

export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError';
}

export async function diffSnapshotFiles(
  files: { baseline: string; target: string; final?: string },
  options: Partial<ProfileOptions> = {},
  hooks: { onProgress?: (phase: string, bytes?: number, total?: number) => void; signal?: AbortSignal } = {},
): Promise<LeakReport> {
  const opts: ProfileOptions = { ...DEFAULT_PROFILE_OPTIONS, ...options };
  const started = performance.now();
  // Parse progress per slot, against that slot's file size.
  const sizes = new Map<string, number>();
  const worker = new HeapWorker((phase, bytes, slot) => {
    if (phase === 'parse') hooks.onProgress?.(slot, bytes, sizes.get(slot));
  });
  try {
    // Without a final snapshot the target stands in for it (loaded once, not twice).
    const plan: [string, string, boolean][] = [
      ['baseline', files.baseline, false],
      ['target', files.target, true],
    ];
    if (files.final) plan.push(['final', files.final, false]);
    for (const [slot, file, analyze] of plan) {
      const stat = await fs.stat(file).catch(() => null);
      if (!stat?.isFile()) throw new SnapshotFileError(`No such file: ${file}`);
      sizes.set(slot, stat.size);
      hooks.onProgress?.(slot, 0, stat.size);
      await worker.loadFile(file, slot, analyze, hooks.signal);
    }
    hooks.onProgress?.('analysis');
    const { findings, scripts } = await worker.leaks('baseline', 'target', files.final ? 'final' : 'target', {
      ...DEFAULT_LEAK_OPTIONS,
      iterations: opts.iterations,
      maxDepth: opts.maxDepth,
      tooMany: opts.tooMany,
    });
    // Saved snapshots carry no heap-use series: the class rule decides alone.
    const verdict = decideVerdict(findings.leaks, null, { requireSlope: false }).verdict;
    const top = findings.leaks.find((l) => l.primary);
    const ms = Math.round(performance.now() - started);
    return {
      version: LEAK_REPORT_VERSION,
      createdAt: new Date().toISOString(),
      target: {
        kind: 'snapshots',
        description: `${files.baseline} → ${files.target}${files.final ? ` → ${files.final}` : ''}`,
      },
      function: null,
      options: opts,
      samples: [],
      slope: null,
      verdict,
      summary:
        verdict === 'leak' && top
          ? `${top.className} grew by ${top.countPerCall} per step (${top.survivors} new objects still alive)${top.culprit ? ` — held by ${top.culprit.text}` : ''}.`
          : 'No class survived and grew between the snapshots.',
      leaks: findings.leaks,
      watch: findings.watch,
      runtimeHeld: findings.runtimeHeld,
      noiseFiltered: findings.noiseFiltered,
      scripts,
      timings: { resolveMs: 0, callsMs: 0, snapshotMs: 0, analysisMs: ms, totalMs: ms },
    };
  } finally {
    await worker.dispose();
  }
}
