/**
 * The proto3 JSON form of the registry, as `feast registry-dump` prints it: `{"project": ..., "dataSources":
 * [...], "entities": [{spec, meta}], "featureViews": [...], ...}` (lowerCamelCase names, enums by name,
 * Timestamps in RFC 3339, Durations as "7200s", int64 as strings, bytes in base64). A full Registry message in
 * JSON reads the same way. Unknown properties are ignored, like unknown fields in registry.db.
 */

import { WorkbenchError } from '../contract/errors';
import { MAX_DURATION_SECONDS, MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS } from './codec';
import { emptyMessage, scalarDefault, setEntry, type RegistryDocument, type TimestampDoc } from './document';
import { jsonPath, JsonSyntaxError, parseJson } from '../text/json-positions';
import { REGISTRY, type EnumDef, type FieldDef, type MessageDef, type ScalarType } from './schema';

class JsonShapeError extends Error {
  constructor(
    readonly reason: string,
    /** Property names and indexes from the root to the offending value. */
    readonly keys: (string | number)[],
  ) {
    super(reason);
  }
}

interface Slot {
  keys: (string | number)[];
  /** The same location for messages, in JSON names: registry.featureViews[0].spec.name. */
  path: string;
}

function child(slot: Slot, key: string | number, path: string): Slot {
  return { keys: [...slot.keys, key], path };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function shapeError(slot: Slot, message: string): JsonShapeError {
  return new JsonShapeError(`${slot.path}: ${message}`, slot.keys);
}

const DIGITS = /^-?\d+$/;

function readInteger(value: unknown, slot: Slot, bits: 32 | 64): number {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && DIGITS.test(value.trim())) number = Number(value.trim());
  else throw shapeError(slot, `expected an integer, got ${typeOf(value)}`);
  if (!Number.isSafeInteger(number)) throw shapeError(slot, `expected an integer, got ${String(value)}`);
  if (bits === 32 && (number < -2_147_483_648 || number > 2_147_483_647)) {
    throw shapeError(slot, `${number} does not fit in 32 bits`);
  }
  return number;
}

function readEnum(value: unknown, enumDef: EnumDef, slot: Slot): number {
  if (typeof value === 'string' && !DIGITS.test(value)) {
    // A name from a newer Feast version reads as 0, as an unknown number does in registry.db.
    return enumDef.numbers[value] ?? 0;
  }
  return readInteger(value, slot, 32);
}

const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/**
 * Bytes are base64 in proto3 JSON, but `feast registry-dump` replaces a UDF's pickled `body` with its source
 * text, so a string that is not base64 is kept as its UTF-8 bytes.
 */
function readBytes(value: unknown, slot: Slot): Uint8Array {
  if (typeof value !== 'string') throw shapeError(slot, `expected a base64 string, got ${typeOf(value)}`);
  if (BASE64.test(value)) return new Uint8Array(Buffer.from(value, 'base64'));
  return new TextEncoder().encode(value);
}

function readFloat(value: unknown, slot: Slot): number {
  if (typeof value === 'number') return Math.fround(value);
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Math.fround(Number(value));
  }
  throw shapeError(slot, `expected a number, got ${typeOf(value)}`);
}

