/** Typed-array builders for sections whose length the header does not give. */

export class GrowableUint32 {
  private data: Uint32Array;
  length = 0;
  constructor(initialCapacity = 1024) {
    this.data = new Uint32Array(Math.max(16, initialCapacity));
  }
  /** Room for `capacity` values up front (virtual memory: untouched pages cost nothing). */
  reserve(capacity: number): void {
    if (capacity <= this.data.length || capacity > 1 << 28) return;
    let next: Uint32Array;
    try {
      next = new Uint32Array(capacity);
    } catch (e) {
      // No room for the reservation (a limited address space): the array grows as it fills.
      if (e instanceof RangeError) return;
      throw e;
    }
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }
  /** The filled part (a view: the unused tail was never written, so it holds no memory). */
  finish(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
  private grow(): void {
    const next = new Uint32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
}
