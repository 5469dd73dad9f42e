import type { LeakFinding, Slope } from '../report/types';

/**
 * The verdict: each primary leak is confirmed on its own by the heap-use slope (heap use after
 * GC grows by at least a quarter of what the leak retains per call), so one large doubtful
 * class cannot hide a real small leak. Without a slope (saved snapshots) the class rule decides.
 */
export function decideVerdict(
  leaks: LeakFinding[],
  slope: Slope | null,
  options: { requireSlope: boolean } = { requireSlope: true },
): { verdict: 'leak' | 'clean'; confirmed: LeakFinding[] } {
  const primary = leaks.filter((l) => l.primary);
  const confirmed = options.requireSlope
    ? primary.filter((l) => slope !== null && slope.bytesPerCall > 0 && slope.bytesPerCall >= l.bytesPerCall * 0.25)
    : primary;
  return { verdict: confirmed.length > 0 ? 'leak' : 'clean', confirmed };
}
