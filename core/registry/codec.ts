/**
 * registry.db <-> {@link RegistryDocument}, driven by the message table in schema.ts. registry.db is the raw
 * serialized `feast.core.Registry` message: no header, no compression.
 */

import { WorkbenchError } from '../contract/errors';
import { emptyMessage, scalarDefault, setEntry, type RegistryDocument } from './document';
import { REGISTRY, type FieldDef, type MapValueDef, type MessageDef, type ScalarType } from './schema';
import {
  MAX_DEPTH,
  WIRE_FIXED32,
  WIRE_LEN,
  WIRE_TYPE_NAMES,
  WIRE_VARINT,
  WireError,
  WireReader,
  WireWriter,
} from './wire';

/** Valid google.protobuf.Timestamp range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
export const MIN_TIMESTAMP_SECONDS = -62_135_596_800;
export const MAX_TIMESTAMP_SECONDS = 253_402_300_799;
/** Valid google.protobuf.Duration range: +-10,000 years. */
export const MAX_DURATION_SECONDS = 315_576_000_000;

function expectedWireType(type: ScalarType): number {
  switch (type) {
    case 'string':
    case 'bytes':
      return WIRE_LEN;
    case 'float':
      return WIRE_FIXED32;
    default:
      return WIRE_VARINT;
  }
}

class Decoder {
  readonly path: string[] = ['registry'];

  constructor(readonly reader: WireReader) {}

  scalar(type: ScalarType, offset: number): unknown {
    const r = this.reader;
    switch (type) {
      case 'string':
        return r.readString();
      case 'bytes':
        return r.readBytes();
      case 'bool':
        return r.readInt32().nonZero;
      case 'float':
        return r.readFloat32();
      case 'int32':
      case 'enum':
        return r.readInt32().value;
      case 'int64': {
        const value = BigInt.asIntN(64, r.readBigUint());
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new WireError(`int64 value ${value} is out of the supported range`, offset);
        }
        return Number(value);
      }
    }
  }

  /** Decodes one length-delimited sub-message, merging into `target` when the field repeats on the wire. */
  subMessage(def: MessageDef, depth: number, target?: Record<string, unknown>): Record<string, unknown> {
    const r = this.reader;
    if (depth >= MAX_DEPTH) throw new WireError('messages nested too deeply', r.pos);
    const end = r.readLengthEnd();
    const outerLimit = r.limit;
    r.limit = end;
    const value = this.message(def, depth + 1, target);
    r.limit = outerLimit;
    return value;
  }

  message(def: MessageDef, depth: number, target?: Record<string, unknown>): Record<string, unknown> {
    const r = this.reader;
    const start = r.pos;
    const out = target ?? emptyMessage(def);
    while (r.pos < r.limit) {
      const tag = r.readTag();
      const field = def.byNumber.get(tag.fieldNumber);
      if (!field) {
        r.skip(tag.wireType, tag.fieldNumber);
        continue;
      }
      const expected = field.kind === 'scalar' ? expectedWireType(field.type) : WIRE_LEN;
      if (tag.wireType !== expected) {
        throw new WireError(
          `field ${def.name}.${field.name} (${field.no}) has wire type ${WIRE_TYPE_NAMES[tag.wireType]}, ` +
            `expected ${WIRE_TYPE_NAMES[expected]}`,
          tag.offset,
        );
      }
      this.path.push(field.json);
      this.field(def, field, out, depth, tag.offset);
      this.path.pop();
    }
    if (def.wellKnown) checkWellKnown(def.wellKnown, out, start);
    return out;
  }

  field(
    owner: MessageDef,
    field: FieldDef,
    out: Record<string, unknown>,
    depth: number,
    offset: number,
  ): void {
    if (field.kind === 'scalar') {
      const value = this.scalar(field.type, offset);
      if (field.repeated) (out[field.json] as unknown[]).push(value);
      else out[field.json] = value;
      return;
    }
    if (field.kind === 'message') {
      const def = field.message();
      if (field.repeated) {
        const list = out[field.json] as unknown[];
        this.path.push(`[${list.length}]`);
        list.push(this.subMessage(def, depth));
        this.path.pop();
        return;
      }
      for (const other of owner.oneofSiblings.get(field) ?? []) delete out[other];
      const existing = out[field.json] as Record<string, unknown> | undefined;
      out[field.json] = this.subMessage(def, depth, existing);
      return;
    }
    const [key, value] = this.mapEntry(field.value, depth);
    setEntry(out[field.json] as Record<string, unknown>, key, value);
  }

  mapEntry(valueDef: MapValueDef, depth: number): [string, unknown] {
    const r = this.reader;
    if (depth >= MAX_DEPTH) throw new WireError('messages nested too deeply', r.pos);
    const end = r.readLengthEnd();
    const outerLimit = r.limit;
    r.limit = end;
    let key = '';
    let value: unknown = valueDef.kind === 'message' ? undefined : scalarDefault(valueDef.type);
    while (r.pos < r.limit) {
      const tag = r.readTag();
      if (tag.fieldNumber === 1) {
        if (tag.wireType !== WIRE_LEN) throw new WireError('map key has the wrong wire type', tag.offset);
        key = r.readString();
      } else if (tag.fieldNumber === 2) {
        const expected = valueDef.kind === 'message' ? WIRE_LEN : expectedWireType(valueDef.type);
        if (tag.wireType !== expected) throw new WireError('map value has the wrong wire type', tag.offset);
        if (valueDef.kind === 'message') {
          this.path.push(`[${JSON.stringify(key)}]`);
          value = this.subMessage(
            valueDef.message(),
            depth + 1,
            value as Record<string, unknown> | undefined,
          );
          this.path.pop();
        } else {
          value = this.scalar(valueDef.type, tag.offset);
        }
      } else {
        r.skip(tag.wireType, tag.fieldNumber);
      }
    }
    r.limit = outerLimit;
    if (valueDef.kind === 'message' && value === undefined) value = emptyMessage(valueDef.message());
    return [key, value];
  }
}

