/**
 * PostgreSQL type OIDs as Redshift names them in ColumnMetadata, and the metadata figures (precision, scale,
 * length) the Data API reports for them.
 */
import type { ValueKind } from './protocol';

export const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

interface TypeInfo {
  name: string;
  kind: ValueKind;
  signed: boolean;
  caseSensitive: boolean;
  /** Precision when the type has no modifier. */
  precision: number;
  scale: number;
}

const TYPES = new Map<number, TypeInfo>([
  [OID.bool, { name: 'bool', kind: 'boolean', signed: false, caseSensitive: false, precision: 1, scale: 0 }],
  [OID.int2, { name: 'int2', kind: 'long', signed: true, caseSensitive: false, precision: 5, scale: 0 }],
  [OID.int4, { name: 'int4', kind: 'long', signed: true, caseSensitive: false, precision: 10, scale: 0 }],
  [OID.int8, { name: 'int8', kind: 'long', signed: true, caseSensitive: false, precision: 19, scale: 0 }],
  [OID.oid, { name: 'oid', kind: 'long', signed: false, caseSensitive: false, precision: 10, scale: 0 }],
  [
    OID.float4,
    { name: 'float4', kind: 'double', signed: true, caseSensitive: false, precision: 8, scale: 8 },
  ],
  [
    OID.float8,
    { name: 'float8', kind: 'double', signed: true, caseSensitive: false, precision: 17, scale: 17 },
  ],
  [
    OID.numeric,
    { name: 'numeric', kind: 'string', signed: true, caseSensitive: false, precision: 38, scale: 0 },
  ],
  [
    OID.varchar,
    { name: 'varchar', kind: 'string', signed: false, caseSensitive: true, precision: 65535, scale: 0 },
  ],
  // Redshift has no TEXT type: it is VARCHAR(256) in tables and plain varchar in expressions.
  [
    OID.text,
    { name: 'varchar', kind: 'string', signed: false, caseSensitive: true, precision: 65535, scale: 0 },
  ],
  [
    OID.unknown,
    { name: 'varchar', kind: 'string', signed: false, caseSensitive: true, precision: 65535, scale: 0 },
  ],
  [
    OID.bpchar,
    { name: 'bpchar', kind: 'string', signed: false, caseSensitive: true, precision: 1, scale: 0 },
  ],
  [OID.char, { name: 'char', kind: 'string', signed: false, caseSensitive: true, precision: 1, scale: 0 }],
  [OID.name, { name: 'name', kind: 'string', signed: false, caseSensitive: true, precision: 64, scale: 0 }],
  [OID.date, { name: 'date', kind: 'string', signed: false, caseSensitive: false, precision: 13, scale: 0 }],
  [OID.time, { name: 'time', kind: 'string', signed: false, caseSensitive: false, precision: 15, scale: 6 }],
  [
    OID.timetz,
    { name: 'timetz', kind: 'string', signed: false, caseSensitive: false, precision: 21, scale: 6 },
  ],
  [
    OID.timestamp,
    { name: 'timestamp', kind: 'string', signed: false, caseSensitive: false, precision: 29, scale: 6 },
  ],
  [
    OID.timestamptz,
    { name: 'timestamptz', kind: 'string', signed: false, caseSensitive: false, precision: 35, scale: 6 },
  ],
  [
    OID.interval,
    { name: 'interval', kind: 'string', signed: false, caseSensitive: false, precision: 49, scale: 6 },
  ],
  // SUPER is emulated as a domain over jsonb; result columns report a domain's base type.
  [
    OID.jsonb,
    { name: 'super', kind: 'string', signed: false, caseSensitive: true, precision: 65535, scale: 0 },
  ],
  [
    OID.json,
    { name: 'json', kind: 'string', signed: false, caseSensitive: true, precision: 65535, scale: 0 },
  ],
  [
    OID.bytea,
    { name: 'varbyte', kind: 'string', signed: false, caseSensitive: false, precision: 65535, scale: 0 },
  ],
  [
    OID.uuid,
    { name: 'varchar', kind: 'string', signed: false, caseSensitive: true, precision: 36, scale: 0 },
  ],
]);

export interface TypeMetadata {
  typeName: string;
  valueKind: ValueKind;
  precision: number;
  scale: number;
  length: number;
  isSigned: boolean;
  isCaseSensitive: boolean;
}

/** Metadata for a column of type `oid` with type modifier `typmod` (-1 when none). */
export function typeMetadata(oid: number, typmod: number, fallbackName = 'varchar'): TypeMetadata {
  const info = TYPES.get(oid) ?? {
    name: fallbackName,
    kind: 'string' as const,
    signed: false,
    caseSensitive: true,
    precision: 65535,
    scale: 0,
  };
  let precision = info.precision;
  let scale = info.scale;
  let length = 0;
  if ((oid === OID.varchar || oid === OID.bpchar) && typmod >= 4) {
    precision = typmod - 4;
    length = typmod - 4;
  } else if (oid === OID.numeric && typmod >= 4) {
    precision = ((typmod - 4) >> 16) & 0xffff;
    scale = (typmod - 4) & 0xffff;
  } else if ((oid === OID.timestamp || oid === OID.timestamptz || oid === OID.time) && typmod >= 0) {
    scale = typmod;
  }
  return {
    typeName: info.name,
    valueKind: info.kind,
    precision,
    scale,
    length,
    isSigned: info.signed,
    isCaseSensitive: info.caseSensitive,
  };
}
