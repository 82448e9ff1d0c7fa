/**
 * Property tests, executed in PGlite: any identifier survives quoting, and for random entity frames with
 * collision-prone multi-column keys the plan returns exactly one row per entity row, matching the reference.
 */

import type { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityColumn } from '../frames/types';
import type { ReferenceRow } from '../testing/reference-pit';
import {
  createDatabase,
  createTable,
  expectMatchesReference,
  runPlan,
  stageEntities,
} from './__fixtures__/pglite';
import { featureView, field, redshiftSource, universalRegistry } from './__fixtures__/registry';
import { planRetrieval } from './plan';
import { quoteIdent, quoteQualified, sqlBytes } from './sql';
import { formatSqlTimestamp, parseTimestampMicros } from './time';

let db: PGlite;

beforeAll(async () => {
  db = await createDatabase();
});

afterAll(async () => {
  await db.close();
});

/** PostgreSQL keeps 63 bytes of an identifier (Redshift 127); longer ones would be truncated, not mangled. */
const PG_IDENTIFIER_BYTES = 63;

const identifier = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    fc.string({
      unit: fc.constantFrom('"', "'", ' ', '.', ';', '-', '\\', 'a', 'Z', 'é', '表', '😀'),
      minLength: 1,
    }),
    fc.constantFrom(
      'select',
      'FROM',
      'order',
      'user',
      'Group',
      'default',
      '"',
      '""',
      'a"b',
      ' ',
      '--',
      '$1',
      '\\',
    ),
  )
  .filter((name) => !name.includes('\0') && sqlBytes(name) <= PG_IDENTIFIER_BYTES);

