/**
 * Feast's ValueType enum numbers (facts of the registry format: feast.types.ValueType.Enum, plus PDF_BYTES and
 * IMAGE_BYTES which only Feast's Python enum names but which reach the registry as these numbers).
 */

import type { DataSourceKind, ValueTypeName } from './model';

export const VALUE_TYPE_NUMBERS: Readonly<Record<ValueTypeName, number>> = {
  INVALID: 0,
  BYTES: 1,
  STRING: 2,
  INT32: 3,
  INT64: 4,
  DOUBLE: 5,
  FLOAT: 6,
  BOOL: 7,
  UNIX_TIMESTAMP: 8,
  BYTES_LIST: 11,
  STRING_LIST: 12,
  INT32_LIST: 13,
  INT64_LIST: 14,
  DOUBLE_LIST: 15,
  FLOAT_LIST: 16,
  BOOL_LIST: 17,
  UNIX_TIMESTAMP_LIST: 18,
  NULL: 19,
  MAP: 20,
  MAP_LIST: 21,
  BYTES_SET: 22,
  STRING_SET: 23,
  INT32_SET: 24,
  INT64_SET: 25,
  DOUBLE_SET: 26,
  FLOAT_SET: 27,
  BOOL_SET: 28,
  UNIX_TIMESTAMP_SET: 29,
  PDF_BYTES: 30,
  IMAGE_BYTES: 31,
  JSON: 32,
  JSON_LIST: 33,
  STRUCT: 34,
  STRUCT_LIST: 35,
  UUID: 36,
  TIME_UUID: 37,
  UUID_LIST: 38,
  TIME_UUID_LIST: 39,
  UUID_SET: 40,
  TIME_UUID_SET: 41,
  VALUE_LIST: 42,
  VALUE_SET: 43,
  DECIMAL: 44,
  DECIMAL_LIST: 45,
  DECIMAL_SET: 46,
  SCALAR_MAP: 47,
  ZONED_TIMESTAMP: 48,
};

const VALUE_TYPE_NAMES = new Map<number, ValueTypeName>(
  Object.entries(VALUE_TYPE_NUMBERS).map(([name, number]) => [number, name as ValueTypeName]),
);

/** The name of a stored value type; numbers from a newer Feast read as 'INVALID'. */
export function valueTypeName(number: number): ValueTypeName {
  return VALUE_TYPE_NAMES.get(number) ?? 'INVALID';
}

/** feast.core.DataSource.SourceType numbers. */
export const SOURCE_TYPE_NUMBERS: Readonly<Record<DataSourceKind, number>> = {
  INVALID: 0,
  BATCH_FILE: 1,
  BATCH_BIGQUERY: 2,
  STREAM_KAFKA: 3,
  STREAM_KINESIS: 4,
  BATCH_REDSHIFT: 5,
  CUSTOM_SOURCE: 6,
  REQUEST_SOURCE: 7,
  BATCH_SNOWFLAKE: 8,
  PUSH_SOURCE: 9,
  BATCH_TRINO: 10,
  BATCH_SPARK: 11,
  BATCH_ATHENA: 12,
  BATCH_ICEBERG: 13,
};

const SOURCE_TYPE_NAMES = new Map<number, DataSourceKind>(
  Object.entries(SOURCE_TYPE_NUMBERS).map(([name, number]) => [number, name as DataSourceKind]),
);

export function sourceKindName(number: number): DataSourceKind {
  return SOURCE_TYPE_NAMES.get(number) ?? 'INVALID';
}
