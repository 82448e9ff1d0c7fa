/**
 * Second layer of the planner: resolved groups -> Redshift SQL. Per group, the distinct (join keys, entity
 * timestamp) tuples of the entity frame meet the source rows in their TTL window, ROW_NUMBER keeps one winner per
 * tuple, and the entity table LEFT JOINs each group's winners on the tuple, so every entity row comes out exactly
 * once. When the single statement is larger than the Data API allows, each group's winners become a staged table.
 */

import { WorkbenchError } from '../contract/errors';
import type { ResolvedGroup } from './resolve';
import { qualifiedColumn, quoteIdent, sqlBytes } from './sql';
import { formatSqlTimestamp } from './time';
import { MAX_IDENTIFIER_BYTES, RESERVED_PREFIX, ROW_ID_COLUMN, type PlanStatement } from './types';

/** The entity timestamp inside a group's tuples (entity frame columns may not use the reserved prefix). */
export const ENTITY_TS_COLUMN = `${RESERVED_PREFIX}entity_ts`;
export const RANK_COLUMN = `${RESERVED_PREFIX}rank`;

const KEYS_ALIAS = 'k';
const SOURCE_ALIAS = 's';
const ENTITY_ALIAS = 'e';

export interface CompileInput {
  groups: readonly ResolvedGroup[];
  /** Entity frame column names, in output order. */
  entityColumns: readonly string[];
  entityTimestampColumn: string;
  /** The staged entity table, quoted (and qualified when it has a schema). */
  entityTable: string;
  /** Unqualified name of the entity table, to keep CTE names from shadowing it. */
  entityTableName: string;
  /** Entity frame min/max timestamps in microseconds, when known. */
  timestampRange?: { min: bigint; max: bigint };
  filterByCreatedTimestamp: boolean;
  maxStatementBytes: number;
  /** Quoted name of the staged winners table of group `index`, for split plans. */
  winnersTable: (index: number) => string;
}

export interface CompiledSql {
  statements: PlanStatement[];
  resultQuery: string;
  cleanupTables: string[];
  sql: string;
  sqlBytes: number;
  split: boolean;
}

const INDENT = '  ';

function indent(lines: readonly string[], depth = 1): string[] {
  return lines.map((line) => (line === '' ? line : INDENT.repeat(depth) + line));
}

/** `a,` `b,` `c`: a comma after every item but the last. */
function commaList(items: readonly string[]): string[] {
  return items.map((item, i) => (i < items.length - 1 ? `${item},` : item));
}

/** Longest clause kept on one line; longer ones list one item per line. */
const MAX_CLAUSE_LINE = 100;

/** `ORDER BY a, b` on one line when short, else the keyword and then one item per line. */
function clauseLines(keyword: string, items: readonly string[]): string[] {
  const oneLine = `${keyword} ${items.join(', ')}`;
  return oneLine.length <= MAX_CLAUSE_LINE ? [oneLine] : [keyword, ...indent(commaList(items))];
}

function intervalSeconds(seconds: number): string {
  return `INTERVAL '${seconds} seconds'`;
}

/** CTE names per group: readable `<name>__keys` unless that could clash or be too long for Redshift. */
function cteBaseNames(groups: readonly ResolvedGroup[], entityTableName: string): string[] {
  const taken = new Set<string>();
  const longestSuffix = '__winners';
  return groups.map((group, index) => {
    const readable = group.name;
    const folded = readable.toLowerCase();
    const clashesWithEntityTable = ['__keys', '__ranked', longestSuffix].some(
      (suffix) => `${folded}${suffix}` === entityTableName.toLowerCase(),
    );
    const fits = sqlBytes(readable + longestSuffix) <= MAX_IDENTIFIER_BYTES;
    const base =
      fits && !clashesWithEntityTable && !taken.has(folded) ? readable : `${RESERVED_PREFIX}g${index}`;
    taken.add(base.toLowerCase());
    return base;
  });
}

interface GroupSql {
  keysName: string;
  rankedName: string;
  winnersName: string;
  /** `"name" AS (...)` for the keys and ranked CTEs. */
  ctes: string[][];
  /** The SELECT of winners from the ranked CTE (no WITH). */
  winnersSelect: string[];
}

