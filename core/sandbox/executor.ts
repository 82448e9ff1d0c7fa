/**
 * Runs Data API work units against the worker's PostgreSQL connection. Each ExecuteStatement is one
 * transaction (several statements in its SQL included); a BatchExecuteStatement is one transaction for all
 * its SQLs unless ExecutionMode is AUTO_COMMIT. Temporary tables end with the statement, except in a Data API
 * session, whose temporary tables live in a schema of their own (see README, "Sessions").
 */
import { describeColumns, listSchemas, listTables, resultColumns } from './catalog';
import { StatementCancelled, throwIfCancelled, type ExecContext, type S3Access } from './exec-context';
import { affectedRows, PgError, type FieldInfo, type PgSession } from './pg-session';
import type { CatalogRequest, RunUnit, SubOutcome } from './protocol';
import { classify, SandboxSqlError, translate, type TranslateOptions } from './redshift-sql';
import { splitStatements, sqlIdent, SqlSyntaxError, type SqlStatement } from './sql-lexer';
import type { ResultSet } from './protocol';

interface StatementOutput {
  fields?: FieldInfo[];
  rows: (string | null)[][];
  /** Rows affected (COPY, INSERT, UNLOAD...); -1 when the command counts none. */
  affected: number;
}

export interface ExecutorOptions {
  copyColumnListMapping: 'name' | 'position';
  unloadRowsPerFile: number;
  internalPrefix: string;
  log: (line: string) => void;
}

export interface UnitEvents {
  subStarted(index: number): void;
  subDone(index: number, outcome: SubOutcome): void;
}

/** Error text for a failed statement, in Redshift's style (`ERROR: ...`). */
export function errorText(error: unknown, log: (line: string) => void): string {
  if (error instanceof PgError) return error.redshiftText;
  if (error instanceof SandboxSqlError) return `ERROR: ${error.message}`;
  if (error instanceof SqlSyntaxError) return `ERROR: ${error.message}`;
  log(`sandbox: internal error: ${error instanceof Error ? error.stack : String(error)}`);
  return `ERROR: sandbox internal error: ${error instanceof Error ? error.message : String(error)}`;
}

export class Executor {
  constructor(
    private readonly session: PgSession,
    private readonly s3: S3Access,
    private readonly options: ExecutorOptions,
  ) {}

  private context(cancelled: () => boolean, translateOptions: TranslateOptions): ExecContext {
    return {
      session: this.session,
      s3: this.s3,
      cancelled,
      translate: translateOptions,
      copyColumnListMapping: this.options.copyColumnListMapping,
      unloadRowsPerFile: this.options.unloadRowsPerFile,
    };
  }

  /** Runs a unit; reports each SQL's start and outcome through `events`. */
  async runUnit(unit: RunUnit, cancelled: () => boolean, events: UnitEvents): Promise<void> {
    const translateOptions: TranslateOptions = {
      sessionSchema: unit.sessionSchema,
      parameters: unit.parameters ? new Map(unit.parameters) : undefined,
    };
    const context = this.context(cancelled, translateOptions);
    const session = this.session;
    const outcomes: (SubOutcome | undefined)[] = unit.sqls.map(() => undefined);
    const finish = (index: number, outcome: SubOutcome) => {
      outcomes[index] = outcome;
      events.subDone(index, outcome);
    };
    try {
      if (unit.sessionSchema) {
        await session.exec(`CREATE SCHEMA IF NOT EXISTS ${sqlIdent(unit.sessionSchema)}`);
        await session.exec(`SET search_path = ${sqlIdent(unit.sessionSchema)}, public`);
      }
      if (!unit.autoCommit) await session.exec('BEGIN');
      let failed = false;
      const pending: { index: number; outcome: SubOutcome }[] = [];
      for (let index = 0; index < unit.sqls.length; index++) {
        const startedAt = Date.now();
        if (failed && !unit.autoCommit) {
          finish(index, { status: 'ABORTED', startedAt, endedAt: startedAt, resultRows: -1, resultSize: -1 });
          continue;
        }
        events.subStarted(index);
        try {
          if (unit.autoCommit) await session.exec('BEGIN');
          throwIfCancelled(context);
          const output = await this.runSql(unit.sqls[index]!, context);
          const outcome = await this.outcome(output, startedAt);
          if (unit.autoCommit) {
            throwIfCancelled(context);
            await session.exec('COMMIT');
            finish(index, outcome);
          } else if (index === unit.sqls.length - 1) pending.push({ index, outcome });
          else finish(index, outcome);
        } catch (error) {
          await session.exec('ROLLBACK').catch(() => undefined);
          const endedAt = Date.now();
          if (error instanceof StatementCancelled) {
            finish(index, {
              status: 'ABORTED',
              error: 'Query cancelled on user request',
              startedAt,
              endedAt,
              resultRows: -1,
              resultSize: -1,
            });
            for (let rest = index + 1; rest < unit.sqls.length; rest++)
              finish(rest, {
                status: 'ABORTED',
                startedAt: endedAt,
                endedAt,
                resultRows: -1,
                resultSize: -1,
              });
            return;
          }
          finish(index, {
            status: 'FAILED',
            error: errorText(error, this.options.log),
            startedAt,
            endedAt,
            resultRows: -1,
            resultSize: -1,
          });
          failed = true;
        }
      }
      if (!unit.autoCommit && !failed) {
        // A cancel that arrives after the last SQL ran still wins until the commit.
        const last = pending[0];
        if (cancelled()) {
          await session.exec('ROLLBACK');
          if (last)
            finish(last.index, {
              ...last.outcome,
              status: 'ABORTED',
              error: 'Query cancelled on user request',
              resultRows: -1,
              resultSize: -1,
              result: undefined,
            });
          return;
        }
        try {
          await session.exec('COMMIT');
        } catch (error) {
          await session.exec('ROLLBACK').catch(() => undefined);
          if (last)
            finish(last.index, {
              status: 'FAILED',
              error: errorText(error, this.options.log),
              startedAt: last.outcome.startedAt,
              endedAt: Date.now(),
              resultRows: -1,
              resultSize: -1,
            });
          return;
        }
        if (last) finish(last.index, { ...last.outcome, endedAt: Date.now() });
      }
    } finally {
      if (session.pg.isInTransaction()) await session.exec('ROLLBACK').catch(() => undefined);
      if (unit.sessionSchema) await session.exec('SET search_path = public').catch(() => undefined);
      // Temporary tables belong to the statement; a session keeps its own in its schema instead.
      await session.exec('DISCARD TEMP').catch(() => undefined);
      for (let index = 0; index < outcomes.length; index++) {
        if (!outcomes[index]) {
          const now = Date.now();
          finish(index, { status: 'ABORTED', startedAt: now, endedAt: now, resultRows: -1, resultSize: -1 });
        }
      }
    }
  }

