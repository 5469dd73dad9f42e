/**
 * The graph memory: one shared WebAssembly memory holding the arrays the graph kernels
 * (graphKernels.ts) work on, so they read them in place, with no copy: first edges, edge types
 * and edge targets (the parser's), the essential-edge bits, the retainers, the dominator
 * tree's own records, distances and storage attribution's bits and stack. Each array has a fixed region, laid out from the header's node and edge counts
 * (which the parser holds the file to), so both analysis threads find every region without
 * telling each other. Pages are the system's only once written: a region never used costs
 * address space, not memory.
 *
 * Each region is handed out once (regionWords, regionBytes): a second analysis of the same
 * snapshot gets fresh arrays instead, and the JavaScript steps. The claims are kept in the
 * memory's first cache line, so both threads see them.
 *
 * Plain data (a shared memory and two counts): it goes to the other thread in a message as is.
 */
import { prefaulted, sharedUint32, sharedUint8 } from './memory';

export interface GraphMemory {
  readonly memory: WebAssembly.Memory;
  readonly nodeCount: number;
  readonly edgeCount: number;
}

/** u32 regions: their length in words, from the counts. */
const WORD_REGIONS = {
  firstEdge: (n: number) => n + 1,
  edgeTarget: (_n: number, e: number) => e,
  firstRetainer: (n: number) => n + 1,
  retainerNode: (_n: number, e: number) => e,
  /** Four words per vertex (vertices are ordinals + 1, and one more for "none"). */
  records: (n: number) => (n + 2) * 4,
  vertex: (n: number) => n + 1,
  dom: (n: number) => n + 1,
  /** Distances from the roots; before them, storage attribution's owners (borrowDistances). */
  distances: (n: number) => n,
  /** Storage attribution's stack: rarely more than a few hundred entries deep, so a few pages. */
  storageStack: (n: number) => n,
} as const;

/** Byte regions (bytes and bit sets): their length in bytes. */
const BYTE_REGIONS = {
  edgeType: (_n: number, e: number) => e,
  essential: (_n: number, e: number) => (e >>> 3) + 1,
  bucketFull: (n: number) => (n >>> 3) + 2,
  /** A bit per node: hidden, array or external string data (storage attribution). */
  storage: (n: number) => (n + 7) >>> 3,
} as const;

export type WordRegion = keyof typeof WORD_REGIONS;
export type ByteRegion = keyof typeof BYTE_REGIONS;
export type GraphRegion = WordRegion | ByteRegion;
type Region = GraphRegion;

const PAGE = 64 * 1024;
/** The most a WebAssembly memory can hold (32-bit addresses). */
const MAX_PAGES = 65536;
/** Regions start on cache lines; the first line holds the claims, so 0 is never an array's address. */
const ALIGN = 64;

interface Layout {
  readonly offset: Record<Region, number>;
  readonly length: Record<Region, number>;
  readonly bytes: number;
}

const layouts = new Map<string, Layout>();

function layoutOf(nodeCount: number, edgeCount: number): Layout {
  const key = `${nodeCount},${edgeCount}`;
  let layout = layouts.get(key);
  if (!layout) {
    const offset = {} as Record<Region, number>;
    const length = {} as Record<Region, number>;
    let at = ALIGN;
    const place = (region: Region, words: number, bytesPer: number) => {
      offset[region] = at;
      length[region] = words;
      at += Math.ceil((words * bytesPer) / ALIGN) * ALIGN;
    };
    for (const [region, size] of Object.entries(WORD_REGIONS)) place(region as Region, size(nodeCount, edgeCount), 4);
    for (const [region, size] of Object.entries(BYTE_REGIONS)) place(region as Region, size(nodeCount, edgeCount), 1);
    layout = { offset, length, bytes: at };
    layouts.set(key, layout);
  }
  return layout;
}

/**
 * A graph memory for these counts; null where there is none to be had: no shared WebAssembly
 * memory on this platform, more than 4 GiB needed, or the address space limited (V8 reserves
 * gigabytes of guard pages for each memory). The callers then use plain shared arrays and the
 * JavaScript steps, with the same results.
 */
export function createGraphMemory(nodeCount: number, edgeCount: number): GraphMemory | null {
  if (typeof WebAssembly === 'undefined' || typeof SharedArrayBuffer === 'undefined') return null;
  const pages = Math.ceil(layoutOf(nodeCount, edgeCount).bytes / PAGE);
  if (pages > MAX_PAGES) return null;
  try {
    // Never grown: its buffer and every view on it stay valid for good.
    return { memory: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }), nodeCount, edgeCount };
  } catch {
    return null;
  }
}

