/**
 * The snapshot's string table, kept as the raw JSON bytes of each string (escapes intact) in
 * large blocks, decoded only when a string is asked for. This never builds one JS string for
 * the whole section, so sections far larger than V8's maximum string length load, and the
 * memory cost is about the section's byte size.
 */

const BLOCK_SIZE = 16 * 1024 * 1024;
/** Beyond this many strings (1 GiB of index per array), reserve() leaves the index to grow. */
const MAX_RESERVED = 1 << 28;

const utf8 = new TextDecoder('utf-8');

export class StringTable {
  private readonly blocks: Uint8Array[] = [];
  /** Per string: block number, start in the block, byte length; high bit of length = has escapes. */
  private blockOf = new Uint32Array(1024);
  private startOf = new Uint32Array(1024);
  private lengthOf = new Uint32Array(1024);
  /** Strings decoded so far (a small share of the table: names of classes, properties, edges looked at). */
  private readonly decoded = new Map<number, string>();
  private extra: string[] = [];
  count = 0;

  // Writer state for the string being appended.
  private block: Uint8Array = new Uint8Array(0);
  private blockNumber = -1;
  private used = 0;
  private currentStart = 0;
  private currentEscaped = false;

  /**
   * Copies a run of the strings section's raw bytes (strings and the separators between them)
   * into the current block in one go, and returns the block offset where bytes[from] landed.
   * With `inString`, the string begun earlier continues in this run and stays in one block.
   */
  copyRun(bytes: Uint8Array, from: number, to: number, inString: boolean): number {
    const n = to - from;
    if (!inString) this.currentStart = this.used;
    if (this.used + n > this.block.length) this.newBlock(n);
    const at = this.used;
    this.block.set(bytes.subarray(from, to), at);
    this.used = at + n;
    return at;
  }

  /** Start a new string at block offset `at` (inside the last run). */
  begin(at: number): void {
    this.currentStart = at;
    this.currentEscaped = false;
  }

  markEscaped(): void {
    this.currentEscaped = true;
  }

  /** Finish the current string, which ends just before block offset `at`; returns its index. */
  end(at: number): number {
    const i = this.count;
    if (i === this.startOf.length) this.growIndex();
    this.blockOf[i] = this.blockNumber < 0 ? 0 : this.blockNumber;
    this.startOf[i] = this.currentStart;
    const length = at - this.currentStart;
    this.lengthOf[i] = length;
    if (this.currentEscaped) this.escapedBits = withBit(this.escapedBits, i);
    // Noted while the byte is at hand, so finding such strings later reads no string bytes.
    if (length > 0 && (this.block[this.currentStart] ^ 0x30) < 10) this.digitLedBits = withBit(this.digitLedBits, i);
    this.count = i + 1;
    return i;
  }

  /**
   * Room for `capacity` strings up front (the most the rest of the input could hold), so the
   * index never grows by copying; pages past the strings actually stored are never touched.
   */
  reserve(capacity: number): void {
    if (capacity <= this.startOf.length || capacity > MAX_RESERVED) return;
    let arrays: Uint32Array<ArrayBuffer>[];
    let bits: Uint8Array<ArrayBuffer>[];
    try {
      arrays = [0, 1, 2].map(() => new Uint32Array(capacity));
      bits = [0, 1].map(() => new Uint8Array((capacity >>> 3) + 1));
    } catch (e) {
      // No room for the reservation (a limited address space): the index grows as it fills.
      if (e instanceof RangeError) return;
      throw e;
    }
    const [blockOf, startOf, lengthOf] = arrays;
    blockOf.set(this.blockOf.subarray(0, this.count));
    startOf.set(this.startOf.subarray(0, this.count));
    lengthOf.set(this.lengthOf.subarray(0, this.count));
    this.blockOf = blockOf;
    this.startOf = startOf;
    this.lengthOf = lengthOf;
    const keep = (old: Uint8Array, next: Uint8Array) => {
      next.set(old.subarray(0, Math.min(old.length, next.length)));
      return next;
    };
    this.escapedBits = keep(this.escapedBits, bits[0]);
    this.digitLedBits = keep(this.digitLedBits, bits[1]);
  }

  /** Trim the index arrays once the section is complete. */
  seal(): void {
    // Views, not copies: the unused tails were never written, so they hold no memory.
    this.blockOf = this.blockOf.subarray(0, this.count);
    this.startOf = this.startOf.subarray(0, this.count);
    this.lengthOf = this.lengthOf.subarray(0, this.count);
    if (this.blockNumber >= 0) this.blocks[this.blockNumber] = this.block.subarray(0, this.used);
    this.block = new Uint8Array(0);
    this.escapedBits = this.escapedBits.subarray(0, (this.count >>> 3) + 1);
    this.digitLedBits = this.digitLedBits.subarray(0, (this.count >>> 3) + 1);
  }

