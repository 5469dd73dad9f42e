/** A snapshot that cannot be read: says what was wrong and where (byte offset into the input). */
export class HeapSnapshotError extends Error {
  override readonly name = 'HeapSnapshotError';
  constructor(
    readonly problem: string,
    /** Byte offset in the snapshot text where the problem was seen, or -1 when it has none. */
    readonly offset: number,
  ) {
    super(offset >= 0 ? `${problem} (at byte ${offset})` : problem);
  }
}