function sourceTimeFilter(group: ResolvedGroup, input: CompileInput): string[] {
  const ts = qualifiedColumn(SOURCE_ALIAS, group.timestampColumn);
  const entityTs = quoteIdent(input.entityTimestampColumn);
  const conditions: string[] = [];
  if (input.timestampRange) {
    if (group.ttlSeconds > 0) {
      const lower = input.timestampRange.min - BigInt(group.ttlSeconds) * 1_000_000n;
      conditions.push(`${ts} >= '${formatSqlTimestamp(lower)}'`);
    }
    conditions.push(`${ts} <= '${formatSqlTimestamp(input.timestampRange.max)}'`);
  } else {
    if (group.ttlSeconds > 0) {
      conditions.push(
        `${ts} >= (SELECT MIN(${entityTs}) FROM ${input.entityTable}) - ${intervalSeconds(group.ttlSeconds)}`,
      );
    }
    conditions.push(`${ts} <= (SELECT MAX(${entityTs}) FROM ${input.entityTable})`);
  }
  return conditions.map((condition, i) => (i === 0 ? `WHERE ${condition}` : `${INDENT}AND ${condition}`));
}

function groupSql(group: ResolvedGroup, base: string, input: CompileInput): GroupSql {
  const keysName = `${base}__keys`;
  const rankedName = `${base}__ranked`;
  const winnersName = `${base}__winners`;
  const k = (column: string) => qualifiedColumn(KEYS_ALIAS, column);
  const s = (column: string) => qualifiedColumn(SOURCE_ALIAS, column);
  const tupleColumns = [...group.joinKeys.map((key) => key.entityColumn), ENTITY_TS_COLUMN];

  const keys = [
    `${quoteIdent(keysName)} AS (`,
    ...indent([
      'SELECT DISTINCT',
      ...indent(
        commaList([
          ...group.joinKeys.map((key) => quoteIdent(key.entityColumn)),
          `${quoteIdent(input.entityTimestampColumn)} AS ${quoteIdent(ENTITY_TS_COLUMN)}`,
        ]),
      ),
      `FROM ${input.entityTable}`,
    ]),
    ')',
  ];

  const ts = s(group.timestampColumn);
  const created = group.createdTimestampColumn === undefined ? undefined : s(group.createdTimestampColumn);
  const order = [
    `${ts} DESC`,
    ...(created ? [`${created} DESC NULLS LAST`] : []),
    ...group.features.filter((f) => f.tieBreak).map((f) => `${s(f.sourceColumn)} ASC NULLS LAST`),
  ];
  const entityTs = k(ENTITY_TS_COLUMN);
  const joinConditions = [
    ...group.joinKeys.map((key) => `${s(key.sourceColumn)} = ${k(key.entityColumn)}`),
    `${ts} <= ${entityTs}`,
    ...(group.ttlSeconds > 0 ? [`${ts} >= ${entityTs} - ${intervalSeconds(group.ttlSeconds)}`] : []),
    // A row without a created timestamp is kept: nothing says it was created after the entity timestamp.
    ...(input.filterByCreatedTimestamp && created
      ? [`(${created} IS NULL OR ${created} <= ${entityTs})`]
      : []),
  ];
  const ranked = [
    `${quoteIdent(rankedName)} AS (`,
    ...indent([
      'SELECT',
      ...indent(
        commaList([
          ...tupleColumns.map(k),
          ...group.features.map((f) => `${s(f.sourceColumn)} AS ${quoteIdent(f.outputName)}`),
          'ROW_NUMBER() OVER (',
        ]),
      ),
      ...indent([...clauseLines('PARTITION BY', tupleColumns.map(k)), ...clauseLines('ORDER BY', order)], 2),
      `${INDENT}) AS ${quoteIdent(RANK_COLUMN)}`,
      `FROM ${quoteIdent(keysName)} AS ${quoteIdent(KEYS_ALIAS)}`,
      `INNER JOIN ${group.source.sql} AS ${quoteIdent(SOURCE_ALIAS)}`,
      ...indent(joinConditions.map((condition, i) => (i === 0 ? `ON ${condition}` : `AND ${condition}`))),
      ...sourceTimeFilter(group, input),
    ]),
    ')',
  ];

  const winnersSelect = [
    'SELECT',
    ...indent(commaList([...tupleColumns, ...group.features.map((f) => f.outputName)].map(quoteIdent))),
    `FROM ${quoteIdent(rankedName)}`,
    `WHERE ${quoteIdent(RANK_COLUMN)} = 1`,
  ];
  return { keysName, rankedName, winnersName, ctes: [keys, ranked], winnersSelect };
}