function checkWellKnown(
  kind: 'timestamp' | 'duration',
  value: Record<string, unknown>,
  offset: number,
): void {
  const seconds = value.seconds as number;
  const nanos = value.nanos as number;
  if (kind === 'timestamp') {
    if (
      seconds < MIN_TIMESTAMP_SECONDS ||
      seconds > MAX_TIMESTAMP_SECONDS ||
      nanos < 0 ||
      nanos > 999_999_999
    ) {
      throw new WireError(`timestamp out of range (seconds ${seconds}, nanos ${nanos})`, offset);
    }
  } else if (
    Math.abs(seconds) > MAX_DURATION_SECONDS ||
    Math.abs(nanos) > 999_999_999 ||
    (seconds > 0 && nanos < 0) ||
    (seconds < 0 && nanos > 0)
  ) {
    throw new WireError(`duration out of range (seconds ${seconds}, nanos ${nanos})`, offset);
  }
}

function looksLikeJson(bytes: Uint8Array): boolean {
  let i = 0;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
  )
    i++;
  return bytes[i] === 0x7b; // '{'
}

/**
 * Decodes registry.db bytes. Unknown fields are skipped; malformed bytes throw a RegistryInvalid
 * WorkbenchError naming the byte offset and the field being read.
 */
export function decodeRegistry(bytes: Uint8Array, source: string): RegistryDocument {
  const decoder = new Decoder(new WireReader(bytes));
  try {
    return decoder.message(REGISTRY, 0) as unknown as RegistryDocument;
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    const where = decoder.path.join('.').replace(/\.\[/g, '[');
    const hint = looksLikeJson(bytes)
      ? '; the file looks like JSON: give it a .json name to read it as `feast registry-dump` output'
      : '';
    throw new WorkbenchError(
      {
        kind: 'RegistryInvalid',
        source,
        reason: `${error.reason} while reading ${where}${hint}`,
        offset: error.offset,
      },
      { cause: error },
    );
  }
}

function internal(message: string): WorkbenchError {
  return new WorkbenchError({ kind: 'Internal', message: `encodeRegistry: ${message}` });
}

function isDefault(type: ScalarType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return value === '';
    case 'bytes':
      return (value as Uint8Array).length === 0;
    case 'bool':
      return value === false;
    case 'float':
      return value === 0 && !Object.is(value, -0);
    default:
      return value === 0;
  }
}

function writeScalar(writer: WireWriter, type: ScalarType, value: unknown, where: string): void {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw internal(`${where} must be a string`);
      writer.string(value);
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw internal(`${where} must be a Uint8Array`);
      writer.bytes(value);
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw internal(`${where} must be a boolean`);
      writer.uint(value ? 1 : 0);
      return;
    case 'float':
      if (typeof value !== 'number') throw internal(`${where} must be a number`);
      writer.float32(value);
      return;
    default:
      if (!Number.isSafeInteger(value)) throw internal(`${where} must be an integer`);
      writer.bigUint(BigInt(value as number));
  }
}

function encodeMessage(
  def: MessageDef,
  value: Record<string, unknown>,
  writer: WireWriter,
  where: string,
): void {
  for (const field of def.fields) {
    const item = value[field.json];
    if (item === undefined) continue;
    const at = `${where}.${field.json}`;
    if (field.kind === 'scalar') {
      const wire = expectedWireType(field.type);
      if (field.repeated) {
        if (!Array.isArray(item)) throw internal(`${at} must be an array`);
        for (const element of item) {
          writer.tag(field.no, wire);
          writeScalar(writer, field.type, element, at);
        }
      } else if (!isDefault(field.type, item)) {
        writer.tag(field.no, wire);
        writeScalar(writer, field.type, item, at);
      }
    } else if (field.kind === 'message') {
      const def = field.message();
      const items = field.repeated ? item : [item];
      if (!Array.isArray(items)) throw internal(`${at} must be an array`);
      for (const element of items) {
        writer.tag(field.no, WIRE_LEN);
        writer.bytes(encodeToBytes(def, element, at));
      }
    } else {
      if (typeof item !== 'object' || item === null) throw internal(`${at} must be an object`);
      for (const [key, element] of Object.entries(item)) {
        const entry = new WireWriter();
        entry.tag(1, WIRE_LEN);
        entry.string(key);
        if (field.value.kind === 'message') {
          entry.tag(2, WIRE_LEN);
          entry.bytes(encodeToBytes(field.value.message(), element, `${at}.${key}`));
        } else {
          entry.tag(2, expectedWireType(field.value.type));
          writeScalar(entry, field.value.type, element, `${at}.${key}`);
        }
        writer.tag(field.no, WIRE_LEN);
        writer.bytes(entry.finish());
      }
    }
  }
}

function encodeToBytes(def: MessageDef, value: unknown, where: string): Uint8Array {
  if (typeof value !== 'object' || value === null) throw internal(`${where} must be an object`);
  const writer = new WireWriter();
  encodeMessage(def, value as Record<string, unknown>, writer, where);
  return writer.finish();
}

/**
 * Serializes a registry document as registry.db bytes (fields in number order, proto3 defaults omitted,
 * map entries in insertion order), so the same document always gives the same bytes.
 */
export function encodeRegistry(document: RegistryDocument): Uint8Array {
  return encodeToBytes(REGISTRY, document, 'registry');
}
