/** Parquet files of the data folder: column types from the Arrow schema, rows through the COPY path. */
import { readFileSync } from 'node:fs';
import { Type, type DataType, type Field, type Table } from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { loadArrow, readParquetTable, type TableColumn } from './copy';
import type { PgSession } from './pg-session';
import { sqlIdent } from './sql-lexer';

/** The Redshift DDL type for an Arrow field of a Parquet file in the data folder. */
export function ddlTypeForArrow(field: Field, data: Table, index: number): string {
  const type = field.type as DataType;
  switch (type.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (bitWidth <= 8 || (bitWidth === 16 && isSigned)) return 'SMALLINT';
      if (bitWidth === 16 || (bitWidth === 32 && isSigned)) return 'INTEGER';
      if (bitWidth === 32 || isSigned) return 'BIGINT';
      return 'NUMERIC(20, 0)';
    }
    case Type.Float:
      return (type as unknown as { precision: number }).precision === 2 ? 'DOUBLE PRECISION' : 'REAL';
    case Type.Bool:
      return 'BOOLEAN';
    case Type.Decimal: {
      const { precision, scale } = type as unknown as { precision: number; scale: number };
      return `NUMERIC(${precision}, ${scale})`;
    }
    case Type.Date:
      return 'DATE';
    case Type.Time:
      return 'TIME';
    case Type.Timestamp:
      return (type as unknown as { timezone?: string | null }).timezone ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Dictionary: {
      let longest = 0;
      const column = data.getChildAt(index)!;
      for (let i = 0; i < column.length; i++) {
        const value = column.get(i) as unknown;
        if (value !== null && value !== undefined)
          longest = Math.max(longest, Buffer.byteLength(String(value)));
      }
      return longest === 0 ? 'VARCHAR(256)' : `VARCHAR(${longest})`;
    }
    case Type.Struct:
    case Type.List:
    case Type.LargeList:
    case Type.Map:
    case Type.FixedSizeList:
      return 'SUPER';
    default:
      throw new Error(
        `column "${field.name}" has the Arrow type ${String(type)}, which has no Redshift counterpart`,
      );
  }
}

export async function loadParquetFile(session: PgSession, path: string, tableName: string): Promise<string> {
  const data = readParquetTable(readFileSync(path), path);
  const table = `public.${sqlIdent(tableName)}`;
  const columns: TableColumn[] = [];
  const definitions = data.schema.fields.map((field, index) => {
    let type: string;
    try {
      type = ddlTypeForArrow(field, data, index);
    } catch (error) {
      throw new WorkbenchError({ kind: 'InputInvalid', file: path, reason: (error as Error).message });
    }
    const name = field.name.toLowerCase();
    columns.push({ name, typname: type === 'SUPER' ? 'super' : type.toLowerCase(), display: type });
    return `${sqlIdent(name)} ${type}`;
  });
  await session.exec(`CREATE TABLE ${table} (${definitions.join(', ')})`);
  try {
    await loadArrow(
      session,
      table,
      table,
      data,
      columns.map((column, index) => ({ index, column })),
      () => undefined,
      path,
    );
  } catch (error) {
    throw new WorkbenchError({ kind: 'InputInvalid', file: path, reason: (error as Error).message });
  }
  return table;
}
