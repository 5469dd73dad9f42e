// The few WebAssembly globals the kernels use (rowKernels.ts, graphKernels.ts): neither lib
// ES2022 nor these Node typings declare them, and the DOM library would declare far too much.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    /** A SharedArrayBuffer for a shared memory. */
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
  }
}
