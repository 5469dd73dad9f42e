/**
 * What the snapshot parser's readers (parser*.ts) look for in the text: the JSON bytes, the
 * limits on the numbers, and how an error names a byte.
 */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const NEWLINE = 0x0a;

/** 15 digits stay exact in a double. */
export const MAX_DIGITS = 15;

/** Detachedness is kept in a byte; V8 writes 0, 1 or 2, and a larger value is refused rather than wrapped. */
export const MAX_DETACHEDNESS = 255;

export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function describeByte(c: number): string {
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
