/**
 * Reading a feature view's batch source directly (Feast's pull_latest_from_table_or_query and
 * pull_all_from_table_or_query): every row in a time window, or per join-key combination the latest one. Source
 * columns are found as the planner finds them (field_mapping reversed, push sources read through their batch
 * source), outputs are named after the join keys and features. Results come through UNLOAD.
 *
 * Deliberately different from Feast: naive dates are UTC (Feast's pull_latest reads them in the machine's time
 * zone); no dates means every row (Feast emits `WHERE ` and fails); an entityless view gives one latest row without
 * Feast's `'' AS __dummy_id` column; rows tied on event and created timestamps are decided by their feature values,
 * not by whichever row Redshift happens to number first; a row with a created timestamp beats one without (Feast's
 * `DESC` ranks a NULL created timestamp first); timestamps come out as TIMESTAMPTZ (naive source values are UTC).
 */

import type * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import type { EntityColumn } from '../frames/types';
import { planRetrieval } from '../plan/plan';
import { qualifiedColumn, quoteIdent } from '../plan/sql';
import { hintFor } from '../plan/suggest';
import { RANK_COLUMN } from '../plan/compile';
import { RESERVED_PREFIX, type PlanGroup, type PlanSource } from '../plan/types';
import type { FeatureView, RegistryModel, ValueTypeName } from '../registry/model';
import type { Warehouse } from '../warehouse/warehouse';
import { describeWindow, parseTimeWindow, windowConditions, type TimeWindow } from './date-range';
import { formatTimestampMicros } from '../frames/timestamp';
import { readQueryResult, streamQueryResult, type JobOptions } from './unload-run';

export type PullMode = 'latest' | 'all';

export interface PullSpec {
  featureView: string;
  /** Inclusive; ISO-8601 text (no offset means UTC) or a Date. Required for 'latest'. */
  start?: string | Date;
  /** Inclusive; as start. Required for 'latest'. */
  end?: string | Date;
}

export const EVENT_TIMESTAMP_OUTPUT = 'event_timestamp';
export const CREATED_TIMESTAMP_OUTPUT = 'created_timestamp';

export interface PullColumn {
  /** Output name: the join key, the feature, `event_timestamp` or `created_timestamp`. */
  name: string;
  role: 'joinKey' | 'feature' | 'eventTimestamp' | 'createdTimestamp';
  /** The source column it is read from. */
  sourceColumn: string;
  valueType?: ValueTypeName;
}

export interface PullPlan {
  mode: PullMode;
  featureView: string;
  source: PlanSource;
  /** Inclusive window, ISO-8601 UTC; an end left out is unbounded. */
  window: { start?: string; end?: string };
  /** Output columns, in order: join keys, features, event_timestamp, created_timestamp (when the source has one). */
  columns: PullColumn[];
  /** 'latest': how the winner per join-key combination is chosen, in order. */
  ranking: string[];
  /** The SELECT, ready for UNLOAD. */
  query: string;
  warnings: string[];
}

function invalid(reason: string): WorkbenchError {
  return new WorkbenchError({ kind: 'PlanInvalid', reason });
}

/** The view, or NotFound naming what exists (an on-demand view has no source to pull). */
export function findFeatureView(registry: RegistryModel, name: string): FeatureView {
  const view = registry.featureViews.find((candidate) => candidate.name === name);
  if (view) return view;
  if (registry.onDemandFeatureViews.some((candidate) => candidate.name === name)) {
    throw invalid(
      `${name} is an on-demand feature view: it is computed from other views and has no source to pull from.`,
    );
  }
  throw new WorkbenchError({
    kind: 'NotFound',
    what: 'feature view',
    name,
    hint: hintFor(
      name,
      registry.featureViews.map((v) => v.name),
      `feature views in project ${registry.project}`,
    ),
  });
}

/**
 * The view's source and columns as the planner resolves them: a plan of every feature of the view against a
 * placeholder entity table holding its join keys (nothing runs), so field mapping, push sources, query sources
 * and cross-database names follow exactly the same rules as a retrieval.
 */
