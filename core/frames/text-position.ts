/**
 * UTF-8 validation and byte offset -> (line, column) for messages about text files the user gave us.
 *
 * Lines end at LF, CRLF or a lone CR (as editors count them). Columns are 1-based and counted in UTF-16 code
 * units, the unit Monaco and VS Code use for columns, so a character outside the BMP counts as 2.
 */
import { isUtf8 } from 'node:buffer';

const LF = 0x0a;
const CR = 0x0d;

/** True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
export function isWellFormedUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

/**
 * Offset of the first byte of the first ill-formed UTF-8 sequence at or after `from`, or -1. Follows Unicode's
 * table of well-formed byte sequences (Table 3-7), the same rules as {@link isWellFormedUtf8}.
 */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  const n = bytes.length;
  let i = from;
  while (i < n) {
    const c = bytes[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c === 0xe0) {
      need = 2;
      lo = 0xa0;
    } else if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) need = 2;
    else if (c === 0xed) {
      need = 2;
      hi = 0x9f;
    } else if (c === 0xf0) {
      need = 3;
      lo = 0x90;
    } else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else if (c === 0xf4) {
      need = 3;
      hi = 0x8f;
    } else return i;
    if (i + need >= n) return i;
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const b = bytes[i + k]!;
      if (b < 0x80 || b > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

export interface LineColumn {
  line: number;
  column: number;
}

/**
 * The 1-based line and column of byte `offset`. `contentStart` is where the text starts (after a BOM), so the
 * first character after a BOM is column 1. The bytes before `offset` must be valid UTF-8.
 */
export function lineColumnAt(bytes: Uint8Array, offset: number, contentStart = 0): LineColumn {
  let line = 1;
  let lineStart = contentStart;
  const end = Math.min(offset, bytes.length);
  for (let i = contentStart; i < end; i++) {
    const c = bytes[i]!;
    if (c === LF) {
      line++;
      lineStart = i + 1;
    } else if (c === CR && bytes[i + 1] !== LF) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (let i = lineStart; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x80 || c >= 0xc0) column += c >= 0xf0 ? 2 : 1;
  }
  return { line, column };
}
