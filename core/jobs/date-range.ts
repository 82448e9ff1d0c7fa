/**
 * Time windows the user gives (pull-latest, pull-all, date-range retrieval), and the entity rows of a date-range
 * retrieval: Feast issue 5831 for Redshift, retrieval without an entity frame. The rule is in README.md,
 * "Date-range retrieval".
 */

import { WorkbenchError } from '../contract/errors';
import type { EntityColumn, EntityColumnType } from '../frames/types';
import { qualifiedColumn, quoteIdent } from '../plan/sql';
import { dateToMicros, formatSqlTimestamp, parseTimestampMicros } from '../plan/time';
import type { PlanGroup } from '../plan/types';
import { formatTimestampMicros } from '../frames/timestamp';
import type { FeatureView, RegistryModel, ValueTypeName } from '../registry/model';
import type { RangeRows } from './entities';

/** A window of event timestamps in microseconds since the epoch (UTC); both ends inclusive, either optional. */
export interface TimeWindow {
  start?: bigint;
  end?: bigint;
}

function invalid(reason: string): WorkbenchError {
  return new WorkbenchError({ kind: 'PlanInvalid', reason });
}

/**
 * One end of a window: ISO-8601 text (a date is midnight; no offset means UTC, unlike Feast's pull_latest, which
 * reads naive dates in the machine's time zone) or a Date. Digits below the microsecond are rounded inwards, so
 * the window holds exactly the stored values it names.
 */
export function parseWindowBound(value: string | Date, which: 'start' | 'end'): bigint {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(`The ${which} date is not a valid date.`);
    return dateToMicros(value);
  }
  const micros = parseTimestampMicros(value, which === 'start' ? 'ceil' : 'floor');
  if (micros === undefined) {
    throw invalid(
      `The ${which} "${value}" is not an ISO-8601 date or date-time; write it like 2026-01-07 or ` +
        '2026-01-07T06:00:00Z (without an offset it is UTC).',
    );
  }
  return micros;
}

/** Parses both ends (each optional) and checks that the start is not after the end. */
export function parseTimeWindow(range: { start?: string | Date; end?: string | Date }): TimeWindow {
  const window: TimeWindow = {};
  if (range.start !== undefined) window.start = parseWindowBound(range.start, 'start');
  if (range.end !== undefined) window.end = parseWindowBound(range.end, 'end');
  if (window.start !== undefined && window.end !== undefined && window.start > window.end) {
    throw invalid(
      `The start ${formatTimestampMicros(window.start)} is after the end ${formatTimestampMicros(window.end)}.`,
    );
  }
  return window;
}

/** `from 2026-01-07T00:00:00Z to 2026-01-08T00:00:00Z`, `from ... on`, `up to ...`, or `all rows`. */
export function describeWindow(window: TimeWindow): string {
  const start = window.start === undefined ? undefined : formatTimestampMicros(window.start);
  const end = window.end === undefined ? undefined : formatTimestampMicros(window.end);
  if (start && end) return `from ${start} to ${end}`;
  if (start) return `from ${start} on`;
  if (end) return `up to ${end}`;
  return 'all rows';
}

/**
 * SQL conditions keeping `column` (already quoted) inside the window: naive UTC literals, which Redshift reads
 * for TIMESTAMP and TIMESTAMPTZ alike (the session time zone is UTC) and can use to skip blocks.
 */
export function windowConditions(column: string, window: TimeWindow): string[] {
  return [
    ...(window.start === undefined ? [] : [`${column} >= '${formatSqlTimestamp(window.start)}'`]),
    ...(window.end === undefined ? [] : [`${column} <= '${formatSqlTimestamp(window.end)}'`]),
  ];
}

/** The event timestamp column of a date-range retrieval's entity rows (and so of its output). */
export const RANGE_TIMESTAMP_COLUMN = 'event_timestamp';

/** Feast's placeholder join key of entityless views (the registry loader hides it; a second guard). */
const DUMMY_JOIN_KEY = '__dummy_id';