describe('quoteIdent', () => {
  it('round-trips any identifier through PostgreSQL as a column, table and schema name', async () => {
    await fc.assert(
      fc.asyncProperty(identifier, identifier, identifier, async (columnName, tableName, schemaName) => {
        const table = quoteQualified(schemaName, tableName);
        await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemaName)}`);
        await db.exec(`DROP TABLE IF EXISTS ${table}`);
        await db.exec(`CREATE TABLE ${table} (${quoteIdent(columnName)} INTEGER)`);
        await db.query(`INSERT INTO ${table} VALUES (7)`);
        const result = await db.query<Record<string, number>>(
          `SELECT ${quoteIdent(columnName)} FROM ${table}`,
        );
        expect(result.fields.map((f) => f.name)).toEqual([columnName]);
        expect(result.rows).toEqual([{ [columnName]: 7 }]);
        const found = await db.query<{ table_schema: string; table_name: string }>(
          `SELECT table_schema, table_name FROM information_schema.columns WHERE column_name = $1`,
          [columnName],
        );
        expect(found.rows).toContainEqual({ table_schema: schemaName, table_name: tableName });
        await db.exec(`DROP TABLE ${table}`);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses what no quoting can carry', () => {
    expect(() => quoteIdent('')).toThrow();
    expect(() => quoteIdent('a\0b')).toThrow();
  });
});

describe('timestamps', () => {
  it('format and parse back to the same microsecond', () => {
    const year2000 = 946_684_800_000_000n;
    const year2100 = 4_102_444_800_000_000n;
    fc.assert(
      fc.property(fc.bigInt({ min: year2000, max: year2100 }), (micros) => {
        expect(parseTimestampMicros(formatSqlTimestamp(micros))).toBe(micros);
      }),
    );
  });

  it('read offsets, Z and naive text as the same instant', () => {
    expect(parseTimestampMicros('2021-04-12T12:00:00+02:00')).toBe(
      parseTimestampMicros('2021-04-12 10:00:00'),
    );
    expect(parseTimestampMicros('2021-04-12T05:30:00-0430')).toBe(
      parseTimestampMicros('2021-04-12T10:00:00Z'),
    );
    expect(parseTimestampMicros('2021-04-12 10:00:00+00')).toBe(
      parseTimestampMicros('2021-04-12'.concat('T10:00Z')),
    );
    expect(parseTimestampMicros('2021-02-30T00:00:00')).toBeUndefined();
    expect(parseTimestampMicros('2021-04-12T10:00:00.0000001Z', 'ceil')! - 1n).toBe(
      parseTimestampMicros('2021-04-12T10:00:00Z'),
    );
  });
});

/** Entity keys: the pairs ('1', 12) / ('11', 2) read "112" when concatenated without a separator. */
const CUSTOMERS = ['1', '11', '12', '', 'é'];
const DRIVERS = [1, 2, 12, 21, 112];
const LABELS = ['a', 'B', 'é', 'z', '', '😀'];
/** Instants an hour apart, so entity and source timestamps often coincide (ties, window edges). */
const HOURS = [0, 1, 2, 3, 4, 5].map((h) => `2021-04-12T${String(8 + h).padStart(2, '0')}:00:00Z`);

const maybeNull = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null, freq: 6 });

const entityRow = fc.record({
  customer_id: maybeNull(fc.constantFrom(...CUSTOMERS)),
  driver_id: maybeNull(fc.constantFrom(...DRIVERS)),
  event_timestamp: fc.constantFrom(...HOURS),
});

/** Source rows crowd onto few keys and instants, so ties on event and created timestamps are common. */
const sourceRow = fc.record({
  cust: fc.constantFrom('1', '11', '12'),
  drv: fc.constantFrom(2, 12),
  ts: maybeNull(fc.constantFrom(...HOURS.slice(1, 4))),
  created: maybeNull(fc.constantFrom(HOURS[0]!, HOURS[2]!)),
  score: maybeNull(fc.integer({ min: -2, max: 2 })),
  label: maybeNull(fc.constantFrom(...LABELS)),
});

/**
 * SUPER-like values cannot be ordered, so rows tied on everything else may give either one; deriving the payload
 * from the orderable features keeps such ties identical, so the comparison stays exact.
 */
function withPayload<R extends { score: number | null; label: string | null }>(row: R) {
  return {
    ...row,
    payload: row.score === null ? null : JSON.stringify({ score: row.score, label: row.label }),
  };
}

const ENTITY_COLUMNS: EntityColumn[] = [
  { name: 'customer_id', type: 'string' },
  { name: 'driver_id', type: 'int64' },
  { name: 'event_timestamp', type: 'timestamp' },
];

let run = 0;

describe('row identity', () => {
  it('gives exactly one row per entity row, 1:1 through the row id, as the reference does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entityRow, { minLength: 1, maxLength: 25, size: 'max' }),
        fc.array(sourceRow.map(withPayload), { maxLength: 40, size: 'max' }),
        fc.constantFrom(0, 3600, 7200),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (entityRows, sourceRows, ttlSeconds, filterByCreatedTimestamp, fullFeatureNames, withRange) => {
          run += 1;
          const view = featureView({
            name: 'pair_stats',
            entityColumns: [field('customer_id', 'STRING'), field('driver_id', 'INT64')],
            features: [field('score', 'INT32'), field('label', 'STRING'), field('payload', 'MAP')],
            ttlSeconds,
            source: redshiftSource({
              name: 'pair_source',
              table: 'pair_source',
              schema: 'prop',
              createdTimestampColumn: 'created',
              fieldMapping: { cust: 'customer_id', drv: 'driver_id' },
            }),
          });
          await createTable(
            db,
            { schema: 'prop', name: 'pair_source' },
            [
              { name: 'cust', type: 'VARCHAR' },
              { name: 'drv', type: 'BIGINT' },
              { name: 'ts', type: 'TIMESTAMP' },
              { name: 'created', type: 'TIMESTAMP' },
              { name: 'score', type: 'INTEGER' },
              { name: 'label', type: 'VARCHAR' },
              { name: 'payload', type: 'JSON' },
            ],
            sourceRows.map((row) => ({ ...row, ts: row.ts?.replace('Z', '') ?? null })),
          );
          // The source's timestamp column is named ts in the registry too (no mapping needed for it).
          const registry = universalRegistry({
            featureViews: [{ ...view, batchSource: { ...view.batchSource, timestampField: 'ts' } }],
          });
          const entityTable = { schema: 'prop', name: `entities_${run}` };
          await stageEntities(db, entityTable, ENTITY_COLUMNS, entityRows);
          const instants = entityRows.map((row) => row.event_timestamp).sort();
          const plan = planRetrieval({
            registry,
            features: ['pair_stats:score', 'pair_stats:label', 'pair_stats:payload'],
            entityColumns: ENTITY_COLUMNS,
            entityTable,
            fullFeatureNames,
            filterByCreatedTimestamp,
            ...(withRange ? { timestampRange: { min: instants[0]!, max: instants.at(-1)! } } : {}),
          });
          const result = await runPlan(db, plan);
          expect(result.rows).toHaveLength(entityRows.length);
          expectMatchesReference(plan, result, {
            entityRows: entityRows as ReferenceRow[],
            rowsOf: () => sourceRows,
          });
          await db.exec(`DROP TABLE ${quoteQualified(entityTable.schema, entityTable.name)}`);
        },
      ),
      { numRuns: 60 },
    );
  });
});
