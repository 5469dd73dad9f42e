/**
 * Turns per-slot counts in counts[0..length-1] into first offsets (an exclusive prefix sum),
 * in place, and sets counts[length] to the total: the heart of the CSR indexes here (first
 * edges, retainers).
 */
export function countsToOffsets(counts: Uint32Array, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const c = counts[i];
    counts[i] = sum;
    sum += c;
  }
  counts[length] = sum;
  return sum;
}
