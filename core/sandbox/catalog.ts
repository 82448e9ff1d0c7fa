/**
 * Catalog reads for ListSchemas, ListTables and DescribeTable, and the ColumnMetadata of result sets
 * (which needs the source table of each column and its NOT NULL flag).
 */
import type { FieldInfo, PgSession } from './pg-session';
import { typeMetadata } from './pg-types';
import type { CatalogTable, ColumnMeta } from './protocol';
import { sqlString } from './sql-lexer';

/** Schemas the sandbox keeps for itself; never listed. */
function hiddenSchemaFilter(column: string, internalPrefix: string): string {
  const patterns = ['pg\\_toast%', 'pg\\_temp\\_%', `${internalPrefix.replaceAll('_', '\\_')}%`];
  return patterns.map((p) => `${column} NOT LIKE ${sqlString(p)}`).join(' AND ');
}

export async function listSchemas(
  session: PgSession,
  internalPrefix: string,
  pattern?: string,
): Promise<string[]> {
  const result = await session.run(
    `SELECT nspname FROM pg_namespace WHERE ${hiddenSchemaFilter('nspname', internalPrefix)}` +
      (pattern ? ` AND nspname LIKE ${sqlString(pattern)}` : '') +
      ` ORDER BY nspname`,
  );
  return result.rows.map((r) => r[0]!);
}

export async function listTables(
  session: PgSession,
  internalPrefix: string,
  schemaPattern?: string,
  tablePattern?: string,
): Promise<CatalogTable[]> {
  const result = await session.run(
    `SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ` +
      `WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND ${hiddenSchemaFilter('n.nspname', internalPrefix)}` +
      (schemaPattern ? ` AND n.nspname LIKE ${sqlString(schemaPattern)}` : '') +
      (tablePattern ? ` AND c.relname LIKE ${sqlString(tablePattern)}` : '') +
      ` ORDER BY n.nspname, c.relname`,
  );
  return result.rows.map(([schema, name, kind]) => {
    const system = schema === 'pg_catalog' || schema === 'information_schema';
    const view = kind === 'v' || kind === 'm';
    const type = system
      ? view
        ? 'SYSTEM VIEW'
        : 'SYSTEM TABLE'
      : view
        ? 'VIEW'
        : kind === 'f'
          ? 'EXTERNAL TABLE'
          : 'TABLE';
    return { schema: schema!, name: name!, type };
  });
}

/** Columns of matching tables, as DescribeTable lists them. */
export async function describeColumns(
  session: PgSession,
  internalPrefix: string,
  schema?: string,
  table?: string,
): Promise<{ tableName: string; columns: ColumnMeta[] }> {
  const result = await session.run(
    `SELECT n.nspname, c.relname, a.attname, a.atttypid::int8, a.atttypmod, a.attnotnull, ` +
      `pg_get_expr(d.adbin, d.adrelid), t.typname, t.typtype, t.typbasetype::int8 ` +
      `FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace ` +
      `JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum ` +
      `WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ` +
      `AND ${hiddenSchemaFilter('n.nspname', internalPrefix)}` +
      (schema ? ` AND n.nspname = ${sqlString(schema.toLowerCase())}` : '') +
      (table ? ` AND c.relname = ${sqlString(table.toLowerCase())}` : '') +
      ` ORDER BY n.nspname, c.relname, a.attnum`,
  );
  const columns = result.rows.map((r) => {
    const [nspname, relname, attname, typid, typmod, notnull, defaultExpr, typname, typtype, basetype] = r;
    const isDomain = typtype === 'd';
    const metadata = typeMetadata(isDomain ? Number(basetype) : Number(typid), Number(typmod), typname!);
    const column: ColumnMeta = {
      name: attname!,
      label: attname!,
      ...metadata,
      typeName: isDomain ? typname! : metadata.typeName,
      nullable: notnull === 't' ? 0 : 1,
      isCurrency: false,
      schemaName: nspname!,
      tableName: relname!,
    };
    if (defaultExpr !== null && defaultExpr !== undefined) column.columnDefault = defaultExpr;
    return column;
  });
  return { tableName: table?.toLowerCase() ?? '', columns };
}

/** ColumnMetadata for a statement's result columns. */
export async function resultColumns(
  session: PgSession,
  fields: FieldInfo[],
  internalPrefix: string,
): Promise<ColumnMeta[]> {
  const tableIds = [...new Set(fields.map((f) => f.tableID).filter((id) => id !== 0))];
  const origins = new Map<string, { schema: string; table: string; notNull: boolean }>();
  if (tableIds.length > 0) {
    const result = await session.run(
      `SELECT c.oid::int8, a.attnum, n.nspname, c.relname, a.attnotnull FROM pg_attribute a ` +
        `JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace ` +
        `WHERE a.attrelid IN (${tableIds.join(', ')}) AND a.attnum > 0`,
    );
    for (const [oid, attnum, schema, table, notNull] of result.rows) {
      const shown = schema!.startsWith(internalPrefix) ? 'pg_temp_1' : schema!;
      origins.set(`${oid}:${attnum}`, { schema: shown, table: table!, notNull: notNull === 't' });
    }
  }
  const unknownTypes = [...new Set(fields.map((f) => f.dataTypeID))].filter(
    (oid) => typeMetadata(oid, -1, '').typeName === '',
  );
  const typeNames = new Map<number, string>();
  if (unknownTypes.length > 0) {
    const result = await session.run(
      `SELECT oid::int8, typname FROM pg_type WHERE oid IN (${unknownTypes.join(', ')})`,
    );
    for (const [oid, name] of result.rows) typeNames.set(Number(oid), name!);
  }
  return fields.map((field) => {
    const origin = origins.get(`${field.tableID}:${field.columnID}`);
    const metadata = typeMetadata(
      field.dataTypeID,
      field.dataTypeModifier,
      typeNames.get(field.dataTypeID) ?? 'varchar',
    );
    return {
      name: field.name,
      label: field.name,
      ...metadata,
      nullable: origin?.notNull ? 0 : 1,
      isCurrency: false,
      schemaName: origin?.schema ?? '',
      tableName: origin?.table ?? '',
    };
  });
}
