/**
 * The worker's one PostgreSQL connection: single statements over the simple query protocol, with every value
 * kept in PostgreSQL's text form (so int8 and numeric stay exact) and the full row description (type
 * modifiers and source table of each column) that ColumnMetadata needs.
 */
import { protocol, type PGlite } from '@electric-sql/pglite';

export interface FieldInfo {
  name: string;
  dataTypeID: number;
  dataTypeModifier: number;
  tableID: number;
  columnID: number;
}

export interface RawResult {
  /** Present when the statement returns rows (possibly zero). */
  fields?: FieldInfo[];
  rows: (string | null)[][];
  /** The command tag, e.g. `INSERT 0 5`, `SELECT 3`, `CREATE TABLE`. */
  command: string;
}

/** A PostgreSQL error, with the message Redshift's Data API would show (`ERROR: ...`). */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail: string | undefined,
  ) {
    super(message);
    this.name = 'PgError';
  }

  /** The error text in Redshift's style. */
  get redshiftText(): string {
    return `ERROR: ${this.message}${this.detail ? `\n  Detail: ${this.detail}` : ''}`;
  }
}

interface MessageLike {
  name: string;
  fields?: unknown;
  text?: string;
}

export class PgSession {
  constructor(readonly pg: PGlite) {}

  /** Runs one statement and returns its rows in text form. */
  async run(sql: string): Promise<RawResult> {
    let messages: MessageLike[];
    try {
      messages = (await this.pg.execProtocolStream(protocol.serialize.query(sql), {
        syncToFs: false,
      })) as unknown as MessageLike[];
    } catch (error) {
      throw toPgError(error);
    }
    let fields: FieldInfo[] | undefined;
    const rows: (string | null)[][] = [];
    let command = '';
    for (const message of messages) {
      if (message.name === 'rowDescription') {
        fields = (message.fields as FieldInfo[]).map((f) => ({
          name: f.name,
          dataTypeID: f.dataTypeID,
          dataTypeModifier: f.dataTypeModifier,
          tableID: f.tableID,
          columnID: f.columnID,
        }));
      } else if (message.name === 'dataRow') rows.push(message.fields as (string | null)[]);
      else if (message.name === 'commandComplete') command = message.text ?? '';
    }
    return { fields, rows, command };
  }

  /** Runs statements whose results do not matter. */
  async exec(sql: string): Promise<void> {
    await this.run(sql);
  }

  /** Runs `COPY ... FROM '/dev/blob'` with the given bytes as the file; returns the rows loaded. */
  async copyFromBlob(sql: string, data: Uint8Array | string): Promise<number> {
    try {
      const blob = new Blob([typeof data === 'string' ? data : new Uint8Array(data)]);
      const result = await this.pg.query(sql, [], { blob });
      return result.affectedRows ?? 0;
    } catch (error) {
      throw toPgError(error);
    }
  }
}

export function toPgError(error: unknown): PgError {
  if (error instanceof PgError) return error;
  const e = error as { message?: string; code?: string; detail?: string };
  return new PgError(e.message ?? String(error), e.code, e.detail);
}

/** Rows affected according to a command tag (`INSERT 0 5` -> 5); -1 for commands that affect no rows. */
export function affectedRows(command: string): number {
  const match = /^(?:INSERT \d+|UPDATE|DELETE|SELECT|COPY|MERGE|MOVE|FETCH) (\d+)$/.exec(command);
  return match ? Number(match[1]) : -1;
}
