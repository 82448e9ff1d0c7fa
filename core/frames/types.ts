import type { Table } from 'apache-arrow';

/** Column types the workbench infers for entity frames (CSV) and uses when staging them in Redshift. */
export type EntityColumnType = 'int64' | 'float64' | 'bool' | 'timestamp' | 'string';

export interface EntityColumn {
  name: string;
  type: EntityColumnType;
  /** For strings: the longest value in UTF-8 bytes, to size VARCHAR from the data. */
  maxByteLength?: number;
}

/**
 * How the event timestamps of an entity frame were written. The three counts are disjoint and add up to the row
 * count: `withOffset` values carried Z or a UTC offset, `naive` values were date-times without one (read as UTC,
 * as Feast does), `dateOnly` values were plain dates (midnight UTC).
 */
export interface TimestampStats {
  withOffset: number;
  naive: number;
  dateOnly: number;
}

/** A CSV entity frame as typed Arrow, ready to be written as Parquet and staged in Redshift. */
export interface EntityFrame {
  /** Int64, Float64, Bool, Timestamp(MICROSECOND, 'UTC') and Utf8 columns, in CSV column order. */
  table: Table;
  columns: EntityColumn[];
  /** The event timestamp column (Feast's rules: `event_timestamp`, else the only timestamp column). */
  timestampColumn: string;
  rowCount: number;
  /** Counts for the event timestamp column. */
  timestampStats: TimestampStats;
  /** Things the user should know that did not stop the read (truncated nanoseconds, mixed offsets...). */
  warnings: string[];
}
