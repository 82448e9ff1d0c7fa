import { describe, expect, it } from 'vitest';
import { WorkbenchError, type EngineError } from '../contract/errors';
import { lineColumnAt } from '../frames/text-position';
import { openWarehouse } from '../warehouse/warehouse';
import { executorFor } from './table-append';
import { csvFieldOffset, inputFormatOf, matchColumns, resolveWriteTarget } from './write-batch';
import type { WriteColumn } from './write-columns';
import { writeTestRegistry } from './write-test-registry';
import { writeTestConfig } from './write-test-sandbox';

function detail(run: () => unknown): EngineError {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkbenchError) return error.detail;
    throw error;
  }
  throw new Error('expected a WorkbenchError');
}

const columns = (...names: string[]): WriteColumn[] =>
  names.map((name) => ({ name, type: { kind: 'int', bits: 64 }, nullable: true }));

describe('resolveWriteTarget', () => {
  const registry = writeTestRegistry();

  it('writes a table source as "schema"."table", a push source through its batch source', () => {
    expect(resolveWriteTarget(registry, 'driver_stats')).toMatchObject({
      schema: 'public',
      table: 'driver_stats',
    });
    expect(resolveWriteTarget(registry, 'trips')).toMatchObject({ schema: 'Analytics', table: 'Trip_Log' });
    expect(resolveWriteTarget(registry, 'pushed')).toMatchObject({ schema: 'public', table: 'pushed_rows' });
    expect(resolveWriteTarget(registry, 'other_db')).toMatchObject({ database: 'analytics_db' });
  });

  it('refuses query sources, other kinds of source and unknown or on-demand views', () => {
    expect(detail(() => resolveWriteTarget(registry, 'orders_query'))).toEqual({
      kind: 'PlanInvalid',
      reason:
        'feature view orders_query reads the query of source orders_query_source; a query source cannot be written (give the source a table)',
    });
    expect(detail(() => resolveWriteTarget(registry, 'files'))).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining('of kind BATCH_FILE; only a Redshift table source can be written'),
    });
    expect(detail(() => resolveWriteTarget(registry, 'nope'))).toMatchObject({
      kind: 'NotFound',
      name: 'nope',
    });
    expect(detail(() => resolveWriteTarget(registry, 'adjusted'))).toMatchObject({
      kind: 'NotFound',
      hint: 'it is an on-demand feature view, which has no table to write to',
    });
  });
});

describe('matchColumns', () => {
  it('binds by name in any order and case, in table order', () => {
    const match = matchColumns(['B', 'event_timestamp', 'a'], columns('a', 'b', 'event_timestamp'), {});
    expect(match.problems).toEqual([]);
    expect(match.bindings.map((b) => [b.input, b.inputIndex, b.target.name])).toEqual([
      ['a', 2, 'a'],
      ['B', 0, 'b'],
      ['event_timestamp', 1, 'event_timestamp'],
    ]);
  });

  it('accepts the field_mapping names of the table columns as well as their own names', () => {
    const mapping = { id: 'driver_id', column_name: 'trips_today' };
    const table = columns('event_timestamp', 'id', 'column_name');
    const byFeature = matchColumns(['driver_id', 'Trips_Today', 'event_timestamp'], table, mapping);
    expect(byFeature.problems).toEqual([]);
    expect(byFeature.bindings.map((b) => `${b.input}->${b.target.name}`)).toEqual([
      'event_timestamp->event_timestamp',
      'driver_id->id',
      'Trips_Today->column_name',
    ]);
    expect(matchColumns(['id', 'column_name', 'event_timestamp'], table, mapping).problems).toEqual([]);
  });

  it('names missing, unexpected and ambiguous columns', () => {
    const mapping = { id: 'driver_id' };
    expect(
      matchColumns(['event_timestamp', 'x', 'y'], columns('event_timestamp', 'id', 'z'), mapping).problems,
    ).toEqual(['missing id (driver_id through field_mapping), z', 'not in the table: x, y']);
    expect(matchColumns(['id', 'driver_id'], columns('id'), mapping).problems).toEqual([
      'input columns id and driver_id both name id (driver_id through field_mapping)',
    ]);
    // The table has both a column driver_id and a column id mapped to driver_id.
    expect(matchColumns(['driver_id', 'id'], columns('driver_id', 'id'), mapping).problems).toEqual([
      'missing driver_id',
      'input column driver_id could be driver_id or id (driver_id through field_mapping)',
    ]);
  });
});

describe('csvFieldOffset', () => {
  it('finds a data row field past quoted line breaks, CRLF and a BOM', () => {
    const text = '\uFEFFa,b,c\r\n1,"x\ny",3\r\n4,"5,5",six\n';
    const bytes = new TextEncoder().encode(text);
    const at = (row: number, field: number) => lineColumnAt(bytes, csvFieldOffset(bytes, row, field), 3);
    expect(at(0, 0)).toEqual({ line: 2, column: 1 });
    expect(at(0, 2)).toEqual({ line: 3, column: 4 });
    expect(at(1, 1)).toEqual({ line: 4, column: 3 });
    expect(at(1, 2)).toEqual({ line: 4, column: 9 });
  });
});

describe('inputFormatOf', () => {
  it('takes .csv and .parquet, and refuses anything else', () => {
    expect(inputFormatOf('rows.CSV')).toBe('csv');
    expect(inputFormatOf('/tmp/rows.parquet')).toBe('parquet');
    expect(detail(() => inputFormatOf('rows.json'))).toMatchObject({
      kind: 'InputInvalid',
      file: 'rows.json',
    });
  });
});

describe('executorFor', () => {
  it("connects to the source's database when it names another one, as Feast does", () => {
    for (const target of ['cluster', 'serverless'] as const) {
      const warehouse = openWarehouse(writeTestConfig(target));
      try {
        expect(executorFor(warehouse, undefined)).toBe(warehouse.executor);
        expect(executorFor(warehouse, 'dev')).toBe(warehouse.executor);
        const other = executorFor(warehouse, 'analytics_db');
        expect(other.database).toBe('analytics_db');
        expect(other.target).toEqual(warehouse.executor.target);
      } finally {
        warehouse.close();
      }
    }
  });
});
