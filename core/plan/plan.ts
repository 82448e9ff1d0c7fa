/**
 * The point-in-time planner: retrieval request -> checked, resolved groups (resolve.ts) -> Redshift SQL
 * (compile.ts) -> one frozen plan that the preview, EXPLAIN and the job all read.
 */

import { WorkbenchError } from '../contract/errors';
import { stagingTableName } from '../jobs/naming';
import { compileSql } from './compile';
import { describeGroupSteps } from './describe';
import { resolveRequest } from './resolve';
import { quoteQualified, sqlBytes } from './sql';
import { dateToMicros, parseTimestampMicros } from './time';
import {
  DEFAULT_MAX_STATEMENT_BYTES,
  MAX_IDENTIFIER_BYTES,
  ROW_ID_COLUMN,
  type PlanGroup,
  type RetrievalPlan,
  type RetrievalRequest,
} from './types';

function invalid(reason: string): WorkbenchError {
  return new WorkbenchError({ kind: 'PlanInvalid', reason });
}

function timestampMicros(value: string | Date, which: 'earliest' | 'latest'): bigint {
  if (value instanceof Date) return dateToMicros(value);
  const micros = parseTimestampMicros(value, which === 'earliest' ? 'floor' : 'ceil');
  if (micros === undefined) {
    throw invalid(`The ${which} entity timestamp "${value}" is not an ISO-8601 date-time.`);
  }
  return micros;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Plans a historical retrieval; throws a WorkbenchError (PlanInvalid, NotFound) for anything that cannot run. */
export function planRetrieval(request: RetrievalRequest): RetrievalPlan {
  const resolved = resolveRequest(request);

  const maxStatementBytes = request.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES;
  if (!Number.isInteger(maxStatementBytes) || maxStatementBytes <= 0) {
    throw invalid(`The statement size limit must be a positive number of bytes, not ${maxStatementBytes}.`);
  }
  if (request.entityTable.name === '') throw invalid('The staged entity table has no name.');

  let timestampRange: { min: bigint; max: bigint } | undefined;
  if (request.timestampRange) {
    timestampRange = {
      min: timestampMicros(request.timestampRange.min, 'earliest'),
      max: timestampMicros(request.timestampRange.max, 'latest'),
    };
    if (timestampRange.min > timestampRange.max) {
      throw invalid('The earliest entity timestamp is later than the latest one.');
    }
  }

  const stagingSchema = request.stagingSchema ?? request.entityTable.schema;
  const runId = request.runId ?? request.entityTable.name;
  const winnersTable = (index: number) => {
    const name = stagingTableName(runId, `winners_${index}`);
    if (sqlBytes(name) > MAX_IDENTIFIER_BYTES) {
      throw invalid(
        `The staging table name ${name} is longer than Redshift's 127 bytes; use a shorter run id.`,
      );
    }
    return quoteQualified(stagingSchema, name);
  };

  const compiled = compileSql({
    groups: resolved.groups,
    entityColumns: resolved.entityColumns.map((column) => column.name),
    entityTimestampColumn: resolved.entityTimestampColumn,
    entityTable: quoteQualified(request.entityTable.schema, request.entityTable.name),
    entityTableName: request.entityTable.name,
    ...(timestampRange ? { timestampRange } : {}),
    filterByCreatedTimestamp: resolved.filterByCreatedTimestamp,
    maxStatementBytes,
    winnersTable,
  });

  const groups: PlanGroup[] = resolved.groups.map((group, index) => ({
    ...group,
    steps: describeGroupSteps(group, index, {
      entityTimestampColumn: resolved.entityTimestampColumn,
      ...(timestampRange ? { timestampRange } : {}),
      filterByCreatedTimestamp: resolved.filterByCreatedTimestamp,
    }),
  }));

  const warnings = [...resolved.warnings];
  if (compiled.split) {
    warnings.push(
      `The single statement would be ${compiled.sqlBytes} bytes, more than the ${maxStatementBytes} allowed, so the ` +
        `retrieval runs as ${compiled.statements.length} staged statements and a final join.`,
    );
  }

  return deepFreeze({
    entityTimestampColumn: resolved.entityTimestampColumn,
    rowIdColumn: ROW_ID_COLUMN,
    entityTable: quoteQualified(request.entityTable.schema, request.entityTable.name),
    fullFeatureNames: resolved.fullFeatureNames,
    filterByCreatedTimestamp: resolved.filterByCreatedTimestamp,
    groups,
    outputColumns: resolved.outputColumns,
    onDemand: resolved.onDemand,
    statements: compiled.statements,
    resultQuery: compiled.resultQuery,
    cleanupTables: compiled.cleanupTables,
    sql: compiled.sql,
    sqlBytes: compiled.sqlBytes,
    maxStatementBytes,
    split: compiled.split,
    warnings,
  });
}