/** The entity column type a join key of this value type is staged as (what the planner accepts for it). */
function entityTypeOf(valueType: ValueTypeName): EntityColumnType {
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

const NULL_OF_TYPE: Record<EntityColumnType, string> = {
  int64: 'BIGINT',
  float64: 'DOUBLE PRECISION',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ',
  // UNION widens VARCHAR to the longest branch, so the placeholder's length does not limit the real keys.
  string: 'VARCHAR(1)',
};

interface RequestedView {
  view: FeatureView;
  joinKeyMap: Record<string, string>;
}

/**
 * The feature views a request reads (ODFV inputs included), with their projections' join key maps. Names that do
 * not resolve are skipped here: the planner reports them with its own messages.
 */
function requestedViews(
  registry: RegistryModel,
  spec: { features?: readonly string[]; featureService?: string },
): RequestedView[] {
  const found: RequestedView[] = [];
  const requestFields: string[] = [];
  const addView = (name: string, joinKeyMap: Record<string, string>) => {
    const view = registry.featureViews.find((candidate) => candidate.name === name);
    if (view) found.push({ view, joinKeyMap });
    return view !== undefined;
  };
  const addOnDemand = (name: string) => {
    const odfv = registry.onDemandFeatureViews.find((candidate) => candidate.name === name);
    for (const source of odfv?.sources ?? []) {
      if (source.kind === 'featureView')
        addView(source.projection.featureViewName, source.projection.joinKeyMap);
      else requestFields.push(...source.schema.map((field) => `${odfv!.name} needs ${field.name}`));
    }
  };
  for (const ref of spec.features ?? []) {
    const viewPart = ref.slice(0, Math.max(0, ref.indexOf(':')));
    const name = viewPart.includes('@') ? viewPart.slice(0, viewPart.indexOf('@')) : viewPart;
    if (!addView(name, {})) addOnDemand(name);
  }
  if (spec.featureService !== undefined) {
    const service = registry.featureServices.find((candidate) => candidate.name === spec.featureService);
    for (const projection of service?.projections ?? []) {
      if (!addView(projection.featureViewName, projection.joinKeyMap))
        addOnDemand(projection.featureViewName);
    }
  }
  if (requestFields.length > 0) {
    throw invalid(
      `A date-range retrieval builds its entity rows from the feature sources, which hold no request data, but ` +
        `on-demand features need request fields (${[...new Set(requestFields)].join('; ')}). Retrieve them with ` +
        'an entity frame, or leave the on-demand features out.',
    );
  }
  return found;
}

/**
 * The entity columns of a date-range retrieval: every join key of the requested views (after each projection's
 * join_key_map), in order of first appearance, then `event_timestamp`.
 */
export function dateRangeEntityColumns(
  registry: RegistryModel,
  spec: { features?: readonly string[]; featureService?: string },
): EntityColumn[] {
  const columns = new Map<string, EntityColumn & { from: string }>();
  for (const { view, joinKeyMap } of requestedViews(registry, spec)) {
    for (const key of view.entityColumns) {
      if (key.name === DUMMY_JOIN_KEY) continue;
      const name = joinKeyMap[key.name] ?? key.name;
      const type = entityTypeOf(key.valueType);
      if (name.toLowerCase() === RANGE_TIMESTAMP_COLUMN) {
        throw invalid(
          `${view.name} joins on a column named ${name}, which a date-range retrieval needs for the event time.`,
        );
      }
      const earlier = columns.get(name);
      if (earlier && earlier.type !== type) {
        throw invalid(
          `The join key ${name} holds ${earlier.type} values in ${earlier.from} but ${type} values in ${view.name}; ` +
            'a date-range retrieval cannot put both in one entity column.',
        );
      }
      if (!earlier) columns.set(name, { name, type, from: view.name });
    }
  }
  return [
    ...[...columns.values()].map(({ name, type }) => ({ name, type })),
    { name: RANGE_TIMESTAMP_COLUMN, type: 'timestamp' },
  ];
}

/**
 * The entity rows of a date-range retrieval, from the plan's groups: the distinct (join keys, event timestamp)
 * tuples of every source row whose event timestamp is in the window and whose join keys are all set. A view's rows
 * carry its own join keys; the other key columns are NULL. Entityless views add rows only when no requested view
 * has join keys (then each distinct event timestamp is a row). Rows are numbered by event timestamp, then keys.
 */
export function dateRangeRows(
  groups: readonly PlanGroup[],
  columns: readonly EntityColumn[],
  window: Required<TimeWindow>,
): RangeRows {
  const keyColumns = columns.filter((column) => column.name !== RANGE_TIMESTAMP_COLUMN);
  const keyed = groups.filter((group) => group.joinKeys.length > 0);
  const contributing = keyed.length > 0 ? keyed : groups;
  const s = (column: string) => qualifiedColumn('s', column);
  const branches = contributing.map((group) => {
    const selected = keyColumns.map((column) => {
      const key = group.joinKeys.find((candidate) => candidate.entityColumn === column.name);
      return key
        ? `${s(key.sourceColumn)} AS ${quoteIdent(column.name)}`
        : `CAST(NULL AS ${NULL_OF_TYPE[column.type]}) AS ${quoteIdent(column.name)}`;
    });
    const conditions = [
      ...windowConditions(s(group.timestampColumn), window),
      ...group.joinKeys.map((key) => `${s(key.sourceColumn)} IS NOT NULL`),
    ];
    return [
      'SELECT DISTINCT',
      `  ${[...selected, `CAST(${s(group.timestampColumn)} AS TIMESTAMPTZ) AS ${quoteIdent(RANGE_TIMESTAMP_COLUMN)}`].join(',\n  ')}`,
      `FROM ${group.source.sql} AS ${quoteIdent('s')}`,
      `WHERE ${conditions.join('\n  AND ')}`,
    ].join('\n');
  });
  return {
    select: branches.join('\nUNION\n'),
    orderBy: [
      `${quoteIdent(RANGE_TIMESTAMP_COLUMN)} ASC`,
      ...keyColumns.map((column) => `${quoteIdent(column.name)} ASC NULLS LAST`),
    ],
    description: describeWindow(window),
  };
}