/** The region's u32 array (a view on the memory). */
export function graphWords(g: GraphMemory, region: WordRegion): Uint32Array {
  const layout = layoutOf(g.nodeCount, g.edgeCount);
  return new Uint32Array(g.memory.buffer, layout.offset[region], layout.length[region]);
}

/** The region's bytes (a view on the memory). */
export function graphBytes(g: GraphMemory, region: ByteRegion): Uint8Array {
  const layout = layoutOf(g.nodeCount, g.edgeCount);
  return new Uint8Array(g.memory.buffer, layout.offset[region], layout.length[region]);
}

/** The region's byte address, for the kernels. */
export function graphAddress(g: GraphMemory, region: Region): number {
  return layoutOf(g.nodeCount, g.edgeCount).offset[region];
}

/**
 * Whether `array` is the region's own view (of this memory, at its address, of its length):
 * what the kernels check before they read an array at the region's address. A view cannot
 * say which memory it is on, only one of the same size: a view on another snapshot's graph
 * memory with the same counts would pass. Each analysis uses its own snapshot's arrays only.
 */
export function isGraphRegion(g: GraphMemory, region: Region, array: Uint8Array | Uint32Array): boolean {
  const layout = layoutOf(g.nodeCount, g.edgeCount);
  return (
    array.buffer instanceof SharedArrayBuffer &&
    array.buffer.byteLength === g.memory.buffer.byteLength &&
    array.byteOffset === layout.offset[region] &&
    array.length === layout.length[region]
  );
}

const REGION_NAMES = [...Object.keys(WORD_REGIONS), ...Object.keys(BYTE_REGIONS)];
if (REGION_NAMES.length > ALIGN / 4) throw new Error('graph memory: more regions than claim words');

/** The claim words (one per region, 1 once handed out). */
function claims(g: GraphMemory): Int32Array {
  return new Int32Array(g.memory.buffer, 0, ALIGN / 4);
}

/** Claims the region for one use; false if it was claimed before. */
function claim(g: GraphMemory, region: Region): boolean {
  return Atomics.compareExchange(claims(g), REGION_NAMES.indexOf(region), 0, 1) === 0;
}

/**
 * The distances region's words while it is not taken yet (distances are computed after storage
 * attribution, whose owners it holds until then); null once taken.
 */
export function borrowDistances(g: GraphMemory): Uint32Array | null {
  return Atomics.load(claims(g), REGION_NAMES.indexOf('distances')) === 0 ? graphWords(g, 'distances') : null;
}

/**
 * The region's words if there is a graph memory and the region is not taken yet, else a new
 * shared array of that length (zeros; prefaulted if asked: see memory.ts).
 */
export function regionWords(g: GraphMemory | null | undefined, region: WordRegion, length: number, prefault = false): Uint32Array {
  const words = regionView(g, region, length, graphWords, sharedUint32, 'words');
  return prefault ? prefaulted(words) : words;
}

/** As regionWords, for a byte region. */
export function regionBytes(g: GraphMemory | null | undefined, region: ByteRegion, length: number, prefault = false): Uint8Array {
  const bytes = regionView(g, region, length, graphBytes, sharedUint8, 'bytes');
  return prefault ? prefaulted(bytes) : bytes;
}

function regionView<R extends Region, T extends Uint8Array | Uint32Array>(
  g: GraphMemory | null | undefined,
  region: R,
  length: number,
  view: (g: GraphMemory, region: R) => T,
  fresh: (length: number) => T,
  unit: string,
): T {
  let array: T;
  if (g && claim(g, region)) {
    array = view(g, region);
    if (array.length !== length) throw new Error(`graph memory: ${region} holds ${array.length} ${unit}, not ${length}`);
  } else {
    array = fresh(length);
  }
  return array;
}

/**
 * The byte address of each array given, if each is its region's own view in the graph memory
 * (isGraphRegion): what a kernel needs to run on them; else null (the JavaScript runs).
 */
export function regionAddresses<R extends Region>(
  g: GraphMemory | null | undefined,
  arrays: Record<R, Uint8Array | Uint32Array>,
): Record<R, number> | null {
  if (!g) return null;
  const at = {} as Record<R, number>;
  for (const region of Object.keys(arrays) as R[]) {
    if (!isGraphRegion(g, region, arrays[region])) return null;
    at[region] = graphAddress(g, region);
  }
  return at;
}
