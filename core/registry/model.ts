/**
 * The workbench's view of a Feast registry: only what the workbench reads, already filtered to one project,
 * with Feast's placeholder entity for entityless feature views removed.
 */

/**
 * Feast's ValueType enum, by name (the numbers are facts of the registry format, see value-types.ts).
 * PDF_BYTES (30) and IMAGE_BYTES (31) exist only in Feast's Python enum, but the registry stores them as those
 * numbers all the same. A number this workbench does not know reads as 'INVALID'.
 */
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
  | 'DECIMAL_SET'
  | 'VALUE_LIST'
  | 'VALUE_SET'
  | 'SCALAR_MAP'
  | 'ZONED_TIMESTAMP';

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

/**
 * Redshift location of a source or saved dataset; empty strings mean "not set", as in Feast. For data sources
 * with a table, an empty schema reads as "public", as Feast's RedshiftSource does; saved-dataset storage is kept
 * exactly as stored.
 */
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
  | 'BATCH_ATHENA'
  | 'BATCH_ICEBERG'
  | 'STREAM_KAFKA'
  | 'STREAM_KINESIS'
  | 'CUSTOM_SOURCE'
  | 'INVALID';

export interface DataSource {
  name: string;
  /** Feast leaves this empty on copies embedded in feature views; the reader fills in the owner's project. */
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
  /**
   * Join-key columns with their types; empty for entityless views. Registries too old to store them get the
   * join keys and types of the view's entities.
   */
  entityColumns: Field[];
  features: Field[];
  /** Whole seconds, truncated as Feast does; 0 means no lower bound. */
  ttlSeconds: number;
  /** The registry's copy of the source; kind 'INVALID' with an empty name when it holds none. */
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
  /** The selected features, as Feast stores them (it always lists them; empty does not mean "all"). */
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

/** `name` is the key of the ODFV's `sources` map (a projection's alias or view name, or the request source name). */
export type OnDemandSource =
  | { kind: 'featureView'; name: string; projection: FeatureViewProjection }
  | { kind: 'requestSource'; name: string; schema: Field[] };

export interface OnDemandFeatureView {
  name: string;
  project: string;
  features: Field[];
  /** Sorted by name: the registry stores them as a map, which has no order. */
  sources: OnDemandSource[];
  /** 'pandas', 'python', 'substrait', ... as Feast stores it ('pandas' for registries from before the field). */
  mode: string;
  transformation: {
    /** Which transformation the registry holds. */
    kind: 'udf' | 'substrait' | 'none';
    /** Name of the user function, for udf transformations. */
    functionName: string;
    /**
     * The function's Python source text as Feast stores it (`body_text`): what `inspect.getsource` returned,
     * so it starts with the `@on_demand_feature_view(...)` decorator.
     */
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
  /** RFC 3339 UTC ('2026-01-10T00:00:00Z', fraction only when non-zero), when recorded. */
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
