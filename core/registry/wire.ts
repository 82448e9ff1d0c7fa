/**
 * Protocol Buffers wire format: a bounds-checked reader and a growable writer. Every read either advances
 * or throws {@link WireError} with the byte offset, so malformed input can neither crash nor loop.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

export const WIRE_TYPE_NAMES = [
  'varint',
  'fixed64',
  'length-delimited',
  'start-group',
  'end-group',
  'fixed32',
];

/** Largest field number protobuf allows (2^29 - 1). */
const MAX_FIELD_NUMBER = 536_870_911;
/** Nesting limit for groups and messages, as protobuf's own parsers use. */
export const MAX_DEPTH = 100;

export class WireError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} (byte ${offset})`);
    this.name = 'WireError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class WireReader {
  pos = 0;
  /** Reads stop here: the end of the message being decoded, so a field cannot overrun its parent. */
  limit: number;

  constructor(readonly bytes: Uint8Array) {
    this.limit = bytes.length;
  }

  /** An unsigned varint as a number; exact up to 2^53, which covers every tag and length that can fit. */
  readUint(): number {
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.limit) throw new WireError('truncated varint', start);
      const byte = this.bytes[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new WireError('varint longer than 10 bytes', start);
  }

  /**
   * A varint's low 32 bits as a signed number, which is how int32 and enum values are read (negative ones
   * arrive sign-extended to 10 bytes). `nonZero` tells bools apart without building a BigInt.
   */
  readInt32(): { value: number; nonZero: boolean } {
    const start = this.pos;
    let low = 0;
    let nonZero = false;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.limit) throw new WireError('truncated varint', start);
      const byte = this.bytes[this.pos++] as number;
      if ((byte & 0x7f) !== 0) nonZero = true;
      if (i < 5) low |= (byte & 0x7f) << (7 * i);
      if ((byte & 0x80) === 0) return { value: low | 0, nonZero };
    }
    throw new WireError('varint longer than 10 bytes', start);
  }

  /** A varint as its full 64-bit unsigned value. */
  readBigUint(): bigint {
    const start = this.pos;
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.limit) throw new WireError('truncated varint', start);
      const byte = this.bytes[this.pos++] as number;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, value);
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes', start);
  }

  readTag(): { fieldNumber: number; wireType: number; offset: number } {
    const offset = this.pos;
    const tag = this.readUint();
    const wireType = tag % 8;
    const fieldNumber = Math.floor(tag / 8);
    if (fieldNumber === 0 || fieldNumber > MAX_FIELD_NUMBER) {
      throw new WireError(`invalid field number ${fieldNumber}`, offset);
    }
    if (wireType > WIRE_FIXED32) throw new WireError(`invalid wire type ${wireType}`, offset);
    return { fieldNumber, wireType, offset };
  }

  /** Reads a length prefix and returns the end offset of the payload it announces. */
  readLengthEnd(): number {
    const start = this.pos;
    const length = this.readUint();
    const remaining = this.limit - this.pos;
    if (length > remaining) {
      throw new WireError(
        `truncated: a length-delimited field announces ${length} bytes but ${remaining} remain`,
        start,
      );
    }
    return this.pos + length;
  }

  readBytes(): Uint8Array {
    const end = this.readLengthEnd();
    const out = this.bytes.slice(this.pos, end);
    this.pos = end;
    return out;
  }

  readString(): string {
    const start = this.pos;
    const end = this.readLengthEnd();
    if (end - this.pos <= 64) {
      // Most registry strings are short ASCII names; decoding those by hand is much faster than TextDecoder.
      let ascii = '';
      let i = this.pos;
      for (; i < end; i++) {
        const byte = this.bytes[i] as number;
        if (byte >= 0x80) break;
        ascii += String.fromCharCode(byte);
      }
      if (i === end) {
        this.pos = end;
        return ascii;
      }
    }
    try {
      const text = utf8.decode(this.bytes.subarray(this.pos, end));
      this.pos = end;
      return text;
    } catch {
      throw new WireError('string field is not valid UTF-8', start);
    }
  }

  private need(count: number): void {
    if (this.limit - this.pos < count) {
      throw new WireError(`truncated: ${count}-byte fixed field, ${this.limit - this.pos} remain`, this.pos);
    }
  }

  readFloat32(): number {
    this.need(4);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4);
    this.pos += 4;
    return view.getFloat32(0, true);
  }

  readFloat64(): number {
    this.need(8);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** Skips the value of a field this schema does not know (newer Feast versions add fields). */
  skip(wireType: number, fieldNumber: number, depth = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.readUint();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.readLengthEnd();
        return;
      case WIRE_FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      case WIRE_START_GROUP: {
        if (depth >= MAX_DEPTH) throw new WireError('groups nested too deeply', this.pos);
        for (;;) {
          if (this.pos >= this.limit)
            throw new WireError(`truncated: group ${fieldNumber} never ends`, this.pos);
          const tag = this.readTag();
          if (tag.wireType === WIRE_END_GROUP) {
            if (tag.fieldNumber !== fieldNumber) {
              throw new WireError(`end of group ${tag.fieldNumber} inside group ${fieldNumber}`, tag.offset);
            }
            return;
          }
          this.skip(tag.wireType, tag.fieldNumber, depth + 1);
        }
      }
      default:
        throw new WireError(`unexpected ${WIRE_TYPE_NAMES[wireType] ?? `wire type ${wireType}`}`, this.pos);
    }
  }
}

const utf8Encoder = new TextEncoder();

export class WireWriter {
  private buffer = new Uint8Array(256);
  private size = 0;

  private ensure(extra: number): void {
    if (this.size + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.size + extra) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.size));
    this.buffer = next;
  }

  private byte(value: number): void {
    this.ensure(1);
    this.buffer[this.size++] = value;
  }

  uint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 128) | 0x80);
      rest = Math.floor(rest / 128);
    }
    this.byte(rest);
  }

  /** Any 64-bit value, negatives as two's complement (10 bytes), as protobuf writes int32/int64/enum. */
  bigUint(value: bigint): void {
    let rest = BigInt.asUintN(64, value);
    while (rest >= 0x80n) {
      this.byte(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.byte(Number(rest));
  }

  tag(fieldNumber: number, wireType: number): void {
    this.uint(fieldNumber * 8 + wireType);
  }

  bytes(value: Uint8Array): void {
    this.uint(value.length);
    this.ensure(value.length);
    this.buffer.set(value, this.size);
    this.size += value.length;
  }

  string(value: string): void {
    this.bytes(utf8Encoder.encode(value));
  }

  float32(value: number): void {
    this.ensure(4);
    new DataView(this.buffer.buffer, this.size, 4).setFloat32(0, value, true);
    this.size += 4;
  }

  float64(value: number): void {
    this.ensure(8);
    new DataView(this.buffer.buffer, this.size, 8).setFloat64(0, value, true);
    this.size += 8;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.size);
  }
}
