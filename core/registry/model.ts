/**
 * The workbench's view of a Feast registry: only what the workbench reads, already filtered to one project,
 * with Feast's placeholder entity for entityless feature views removed.
 */

/** Feast's ValueType enum, by name (the numbers are facts of the registry format, see value-types.ts). */
export type ValueTypeName =
  | 'INVALID'
  | 'BYTES'
  | 'STRING'
  | 'INT32'
  | 'INT64'
  | 'DOUBLE'
  | 'FLOAT'
  | 'BOOL'
  | 'UNIX_TIMESTAMP'
  | 'BYTES_LIST'
  | 'STRING_LIST'
  | 'INT32_LIST'
  | 'INT64_LIST'
  | 'DOUBLE_LIST'
  | 'FLOAT_LIST'
  | 'BOOL_LIST'
  | 'UNIX_TIMESTAMP_LIST'
  | 'NULL'
  | 'MAP'
  | 'MAP_LIST'
  | 'BYTES_SET'
  | 'STRING_SET'
  | 'INT32_SET'
  | 'INT64_SET'
  | 'DOUBLE_SET'
  | 'FLOAT_SET'
  | 'BOOL_SET'
  | 'UNIX_TIMESTAMP_SET'
  | 'PDF_BYTES'
  | 'IMAGE_BYTES'
  | 'JSON'
  | 'JSON_LIST'
  | 'STRUCT'
  | 'STRUCT_LIST'
  | 'UUID'
  | 'TIME_UUID'
  | 'UUID_LIST'
  | 'TIME_UUID_LIST'
  | 'UUID_SET'
  | 'TIME_UUID_SET'
  | 'DECIMAL'
  | 'DECIMAL_LIST'
  | 'DECIMAL_SET';

/** A named, typed column: a feature, an entity column, or a request-source field. */
export interface Field {
  name: string;
  valueType: ValueTypeName;
  description?: string;
  tags?: Record<string, string>;
}

export interface Entity {
  name: string;
  project: string;
  joinKey: string;
  valueType: ValueTypeName;
  description: string;
  tags: Record<string, string>;
  owner: string;
}

/** Redshift location of a source or saved dataset; empty strings mean "not set", as in Feast. */
export interface RedshiftLocation {
  table: string;
  schema: string;
  database: string;
  query: string;
}

export type DataSourceKind =
  | 'BATCH_REDSHIFT'
  | 'REQUEST_SOURCE'
  | 'PUSH_SOURCE'
  | 'BATCH_FILE'
  | 'BATCH_BIGQUERY'
  | 'BATCH_SNOWFLAKE'
  | 'BATCH_SPARK'
  | 'BATCH_TRINO'
  | 'STREAM_KAFKA'
  | 'STREAM_KINESIS'
  | 'CUSTOM_SOURCE'
  | 'INVALID';

export interface DataSource {
  name: string;
  project: string;
  kind: DataSourceKind;
  timestampField: string;
  createdTimestampColumn: string;
  /** Source column name -> feature or entity name (Feast's direction). */
  fieldMapping: Record<string, string>;
  /** Present for Redshift sources. */
  redshift?: RedshiftLocation;
  /** Present for request sources: the fields the entity frame must supply. */
  requestSchema?: Field[];
  /** Present for push sources: the batch source they write to. */
  batchSource?: DataSource;
  description: string;
  tags: Record<string, string>;
  owner: string;
}

export interface FeatureView {
  name: string;
  project: string;
  /** Entity names; empty for entityless views (Feast's `__dummy` is hidden). */
  entities: string[];
  /** Join-key columns with their types; empty for entityless views. */
  entityColumns: Field[];
  features: Field[];
  /** Whole seconds, truncated as Feast does; 0 means no lower bound. */
  ttlSeconds: number;
  batchSource: DataSource;
  online: boolean;
  offline: boolean;
  description: string;
  tags: Record<string, string>;
  owner: string;
}

/** How a feature service (or an ODFV) uses a feature view. */
export interface FeatureViewProjection {
  featureViewName: string;
  /** `with_name(...)` alias; empty when none. */
  alias: string;
  /** The selected features; empty means "all features of the view" is NOT implied: Feast stores them. */
  features: Field[];
  /** Feature-view join key -> entity-frame column. */
  joinKeyMap: Record<string, string>;
}

export interface FeatureService {
  name: string;
  project: string;
  projections: FeatureViewProjection[];
  /** Table name of the Redshift logging destination, when logging is configured. */
  loggingTable?: string;
  description: string;
  tags: Record<string, string>;
  owner: string;
}

export type OnDemandSource =
  | { kind: 'featureView'; name: string; projection: FeatureViewProjection }
  | { kind: 'requestSource'; name: string; schema: Field[] };

export interface OnDemandFeatureView {
  name: string;
  project: string;
  features: Field[];
  sources: OnDemandSource[];
  /** 'pandas', 'python', 'substrait', ... as Feast stores it. */
  mode: string;
  transformation: {
    /** Which transformation the registry holds. */
    kind: 'udf' | 'substrait' | 'none';
    /** Name of the user function, for udf transformations. */
    functionName: string;
    /** The function's Python source text as Feast stores it (`body_text`). */
    sourceText: string;
  };
  description: string;
  tags: Record<string, string>;
  owner: string;
}

export interface SavedDataset {
  name: string;
  project: string;
  /** Feature references `view:feature`. */
  features: string[];
  joinKeys: string[];
  fullFeatureNames: boolean;
  storage: RedshiftLocation | undefined;
  featureServiceName: string;
  tags: Record<string, string>;
  /** ISO-8601 UTC, when recorded. */
  minEventTimestamp?: string;
  maxEventTimestamp?: string;
}

/** One project's objects, ready for browsing and planning. */
export interface RegistryModel {
  project: string;
  /** Every project found in the registry file (a file can hold several). */
  projects: string[];
  entities: Entity[];
  dataSources: DataSource[];
  featureViews: FeatureView[];
  featureServices: FeatureService[];
  onDemandFeatureViews: OnDemandFeatureView[];
  savedDatasets: SavedDataset[];
}