function withClause(ctes: readonly string[][]): string[] {
  return ctes.flatMap((cte, i) => {
    const lines = [...cte];
    if (i === 0) lines[0] = `WITH ${lines[0]}`;
    if (i < ctes.length - 1) lines[lines.length - 1] = `${lines[lines.length - 1]},`;
    return lines;
  });
}

function finalSelect(input: CompileInput, winnersSources: readonly string[]): string[] {
  const e = (column: string) => qualifiedColumn(ENTITY_ALIAS, column);
  const columns = [
    ...input.entityColumns.map(e),
    ...input.groups.flatMap((group, i) => group.features.map((f) => qualifiedColumn(`w${i}`, f.outputName))),
    e(ROW_ID_COLUMN),
  ];
  const joins = input.groups.flatMap((group, i) => {
    const w = (column: string) => qualifiedColumn(`w${i}`, column);
    const conditions = [
      ...group.joinKeys.map((key) => `${w(key.entityColumn)} = ${e(key.entityColumn)}`),
      `${w(ENTITY_TS_COLUMN)} = ${e(input.entityTimestampColumn)}`,
    ];
    return [
      `LEFT JOIN ${winnersSources[i]} AS ${quoteIdent(`w${i}`)}`,
      ...indent(conditions.map((condition, j) => (j === 0 ? `ON ${condition}` : `AND ${condition}`))),
    ];
  });
  return [
    'SELECT',
    ...indent(commaList(columns)),
    `FROM ${input.entityTable} AS ${quoteIdent(ENTITY_ALIAS)}`,
    ...joins,
  ];
}

function tooLarge(what: string, bytes: number, limit: number): WorkbenchError {
  return new WorkbenchError({
    kind: 'PlanInvalid',
    reason:
      `${what} is ${bytes} bytes of SQL, more than the ${limit} bytes a Redshift Data API statement may hold, even ` +
      'after splitting the retrieval into one statement per feature view. Request fewer features at once, or ' +
      'shorten the source query.',
  });
}

export function compileSql(input: CompileInput): CompiledSql {
  const bases = cteBaseNames(input.groups, input.entityTableName);
  const parts = input.groups.map((group, i) => groupSql(group, bases[i]!, input));

  const singleCtes = parts.flatMap((part) => [
    ...part.ctes,
    [`${quoteIdent(part.winnersName)} AS (`, ...indent(part.winnersSelect), ')'],
  ]);
  const single = [
    ...withClause(singleCtes),
    ...finalSelect(
      input,
      parts.map((part) => quoteIdent(part.winnersName)),
    ),
  ].join('\n');
  const singleBytes = sqlBytes(single);
  if (singleBytes <= input.maxStatementBytes) {
    return {
      statements: [],
      resultQuery: single,
      cleanupTables: [],
      sql: single,
      sqlBytes: singleBytes,
      split: false,
    };
  }

  const statements: PlanStatement[] = parts.map((part, i) => {
    const group = input.groups[i]!;
    const sql = [
      `CREATE TABLE ${input.winnersTable(i)} AS`,
      ...withClause(part.ctes),
      ...part.winnersSelect,
    ].join('\n');
    const bytes = sqlBytes(sql);
    if (bytes > input.maxStatementBytes)
      throw tooLarge(`The statement for ${group.name}`, bytes, input.maxStatementBytes);
    return { purpose: `Stage the point-in-time winners of ${group.name}`, sql, bytes };
  });
  const resultQuery = finalSelect(
    input,
    input.groups.map((_, i) => input.winnersTable(i)),
  ).join('\n');
  const resultBytes = sqlBytes(resultQuery);
  if (resultBytes > input.maxStatementBytes) {
    throw tooLarge('The final join of the staged feature views', resultBytes, input.maxStatementBytes);
  }
  const cleanupTables = input.groups.map((_, i) => input.winnersTable(i));
  return {
    statements,
    resultQuery,
    cleanupTables,
    sql: [...statements.map((statement) => statement.sql), resultQuery].map((sql) => `${sql};`).join('\n\n'),
    sqlBytes: singleBytes,
    split: true,
  };
}