export function resolveViewSource(
  registry: RegistryModel,
  view: FeatureView,
  database: string | undefined,
): { group: PlanGroup; warnings: string[] } {
  if (view.features.length === 0) throw invalid(`The feature view ${view.name} has no features.`);
  const reserved = [EVENT_TIMESTAMP_OUTPUT, CREATED_TIMESTAMP_OUTPUT];
  for (const field of [...view.entityColumns, ...view.features]) {
    if (reserved.includes(field.name.toLowerCase())) {
      throw invalid(
        `${view.name} has a join key or feature named ${field.name}, which the pulled rows use for the source's ` +
          'timestamps; the two columns would clash.',
      );
    }
  }
  const keys: EntityColumn[] = view.entityColumns.map((key) => ({
    name: key.name,
    type: placeholderType(key.valueType),
  }));
  const plan = planRetrieval({
    registry,
    features: view.features.map((field) => `${view.name}:${field.name}`),
    entityColumns: [...keys, { name: EVENT_TIMESTAMP_OUTPUT, type: 'timestamp' }],
    entityTable: { name: `${RESERVED_PREFIX}pull_placeholder` },
    ...(database ? { database } : {}),
  });
  const group = plan.groups[0];
  if (!group) throw new WorkbenchError({ kind: 'Internal', message: `no plan group for ${view.name}` });
  // The placeholder's own concerns (entity frame columns) mean nothing here.
  const warnings = plan.warnings.filter((warning) => !warning.includes('entity frame'));
  return { group, warnings };
}

function placeholderType(valueType: ValueTypeName): EntityColumn['type'] {
  switch (valueType) {
    case 'INT32':
    case 'INT64':
      return 'int64';
    case 'FLOAT':
    case 'DOUBLE':
    case 'DECIMAL':
      return 'float64';
    case 'BOOL':
      return 'bool';
    case 'UNIX_TIMESTAMP':
      return 'timestamp';
    default:
      return 'string';
  }
}

const SOURCE_ALIAS = 's';
const LATEST_ALIAS = 'l';