  private async outcome(output: StatementOutput, startedAt: number): Promise<SubOutcome> {
    const endedAt = Date.now();
    if (output.fields) {
      const result: ResultSet = {
        columns: await resultColumns(this.session, output.fields, this.options.internalPrefix),
        rows: output.rows,
      };
      let size = 0;
      for (const row of output.rows)
        for (const value of row) size += value === null ? 0 : Buffer.byteLength(value);
      return {
        status: 'FINISHED',
        startedAt,
        endedAt,
        result,
        resultRows: output.rows.length,
        resultSize: size,
      };
    }
    return {
      status: 'FINISHED',
      startedAt,
      endedAt,
      resultRows: Math.max(0, output.affected),
      resultSize: 0,
    };
  }

  /** Runs the statements of one SQL string; the last one's output is the result. */
  private async runSql(sql: string, context: ExecContext): Promise<StatementOutput> {
    const statements = splitStatements(sql);
    let last: StatementOutput = { rows: [], affected: -1 };
    for (const statement of statements) {
      throwIfCancelled(context);
      last = await this.runStatement(statement, context);
    }
    return last;
  }

  private async runStatement(statement: SqlStatement, context: ExecContext): Promise<StatementOutput> {
    const session = this.session;
    switch (classify(statement.tokens)) {
      // COPY and UNLOAD bring Arrow and parquet-wasm; loading them on first use keeps start-up short.
      case 'copy': {
        const { runCopy } = await import('./copy');
        return { rows: [], affected: await runCopy(statement.tokens, context) };
      }
      case 'unload': {
        const { runUnload } = await import('./unload');
        return { rows: [], affected: await runUnload(statement.tokens, context) };
      }
      case 'vacuum':
        // Space reclaim and re-sorting are physical; a documented no-op.
        return { rows: [], affected: -1 };
      case 'begin':
        // Every statement already runs in a transaction.
        return { rows: [], affected: -1 };
      case 'commit':
        await session.exec('COMMIT');
        await session.exec('BEGIN');
        return { rows: [], affected: -1 };
      case 'rollback':
        await session.exec('ROLLBACK');
        await session.exec('BEGIN');
        return { rows: [], affected: -1 };
      default: {
        const result = await session.run(translate(statement.tokens, context.translate));
        return { fields: result.fields, rows: result.rows, affected: affectedRows(result.command) };
      }
    }
  }

  /** Direct SQL for tests (sandbox.query): one transaction, results in text form. */
  async query(sql: string): Promise<ResultSet & { affectedRows: number }> {
    const context = this.context(() => false, {});
    await this.session.exec('BEGIN');
    try {
      const output = await this.runSql(sql, context);
      await this.session.exec('COMMIT');
      const outcome = await this.outcome(output, Date.now());
      return { columns: outcome.result?.columns ?? [], rows: output.rows, affectedRows: output.affected };
    } catch (error) {
      await this.session.exec('ROLLBACK').catch(() => undefined);
      throw new Error(errorText(error, this.options.log), { cause: error });
    } finally {
      await this.session.exec('DISCARD TEMP').catch(() => undefined);
    }
  }

  async catalog(request: CatalogRequest): Promise<unknown> {
    const prefix = this.options.internalPrefix;
    switch (request.op) {
      case 'schemas':
        return listSchemas(this.session, prefix, request.pattern);
      case 'tables':
        return listTables(this.session, prefix, request.schemaPattern, request.tablePattern);
      case 'columns':
        return describeColumns(this.session, prefix, request.schema, request.table);
    }
  }

  async dropSession(schema: string): Promise<void> {
    await this.session.exec(`DROP SCHEMA IF EXISTS ${sqlIdent(schema)} CASCADE`);
  }
}
