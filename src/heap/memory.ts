/**
 * Allocation of the large per-node and per-edge arrays. They live on SharedArrayBuffers when
 * the platform has them, so a second thread can work on the same graph without a copy.
 */
const Shared: typeof SharedArrayBuffer | undefined = (globalThis as { SharedArrayBuffer?: typeof SharedArrayBuffer })
  .SharedArrayBuffer;

function buffer(bytes: number): ArrayBufferLike {
  return Shared ? new Shared(bytes) : new ArrayBuffer(bytes);
}

export function sharedUint8(length: number): Uint8Array {
  return new Uint8Array(buffer(length));
}

export function sharedUint32(length: number): Uint32Array {
  return new Uint32Array(buffer(length * 4));
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(buffer(length * 4));
}

export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(buffer(length * 8));
}

/**
 * Scratch memory in equal regions of `regionLength` 32-bit words, for temporaries of phases
 * that never run at the same time: they share pages instead of each faulting in fresh ones
 * (at ~0.7 ms per MB here, that is a real cost) and leaving garbage behind. Views are handed
 * out by region number; the caller keeps track of which are in use.
 */
export class Scratch {
  readonly buffer: ArrayBufferLike;

  /** Regions of at least nodeCount + 1 words (an even number, so Float64 views line up). */
  static forNodes(nodeCount: number, regions: number): Scratch {
    return new Scratch((nodeCount + 2) & ~1, regions);
  }

  /**
   * Private scratch this thread can give back at once with release(): a resizable buffer,
   * whose pages shrinking returns to the system (a plain buffer waits for a full GC).
   */
  static releasable(nodeCount: number, regions: number): Scratch {
    const regionLength = (nodeCount + 2) & ~1;
    const bytes = regionLength * regions * 4;
    const Resizable = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => ArrayBuffer;
    let buffer: ArrayBuffer;
    try {
      buffer = new Resizable(bytes, { maxByteLength: bytes });
    } catch {
      buffer = new ArrayBuffer(bytes); // no resizable buffers here: release() becomes a no-op
    }
    return new Scratch(regionLength, regions, buffer);
  }

  /** Gives the memory back (resizable buffers only); views handed out must no longer be used. */
  release(): void {
    const b = this.buffer as ArrayBuffer & { resizable?: boolean; resize?: (n: number) => void };
    if (b.resizable && b.resize) b.resize(0);
  }

  constructor(
    readonly regionLength: number,
    readonly regions: number,
    buffer?: ArrayBufferLike,
  ) {
    if (regionLength % 2 !== 0) throw new RangeError('scratch regions must have an even length');
    this.buffer = buffer ?? (Shared ? new Shared(regionLength * regions * 4) : new ArrayBuffer(regionLength * regions * 4));
  }

  /** `count` regions from `region` on, as one Uint32Array of `length` (default: all of them). */
  uint32(region: number, count = 1, length = count * this.regionLength): Uint32Array {
    this.check(region, count, length * 4);
    return new Uint32Array(this.buffer, region * this.regionLength * 4, length);
  }

  int32(region: number, length = this.regionLength): Int32Array {
    this.check(region, 1, length * 4);
    return new Int32Array(this.buffer, region * this.regionLength * 4, length);
  }

  /** A Float64Array of `length` over regions from `region` on (two words per value). */
  float64(region: number, length: number): Float64Array {
    this.check(region, Math.ceil((length * 2) / this.regionLength), length * 8);
    return new Float64Array(this.buffer, region * this.regionLength * 4, length);
  }

  private check(region: number, count: number, bytes: number): void {
    if (region < 0 || region + count > this.regions || bytes > count * this.regionLength * 4) {
      throw new RangeError(`scratch regions ${region}..${region + count - 1} of ${this.regions} cannot hold ${bytes} bytes`);
    }
  }
}
