/**
 * The point-in-time retrieval plan: what the planner is asked ({@link RetrievalRequest}) and what it answers
 * ({@link RetrievalPlan}). The plan is frozen plain data so it can cross IPC as JSON, feed the plan preview and be
 * executed by the job layer without re-deriving anything.
 */

import type { EntityColumn, EntityColumnType } from '../frames/types';
import type { RegistryModel, ValueTypeName } from '../registry/model';

/**
 * Column of the staged entity table holding 0..n-1, unique per entity row. The job assigns it when staging; the
 * result query returns it (as its last column) so the job can restore the entity frame's row order, then drop it.
 * It is not one of the plan's outputColumns.
 */
export const ROW_ID_COLUMN = '__fwb_row_id';

/** Prefix of every internal column and CTE name; entity frame columns and output names may not use it. */
export const RESERVED_PREFIX = '__fwb_';

/**
 * The Data API caps a statement at 100 KB. The default leaves room below it (100,000 rather than 102,400 bytes)
 * for the few bytes the job wraps around the result query (`CREATE TEMP TABLE ... AS`).
 */
export const DEFAULT_MAX_STATEMENT_BYTES = 100_000;

/** Redshift's limit on identifier length, in UTF-8 bytes. */
export const MAX_IDENTIFIER_BYTES = 127;

/** A table in Redshift; without a schema the name resolves through the session's search_path. */
export interface TableName {
  schema?: string;
  name: string;
}

export interface RetrievalRequest {
  registry: RegistryModel;
  /** Feature references `view:feature` (or `on_demand_view:feature`), in output order. Exclusive with featureService. */
  features?: readonly string[];
  /** Name of a feature service in the registry. Exclusive with features. */
  featureService?: string;
  /** The entity frame's columns, in order, with the types the staged table has. */
  entityColumns: readonly EntityColumn[];
  /** Where the job staged the entity frame (its columns plus {@link ROW_ID_COLUMN}). */
  entityTable: TableName;
  /** Output names `view__feature` instead of `feature` (Feast's full_feature_names). */
  fullFeatureNames?: boolean;
  /** Also exclude source rows created after the entity timestamp (Feast's filter_by_created_timestamp). */
  filterByCreatedTimestamp?: boolean;
  /** The entity timestamp column; by default `event_timestamp`, else the only timestamp column (Feast's rule). */
  entityTimestampColumn?: string;
  /**
   * The entity frame's earliest and latest timestamps (ISO-8601; naive means UTC), when known. They become literals
   * in each source's pre-filter so Redshift can skip blocks; without them the pre-filter reads the entity table.
   */
  timestampRange?: { min: string | Date; max: string | Date };
  /** The database the statements run in; a source in another database is then read as `"db"."schema"."table"`. */
  database?: string;
  /** Schema for the per-view tables of a split plan; defaults to the entity table's schema. */
  stagingSchema?: string;
  /** Run id naming the per-view tables of a split plan; defaults to the entity table's name. */
  runId?: string;
  /** Largest statement, in UTF-8 bytes, before the plan is split into staged statements. */
  maxStatementBytes?: number;
}

/** Where a feature view's rows come from, and how the SQL names it. */
export type PlanSource =
  | { kind: 'table'; database?: string; schema: string; table: string; sql: string }
  | { kind: 'query'; query: string; sql: string };

export interface PlanJoinKey {
  /** The feature view's join key (entity column name in the registry). */
  joinKey: string;
  /** The entity frame column matched to it (after the projection's join_key_map). */
  entityColumn: string;
  /** The source column holding it (after reversing the source's field_mapping). */
  sourceColumn: string;
  valueType: ValueTypeName;
}

export interface PlanFeature {
  feature: string;
  /** The source column holding it (after reversing the source's field_mapping). */
  sourceColumn: string;
  /** The result column: `feature`, or `view__feature` with full feature names. */
  outputName: string;
  valueType: ValueTypeName;
  /**
   * Whether the value takes part in the final tie-break. SUPER-typed values (maps, lists, JSON, structs) cannot be
   * ordered in Redshift, so they do not.
   */
  tieBreak: boolean;
}

export type PlanStepKind = 'entity-keys' | 'source-scan' | 'window-join' | 'pick-latest' | 'attach';

/** One step of a group, with a sentence for the plan preview. */
export interface PlanStep {
  id: string;
  kind: PlanStepKind;
  description: string;
}

/** Everything the plan does for one feature view (or one alias of it). */
export interface PlanGroup {
  /** The name used in output names and SQL: the alias when there is one, else the view's name. */
  name: string;
  featureView: string;
  /** The feature service projection's alias (`with_name`); empty when none. */
  alias: string;
  source: PlanSource;
  /** Source columns (after reversing field_mapping). */
  timestampColumn: string;
  createdTimestampColumn?: string;
  /** Empty for entityless views: every entity row then sees the latest row overall. */
  joinKeys: PlanJoinKey[];
  features: PlanFeature[];
  /** Whole seconds; 0 means no lower bound. */
  ttlSeconds: number;
  steps: PlanStep[];
}

export type OutputColumn =
  | { name: string; kind: 'entity'; entityType: EntityColumnType }
  | { name: string; kind: 'feature'; valueType: ValueTypeName; featureView: string; feature: string }
  | { name: string; kind: 'onDemand'; valueType: ValueTypeName; featureView: string; feature: string };

/** An on-demand feature view in the request: computed after the SQL (core/odfv), listed here for the preview. */
export interface OnDemandPlan {
  /** The name used in output names (alias or ODFV name). */
  name: string;
  onDemandFeatureView: string;
  mode: string;
  inputs: {
    /** Feature-view inputs and the result columns holding them. */
    featureViews: { name: string; features: { feature: string; column: string }[] }[];
    /** Request-source fields, read from the entity frame column of the same name. */
    requestFields: { name: string; valueType: ValueTypeName }[];
  };
  outputs: { feature: string; outputName: string; valueType: ValueTypeName }[];
}

export interface PlanStatement {
  purpose: string;
  sql: string;
  bytes: number;
}

export interface RetrievalPlan {
  entityTimestampColumn: string;
  rowIdColumn: typeof ROW_ID_COLUMN;
  /** The staged entity table, quoted. */
  entityTable: string;
  fullFeatureNames: boolean;
  filterByCreatedTimestamp: boolean;
  groups: PlanGroup[];
  /** Entity columns in frame order, then features in request order, then on-demand outputs. */
  outputColumns: OutputColumn[];
  onDemand: OnDemandPlan[];
  /** Statements to run, in order, before the result query (empty unless the plan is split). */
  statements: PlanStatement[];
  /** The SELECT returning outputColumns (on-demand ones excluded) followed by {@link ROW_ID_COLUMN}. */
  resultQuery: string;
  /** Tables the statements create, quoted; the job drops them afterwards, whatever happened. */
  cleanupTables: string[];
  /** For display: the single statement, or every statement of a split plan, each ended by `;`. */
  sql: string;
  /** UTF-8 bytes of the single-statement form. */
  sqlBytes: number;
  maxStatementBytes: number;
  split: boolean;
  warnings: string[];
}
