/** Compiling the project's WebAssembly binaries (carried as base64 in *.wasm.ts modules). */

/** A getter for the compiled module, compiled on first use, once per thread; it gives null where WebAssembly is not available. */
export function compiledOnce(base64: string): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        compiled = new WebAssembly.Module(decodeBase64(base64));
      } catch {
        compiled = null;
      }
    }
    return compiled;
  };
}

function decodeBase64(text: string): Uint8Array {
  const bytes = atob(text);
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < bytes.length; k++) out[k] = bytes.charCodeAt(k);
  return out;
}