function readScalar(type: ScalarType, enumDef: EnumDef | undefined, value: unknown, slot: Slot): unknown {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw shapeError(slot, `expected a string, got ${typeOf(value)}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw shapeError(slot, `expected true or false, got ${typeOf(value)}`);
      return value;
    case 'bytes':
      return readBytes(value, slot);
    case 'float':
      return readFloat(value, slot);
    case 'int32':
      return readInteger(value, slot, 32);
    case 'int64':
      return readInteger(value, slot, 64);
    case 'enum':
      return readEnum(value, enumDef as EnumDef, slot);
  }
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export function parseTimestamp(text: string): TimestampDoc | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const date = new Date(0);
  date.setUTCFullYear(year as number, (month as number) - 1, day as number);
  date.setUTCHours(hour as number, minute as number, second as number, 0);
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== (month as number) - 1 ||
    date.getUTCDate() !== day ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 59
  ) {
    return undefined;
  }
  let seconds = date.getTime() / 1000;
  if (m[9]) {
    const offset = Number(m[10]) * 3600 + Number(m[11]) * 60;
    seconds -= m[9] === '+' ? offset : -offset;
  }
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) return undefined;
  return { seconds, nanos };
}

/** RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits, as protobuf prints Timestamps. */
export function formatTimestamp(value: TimestampDoc): string {
  // Within 0001..9999 (checked on input), toISOString prints the plain four-digit year form.
  return `${new Date(value.seconds * 1000).toISOString().slice(0, 19)}${fraction(value.nanos)}Z`;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(Math.abs(nanos)).padStart(9, '0');
  if (digits.endsWith('000000')) return `.${digits.slice(0, 3)}`;
  if (digits.endsWith('000')) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

const DURATION_TEXT = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

export function parseDuration(text: string): TimestampDoc | undefined {
  const m = DURATION_TEXT.exec(text);
  if (!m) return undefined;
  const sign = m[1] ? -1 : 1;
  const whole = Number(m[2]);
  if (!Number.isSafeInteger(whole) || whole > MAX_DURATION_SECONDS) return undefined;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  // 0 * -1 is -0; keep zero plain.
  return { seconds: whole === 0 ? 0 : sign * whole, nanos: nanos === 0 ? 0 : sign * nanos };
}

export function formatDuration(value: TimestampDoc): string {
  const negative = value.seconds < 0 || value.nanos < 0;
  return `${negative ? '-' : ''}${Math.abs(value.seconds)}${fraction(value.nanos)}s`;
}

class JsonReader {
  message(def: MessageDef, value: unknown, slot: Slot): Record<string, unknown> {
    if (def.wellKnown) {
      if (typeof value !== 'string')
        throw shapeError(slot, `expected a ${def.wellKnown} string, got ${typeOf(value)}`);
      const parsed = def.wellKnown === 'timestamp' ? parseTimestamp(value) : parseDuration(value);
      if (!parsed) {
        const form =
          def.wellKnown === 'timestamp' ? 'an RFC 3339 time such as 2026-01-10T00:00:00Z' : 'like "7200s"';
        throw shapeError(slot, `"${value}" is not ${form}`);
      }
      return parsed as unknown as Record<string, unknown>;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw shapeError(slot, `expected an object, got ${typeOf(value)}`);
    }
    const out = emptyMessage(def);
    for (const [key, item] of Object.entries(value)) {
      const field = def.byJsonKey.get(key);
      if (!field || item === null) continue;
      const at = child(slot, key, `${slot.path}.${field.json}`);
      if (field.kind === 'message' && field.oneof) {
        for (const other of def.oneofSiblings.get(field) ?? []) {
          if (out[other] !== undefined) throw shapeError(at, `only one of ${field.oneof} may be set`);
        }
      }
      out[field.json] = this.field(field, item, at);
    }
    return out;
  }

  field(field: FieldDef, value: unknown, slot: Slot): unknown {
    if (field.kind === 'map') {
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw shapeError(slot, `expected an object, got ${typeOf(value)}`);
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as object)) {
        const at = child(slot, key, `${slot.path}[${JSON.stringify(key)}]`);
        const read =
          field.value.kind === 'message'
            ? this.message(field.value.message(), item, at)
            : item === null
              ? scalarDefault(field.value.type)
              : readScalar(field.value.type, field.value.enumDef, item, at);
        setEntry(out, key, read);
      }
      return out;
    }
    const one = (item: unknown, at: Slot): unknown =>
      field.kind === 'message'
        ? this.message(field.message(), item, at)
        : readScalar(field.type, field.enumDef, item, at);
    if (field.repeated) {
      if (!Array.isArray(value)) throw shapeError(slot, `expected an array, got ${typeOf(value)}`);
      return value.map((item, i) => one(item, child(slot, i, `${slot.path}[${i}]`)));
    }
    return one(value, slot);
  }
}

/** Feast's dump leaves `project` out of most objects; they all belong to the dumped project. */
function fillProject(document: RegistryDocument, project: string): void {
  const fill = (spec: { project: string } | undefined) => {
    if (spec && spec.project === '') spec.project = project;
  };
  for (const entity of document.entities) fill(entity.spec);
  for (const source of document.dataSources) fill(source);
  for (const view of document.featureViews) fill(view.spec);
  for (const service of document.featureServices) fill(service.spec);
  for (const odfv of document.onDemandFeatureViews) fill(odfv.spec);
  for (const dataset of document.savedDatasets) fill(dataset.spec);
  const listed =
    document.projects.some((p) => p.spec?.name === project) ||
    document.projectMetadata.some((p) => p.project === project);
  if (!listed) document.projects.push({ spec: { name: project, description: '', tags: {}, owner: '' } });
}

/** Line and column of the value at `keys` (for messages about well-formed JSON of the wrong shape). */
function locate(text: string, keys: (string | number)[]): { line: number; column: number } | undefined {
  return parseJson(text).locate(keys.reduce<string>((path, key) => jsonPath(path, key), '$'));
}

function syntaxError(text: string, source: string, cause: unknown): WorkbenchError {
  try {
    parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const { line, column } = error.location;
      return new WorkbenchError(
        {
          kind: 'RegistryInvalid',
          source,
          reason: `invalid JSON at line ${line}, column ${column}: ${error.reason}`,
        },
        { cause: error },
      );
    }
    throw error;
  }
  // JSON.parse and this parser disagree: report what JSON.parse said.
  return new WorkbenchError(
    { kind: 'RegistryInvalid', source, reason: `invalid JSON: ${(cause as Error).message}` },
    { cause },
  );
}

/**
 * Reads `feast registry-dump` output (or a Registry message as JSON); errors carry line and column. JSON.parse
 * does the parsing; the slower position-keeping parser only runs to explain a mistake.
 */
export function readRegistryJson(text: string, source: string): RegistryDocument {
  let root: unknown;
  try {
    root = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw syntaxError(text, source, error);
  }
  try {
    const document = new JsonReader().message(REGISTRY, root, {
      keys: [],
      path: 'registry',
    }) as unknown as RegistryDocument;
    const project = (root as Record<string, unknown>).project;
    if (project !== undefined && project !== null) {
      if (typeof project !== 'string') {
        throw shapeError(
          { keys: ['project'], path: 'registry.project' },
          `expected a string, got ${typeOf(project)}`,
        );
      }
      fillProject(document, project);
    }
    return document;
  } catch (error) {
    if (!(error instanceof JsonShapeError)) throw error;
    const at = locate(text, error.keys);
    const where = at ? `line ${at.line}, column ${at.column}: ` : '';
    throw new WorkbenchError(
      { kind: 'RegistryInvalid', source, reason: `${where}${error.reason}` },
      { cause: error },
    );
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function enumToJson(number: number, enumDef: EnumDef): string | number {
  for (const [name, value] of Object.entries(enumDef.numbers)) if (value === number) return name;
  return number;
}

function scalarToJson(type: ScalarType, enumDef: EnumDef | undefined, value: unknown): unknown {
  switch (type) {
    case 'bytes':
      return base64(value as Uint8Array);
    case 'int64':
      return String(value);
    case 'enum':
      return enumToJson(value as number, enumDef as EnumDef);
    case 'float': {
      const number = value as number;
      if (Number.isNaN(number)) return 'NaN';
      if (number === Infinity) return 'Infinity';
      if (number === -Infinity) return '-Infinity';
      return number;
    }
    default:
      return value;
  }
}

function isDefaultScalar(type: ScalarType, value: unknown): boolean {
  if (type === 'bytes') return (value as Uint8Array).length === 0;
  return value === scalarDefault(type);
}

function messageToJson(def: MessageDef, value: Record<string, unknown>): unknown {
  if (def.wellKnown === 'timestamp') return formatTimestamp(value as unknown as TimestampDoc);
  if (def.wellKnown === 'duration') return formatDuration(value as unknown as TimestampDoc);
  const out: Record<string, unknown> = {};
  for (const field of def.fields) {
    const item = value[field.json];
    if (item === undefined) continue;
    if (field.kind === 'map') {
      const entries = Object.entries(item as object);
      if (entries.length === 0) continue;
      const map: Record<string, unknown> = {};
      for (const [key, element] of entries) {
        setEntry(
          map,
          key,
          field.value.kind === 'message'
            ? messageToJson(field.value.message(), element as Record<string, unknown>)
            : scalarToJson(field.value.type, field.value.enumDef, element),
        );
      }
      out[field.json] = map;
    } else if (field.repeated) {
      const list = item as unknown[];
      if (list.length === 0) continue;
      out[field.json] = list.map((element) =>
        field.kind === 'message'
          ? messageToJson(field.message(), element as Record<string, unknown>)
          : scalarToJson(field.type, field.enumDef, element),
      );
    } else if (field.kind === 'message') {
      out[field.json] = messageToJson(field.message(), item as Record<string, unknown>);
    } else if (!isDefaultScalar(field.type, item)) {
      out[field.json] = scalarToJson(field.type, field.enumDef, item);
    }
  }
  return out;
}

/** The document as proto3 JSON (the shape `readRegistryJson` reads), indented by two spaces. */
export function registryToJson(document: RegistryDocument): string {
  return `${JSON.stringify(messageToJson(REGISTRY, document as unknown as Record<string, unknown>), null, 2)}\n`;
}
