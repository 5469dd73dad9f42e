import type { Slope } from '../report/types';

/** Least-squares line through (call, usedBytes): the memory-per-call slope of a run. */
export function fitSlope(samples: readonly { call: number; usedBytes: number }[]): Slope | null {
  const n = samples.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const p of samples) {
    sx += p.call;
    sy += p.usedBytes;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of samples) {
    const dx = p.call - mx;
    const dy = p.usedBytes - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { bytesPerCall: Math.round(slope), r2: Math.round(r2 * 1000) / 1000 };
}
