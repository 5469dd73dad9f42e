/**
 * The snapshot parser's "strings" section: the chunk's bytes are copied into the string table
 * as they go by, and only the string boundaries and escapes are looked at here.
 */
import { HeapSnapshotError } from './errors';
import { BACKSLASH, CLOSE_BRACKET, COMMA, describeByte, isSpace, NEWLINE, QUOTE } from './parserBytes';
import { StringTable } from './stringTable';

const enum State {
  StringsExpect,
  StringsAfterItem,
  StringIn,
  StringEscape,
}

/** Bytes that end a run of plain string content: '"', '\\' and control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;

/**
 * Where the run of plain string bytes from i ends: the first quote, backslash or control
 * character, or `end`. Four bytes at a time where `words` (b as aligned 32-bit words) allows:
 * a word is skipped when none of its bytes is below 0x20, 0x22 or 0x5c (bit tricks that test
 * all four at once, exact for "any byte"), and the byte is then found one by one.
 */
function plainRunEnd(b: Uint8Array, words: Uint32Array | null, i: number, end: number): number {
  if (words) {
    while (i < end && (i & 3) !== 0) {
      if (STRING_STOP[b[i]] !== 0) return i;
      i++;
    }
    const lastWord = end >>> 2;
    let w = i >>> 2;
    while (w < lastWord) {
      const x = words[w];
      const quote = x ^ 0x22222222;
      const backslash = x ^ 0x5c5c5c5c;
      const stops = ((x - 0x20202020) & ~x) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash);
      if ((stops & 0x80808080) !== 0) break;
      w++;
    }
    i = Math.max(i, w << 2);
  }
  while (i < end && STRING_STOP[b[i]] === 0) i++;
  return i;
}

/** Reads the "strings" section into its table; the parser checks what needs the rows too (string indexes). */
export class StringsReader {
  readonly table = new StringTable();
  private state = State.StringsExpect;
  private sectionEmpty = true;
  private uHexLeft = 0;
  /** Absolute offset of the first byte of the chunk being read. */
  private base = 0;
  /** The section's ']' has been read (and the table sealed). */
  closed = false;

  /** Called just past the section's '['. */
  begin(): void {
    this.sectionEmpty = true;
    this.state = State.StringsExpect;
  }

  private fail(problem: string, index: number): never {
    throw new HeapSnapshotError(problem, this.base + index);
  }

  /**
   * The strings section: the chunk's bytes are copied into the string table in one run, and
   * one loop walks them, recording where each string starts and ends (escapes are checked
   * here and decoded only when a string is read). Returns where it stopped: past the ']'
   * once `closed`.
   */
  read(b: Uint8Array, i: number, end: number, base: number): number {
    this.base = base;
    const table = this.table;
    let state = this.state;
    // Block offset of b[k] is k + delta.
    const delta = table.copyRun(b, i, end, state === State.StringIn || state === State.StringEscape) - i;
    const words = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2) : null;
    while (i < end) {
      if (state === State.StringIn) {
        // To the next quote, backslash or control character.
        i = plainRunEnd(b, words, i, end);
        if (i === end) break;
        const c = b[i];
        if (c === QUOTE) {
          table.end(i + delta);
          this.sectionEmpty = false;
          // V8 writes `",\n"` between strings: step straight into the next one.
          if (i + 3 < end && b[i + 1] === COMMA && b[i + 2] === NEWLINE && b[i + 3] === QUOTE) {
            table.begin(i + 4 + delta);
            i += 4;
            continue;
          }
          state = State.StringsAfterItem;
        } else if (c === BACKSLASH) {
          table.markEscaped();
          state = State.StringEscape;
        } else {
          this.fail(`Malformed string ${table.count}: unescaped control character`, i);
        }
        i++;
        continue;
      }
      const c = b[i];
      if (state === State.StringEscape) {
        if (this.uHexLeft > 0) {
          const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
          if (!hex) this.fail(`Malformed string ${table.count}: bad \\u escape`, i);
          if (--this.uHexLeft === 0) state = State.StringIn;
        } else if (c === 0x75 /* u */) {
          this.uHexLeft = 4;
        } else if (
          c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74
        ) {
          state = State.StringIn;
        } else {
          this.fail(`Malformed string ${table.count}: invalid escape \\${String.fromCharCode(c)}`, i);
        }
      } else if (state === State.StringsAfterItem) {
        if (c === COMMA) state = State.StringsExpect;
        else if (c === CLOSE_BRACKET) {
          this.finish();
          return i + 1;
        } else if (!isSpace(c)) this.fail(`Malformed "strings": expected ',' or ']', found ${describeByte(c)}`, i);
      } else if (c === QUOTE) {
        table.begin(i + 1 + delta);
        state = State.StringIn;
      } else if (c === CLOSE_BRACKET && this.sectionEmpty) {
        this.finish();
        return i + 1;
      } else if (!isSpace(c)) {
        this.fail(`Malformed "strings": expected a string, found ${describeByte(c)}`, i);
      }
      i++;
    }
    this.state = state;
    return end;
  }

  /** At the section's ']': the table is complete. */
  private finish(): void {
    this.table.seal();
    this.closed = true;
  }
}
