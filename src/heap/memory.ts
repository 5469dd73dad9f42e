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

export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(buffer(length * 8));
}