/** Plans a pull; throws PlanInvalid or NotFound for anything that cannot run. Nothing is executed. */
export function planPull(
  registry: RegistryModel,
  mode: PullMode,
  spec: PullSpec,
  options: { database?: string } = {},
): PullPlan {
  const window: TimeWindow = parseTimeWindow(spec);
  if (mode === 'latest' && (window.start === undefined || window.end === undefined)) {
    throw invalid('Pulling the latest rows needs both a start and an end date.');
  }
  const view = findFeatureView(registry, spec.featureView);
  const { group, warnings } = resolveViewSource(registry, view, options.database);
  const s = (column: string) => qualifiedColumn(SOURCE_ALIAS, column);

  const columns: PullColumn[] = [
    ...group.joinKeys.map((key): PullColumn => ({
      name: key.joinKey,
      role: 'joinKey',
      sourceColumn: key.sourceColumn,
      valueType: key.valueType,
    })),
    ...group.features.map((feature): PullColumn => ({
      name: feature.feature,
      role: 'feature',
      sourceColumn: feature.sourceColumn,
      valueType: feature.valueType,
    })),
    { name: EVENT_TIMESTAMP_OUTPUT, role: 'eventTimestamp', sourceColumn: group.timestampColumn },
    ...(group.createdTimestampColumn === undefined
      ? []
      : [
          {
            name: CREATED_TIMESTAMP_OUTPUT,
            role: 'createdTimestamp',
            sourceColumn: group.createdTimestampColumn,
          } satisfies PullColumn,
        ]),
  ];
  const selectList = columns.map((column) =>
    column.role === 'eventTimestamp' || column.role === 'createdTimestamp'
      ? // Naive source timestamps are UTC (the session time zone); the output always says so.
        `CAST(${s(column.sourceColumn)} AS TIMESTAMPTZ) AS ${quoteIdent(column.name)}`
      : `${s(column.sourceColumn)} AS ${quoteIdent(column.name)}`,
  );
  const conditions = windowConditions(s(group.timestampColumn), window);
  const from = `FROM ${group.source.sql} AS ${quoteIdent(SOURCE_ALIAS)}`;
  const where = conditions.length === 0 ? [] : [`WHERE ${conditions.join('\n  AND ')}`];

  let query: string;
  const ranking: string[] = [];
  if (mode === 'all') {
    query = ['SELECT', `  ${selectList.join(',\n  ')}`, from, ...where].join('\n');
  } else {
    const order = [`${s(group.timestampColumn)} DESC`];
    ranking.push(`latest ${group.timestampColumn}`);
    if (group.createdTimestampColumn !== undefined) {
      order.push(`${s(group.createdTimestampColumn)} DESC NULLS LAST`);
      ranking.push(`then latest ${group.createdTimestampColumn} (a row without one ranks last)`);
    }
    const tieBreak = group.features.filter((feature) => feature.tieBreak);
    order.push(...tieBreak.map((feature) => `${s(feature.sourceColumn)} ASC NULLS LAST`));
    if (tieBreak.length > 0) {
      ranking.push(
        `then the smallest ${tieBreak.map((feature) => feature.feature).join(', then ')} (NULL last)`,
      );
    }
    const partition =
      group.joinKeys.length === 0
        ? ''
        : `PARTITION BY ${group.joinKeys.map((key) => s(key.sourceColumn)).join(', ')} `;
    const rank = quoteIdent(RANK_COLUMN);
    query = [
      `SELECT ${columns.map((column) => qualifiedColumn(LATEST_ALIAS, column.name)).join(', ')}`,
      'FROM (',
      '  SELECT',
      `    ${[...selectList, `ROW_NUMBER() OVER (${partition}ORDER BY ${order.join(', ')}) AS ${rank}`].join(',\n    ')}`,
      `  ${from}`,
      ...where.map((line) => `  ${line.replaceAll('\n', '\n  ')}`),
      `) AS ${quoteIdent(LATEST_ALIAS)}`,
      `WHERE ${qualifiedColumn(LATEST_ALIAS, RANK_COLUMN)} = 1`,
    ].join('\n');
  }
  return {
    mode,
    featureView: view.name,
    source: group.source,
    window: {
      ...(window.start === undefined ? {} : { start: formatTimestampMicros(window.start) }),
      ...(window.end === undefined ? {} : { end: formatTimestampMicros(window.end) }),
    },
    columns,
    ranking,
    query,
    warnings: mode === 'latest' ? warnings : warnings.filter((warning) => !warning.includes('tie-break')),
  };
}

/** A pull as a job: its SQL without side effects, or its rows through UNLOAD, whole or streamed. */
export class PullJob {
  private readonly planned: PullPlan;

  constructor(
    private readonly warehouse: Warehouse,
    registry: RegistryModel,
    readonly mode: PullMode,
    spec: PullSpec,
  ) {
    this.planned = planPull(registry, mode, spec, { database: warehouse.config.offlineStore.database });
  }

  plan(): PullPlan {
    return this.planned;
  }

  toSql(): string {
    return this.planned.query;
  }

  private message(): string {
    const window = describeWindow(parseTimeWindow(this.planned.window));
    return this.mode === 'latest'
      ? `unloading the latest row per join-key combination of ${this.planned.featureView} (${window})`
      : `unloading the rows of ${this.planned.featureView} (${window})`;
  }

  private names(): string[] {
    return this.planned.columns.map((column) => column.name);
  }

  /** The whole result, in no particular row order. */
  async toArrow(options: JobOptions = {}): Promise<arrow.Table> {
    return readQueryResult(this.warehouse, this.planned.query, this.names(), this.message(), options);
  }

  /** The result as record batches, one UNLOAD part at a time (bounded memory), in no particular row order. */
  toArrowBatches(options: JobOptions = {}): AsyncGenerator<arrow.RecordBatch> {
    return streamQueryResult(this.warehouse, this.planned.query, this.names(), this.message(), options);
  }
}