  /**
   * The string at index i (snapshot strings first, then strings added by analysis); `keep`
   * (the default) caches it, for strings that are asked for again.
   */
  get(i: number, keep = true): string {
    if (i >= this.count) {
      const added = this.extra[i - this.count];
      if (added === undefined) throw new RangeError(`string index ${i} is out of range`);
      return added;
    }
    let s = this.decoded.get(i);
    if (s === undefined) {
      if (this.lengthOf[i] === 0) return '';
      const block = this.blocks[this.blockOf[i]];
      const start = this.startOf[i];
      const raw = utf8.decode(block.subarray(start, start + this.lengthOf[i]));
      s = this.isEscaped(i) ? (JSON.parse('"' + raw + '"') as string) : raw;
      if (keep) this.decoded.set(i, s);
    }
    return s;
  }

  /** String i as stored: raw JSON bytes, escapes intact (a view; do not write to it). */
  rawBytes(i: number): Uint8Array {
    const start = this.startOf[i];
    return this.blocks[this.blockOf[i]].subarray(start, start + this.lengthOf[i]);
  }

  /**
   * A test for "string i is `text`" that compares stored lengths before decoding anything
   * (a string stored with escapes is at least as long as its UTF-8 bytes).
   */
  matcher(text: string): (i: number) => boolean {
    const bytes = new TextEncoder().encode(text).length;
    return (i) => {
      if (i >= this.count) return this.extra[i - this.count] === text;
      const stored = this.lengthOf[i];
      if (this.isEscaped(i) ? stored < bytes : stored !== bytes) return false;
      return this.get(i, false) === text;
    };
  }

  /**
   * The first string at index `from` or later whose first byte is a digit, or -1: a walk over
   * one bit per string (V8 names element-like and WeakMap entry edges so).
   */
  nextDigitLed(from: number): number {
    const bits = this.digitLedBits;
    const last = Math.min(bits.length, (this.count + 7) >>> 3);
    for (let byte = from >>> 3; byte < last; byte++) {
      let b = bits[byte];
      if (b === 0) continue;
      if (byte === from >>> 3) b &= 0xff << (from & 7);
      if (b === 0) continue;
      const i = (byte << 3) + (31 - Math.clz32(b & -b));
      return i < this.count ? i : -1;
    }
    return -1;
  }

  /** Byte length of string i as stored (cheap; used to skip long strings without decoding). */
  storedLength(i: number): number {
    return this.lengthOf[i];
  }

  /** Adds an analysis-made string (a class name like "(system)") and returns its index. */
  add(s: string): number {
    this.extra.push(s);
    return this.count + this.extra.length - 1;
  }

  get totalCount(): number {
    return this.count + this.extra.length;
  }

  /** Bytes held by the table (for memory reports). */
  get byteSize(): number {
    let total = 0;
    for (const b of this.blocks) total += b.byteLength;
    return total + this.count * 12;
  }

  private escapedBits: Uint8Array = new Uint8Array(128);
  private digitLedBits: Uint8Array = new Uint8Array(128);
  private isEscaped(i: number): boolean {
    const byte = i >>> 3;
    return byte < this.escapedBits.length && (this.escapedBits[byte] & (1 << (i & 7))) !== 0;
  }

  private newBlock(needed: number): void {
    // Move the part of the current string already written so each string stays in one block.
    const partial = this.used - this.currentStart;
    const size = Math.max(BLOCK_SIZE, (partial + needed) * 2);
    const next = new Uint8Array(size);
    if (partial > 0) next.set(this.block.subarray(this.currentStart, this.used), 0);
    if (this.blockNumber >= 0) this.blocks[this.blockNumber] = this.block.subarray(0, this.currentStart);
    this.blocks.push(next);
    this.blockNumber = this.blocks.length - 1;
    this.block = next;
    this.currentStart = 0;
    this.used = partial;
  }

  private growIndex(): void {
    const grow = (a: Uint32Array) => {
      const next = new Uint32Array(a.length * 2);
      next.set(a);
      return next;
    };
    this.blockOf = grow(this.blockOf);
    this.startOf = grow(this.startOf);
    this.lengthOf = grow(this.lengthOf);
  }
}

/** `bits` with bit i set, grown (doubled) first if it is too short. */
function withBit(bits: Uint8Array, i: number): Uint8Array {
  const byte = i >>> 3;
  let out = bits;
  if (byte >= out.length) {
    out = new Uint8Array(Math.max(byte + 1, bits.length * 2));
    out.set(bits);
  }
  out[byte] |= 1 << (i & 7);
  return out;
}
