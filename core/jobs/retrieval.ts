/**
 * A historical retrieval (Feast's get_historical_features) as a job: plan it, show its SQL, or run it for
 * real: stage the entity frame, run the point-in-time join inside Redshift, UNLOAD the result as Parquet,
 * read it back as Arrow. Every run cleans up its staging tables and S3 objects, on success, failure and cancel.
 */

import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import { orderByRowId } from '../frames/take';
import { planRetrieval } from '../plan/plan';
import { quoteIdent, quoteQualified } from '../plan/sql';
import { ROW_ID_COLUMN, type RetrievalPlan, type TableName } from '../plan/types';
import type { RegistryModel } from '../registry/model';
import type { RunOptions } from '../warehouse/executor';
import { resultPagesToArrow } from '../warehouse/result-arrow';
import type { S3Location } from '../warehouse/s3';
import { readUnloadedBatches, unloadedParts, unloadToS3 } from '../warehouse/unload';
import { stagingLocation, type Warehouse } from '../warehouse/warehouse';
import {
  dropTablesQuietly,
  entityQueryBody,
  entityTypeOfRedshift,
  stageEntities,
  type EntitySource,
  type StagedEntities,
} from './entities';
import { newRunId, runObjectPath, stagingTableName, type RunId } from './naming';
import { formatBytes, ProgressReporter, type ProgressListener } from './progress';

export interface RetrievalSpec {
  /** `view:feature` references, in output order. Exclusive with featureService. */
  features?: string[];
  featureService?: string;
  fullFeatureNames?: boolean;
  filterByCreatedTimestamp?: boolean;
}

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Deadline per statement. */
  timeoutMs?: number;
}

interface StagedRun {
  runId: RunId;
  staged: StagedEntities;
  plan: RetrievalPlan;
  progress: ProgressReporter;
  runOptions: RunOptions;
  /** Tables and S3 prefixes removed when the run ends, whatever happened. */
  cleanup: { tables: string[]; prefixes: S3Location[] };
}

export class RetrievalJob {
  /** Names the placeholder entity table in previews; each execution stages under a fresh run id. */
  private readonly previewRunId = newRunId();

  constructor(
    private readonly warehouse: Warehouse,
    private readonly registry: RegistryModel,
    private readonly entities: EntitySource,
    private readonly spec: RetrievalSpec,
  ) {
    if (!spec.features === !spec.featureService) {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason: 'give either feature references or a feature service',
      });
    }
  }

  private planFor(runId: RunId, entity: Omit<StagedEntities, 'rowCount'>): RetrievalPlan {
    return planRetrieval({
      registry: this.registry,
      ...(this.spec.features ? { features: this.spec.features } : {}),
      ...(this.spec.featureService ? { featureService: this.spec.featureService } : {}),
      entityColumns: entity.columns,
      entityTable: entity.table,
      entityTimestampColumn: entity.timestampColumn,
      ...(entity.timestampRange ? { timestampRange: entity.timestampRange } : {}),
      fullFeatureNames: this.spec.fullFeatureNames ?? false,
      filterByCreatedTimestamp: this.spec.filterByCreatedTimestamp ?? false,
      database: this.warehouse.config.offlineStore.database,
      stagingSchema: this.warehouse.stagingSchema,
      runId,
    });
  }

  /**
   * The plan a run would execute, against a placeholder entity table. Nothing is written anywhere: for an SQL
   * entity frame the query's columns are read with a `LIMIT 0` probe.
   */
  async plan(options: JobOptions = {}): Promise<RetrievalPlan> {
    const table: TableName = {
      schema: this.warehouse.stagingSchema,
      name: stagingTableName(this.previewRunId, 'entities'),
    };
    if (this.entities.kind === 'frame') {
      const { frame } = this.entities;
      const { entityTimestampRange } = await import('../plan/entity-range');
      const range = entityTimestampRange(frame.table, frame.timestampColumn);
      return this.planFor(this.previewRunId, {
        table,
        columns: frame.columns,
        timestampColumn: frame.timestampColumn,
        timestampRange: range,
      });
    }
    const probe = await this.warehouse.executor.execute(
      `SELECT * FROM (\n${entityQueryBody(this.entities.sql)}\n) AS "q" LIMIT 0`,
      { label: `${this.previewRunId} probe entity query`, ...runOptionsOf(options) },
    );
    const pages = this.warehouse.executor.resultPages(probe.id, options.signal);
    const columns: StagedEntities['columns'] = [];
    let timestampColumns: string[] = [];
    for await (const page of pages) {
      if (columns.length > 0) break;
      for (const meta of page.columns) {
        const name = meta.name ?? meta.label ?? '';
        columns.push({ name, type: entityTypeOfRedshift(meta.typeName ?? 'varchar') });
      }
      timestampColumns = page.columns
        .filter((m) => (m.typeName ?? '').startsWith('timestamp'))
        .map((m) => m.name ?? '');
    }
    const timestampColumn = columns.some((c) => c.name === 'event_timestamp')
      ? 'event_timestamp'
      : timestampColumns.length === 1
        ? timestampColumns[0]!
        : 'event_timestamp';
    return this.planFor(this.previewRunId, { table, columns, timestampColumn, timestampRange: undefined });
  }

  /** The SQL a run executes (Feast's to_sql), without side effects. */
  async toSql(options: JobOptions = {}): Promise<string> {
    return (await this.plan(options)).sql;
  }

  /**
   * Stages the entities, plans against the staged table and runs the plan's preparatory statements. The caller
   * owns the returned run and must pass it to cleanUp; if starting fails, what was created is removed here.
   */
  private async startRun(options: JobOptions): Promise<StagedRun> {
    const runId = newRunId();
    const progress = new ProgressReporter(options.onProgress);
    const runOptions = runOptionsOf(options, progress);
    const cleanup: StagedRun['cleanup'] = {
      // Registered before anything is created, so a cancel at any point still removes it.
      tables: [quoteQualified(this.warehouse.stagingSchema, stagingTableName(runId, 'entities'))],
      prefixes: [stagingLocation(this.warehouse, runObjectPath(runId))],
    };
    try {
      const staged = await stageEntities(this.warehouse, runId, this.entities, progress, runOptions);
      const plan = this.planFor(runId, staged);
      cleanup.tables.push(...plan.cleanupTables);
      for (const [index, statement] of plan.statements.entries()) {
        await progress.phase(
          'query',
          `${statement.purpose} (${index + 1} of ${plan.statements.length})`,
          () =>
            this.warehouse.executor.execute(statement.sql, {
              ...runOptions,
              label: `${runId} ${statement.purpose}`,
            }),
          (outcome) => ({ statementId: outcome.id }),
        );
      }
      return { runId, staged, plan, progress, runOptions, cleanup };
    } catch (error) {
      await this.cleanUp({ runId, progress, cleanup });
      throw error;
    }
  }

  private async withStagedRun<T>(options: JobOptions, body: (run: StagedRun) => Promise<T>): Promise<T> {
    const run = await this.startRun(options);
    try {
      return await body(run);
    } finally {
      await this.cleanUp(run);
    }
  }

  private async cleanUp({
    runId,
    cleanup,
    progress,
  }: Pick<StagedRun, 'runId' | 'cleanup' | 'progress'>): Promise<void> {
    progress.emit({
      phase: 'cleanup',
      state: 'started',
      message: `removing staging tables and S3 objects of ${runId}`,
    });
    const failures = await dropTablesQuietly(this.warehouse, cleanup.tables, runId);
    for (const prefix of cleanup.prefixes) {
      try {
        await this.warehouse.s3.deletePrefix(prefix);
      } catch (error) {
        failures.push(
          `s3://${prefix.bucket}/${prefix.key}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    progress.emit({
      phase: 'cleanup',
      state: 'finished',
      message:
        failures.length === 0
          ? `removed the staging objects of ${runId}`
          : `could not remove everything (run \`fwb janitor\` later): ${failures.join('; ')}`,
    });
  }

  /** Runs the result query through UNLOAD and returns where the parts are (none for zero rows). */
  private async unload(run: StagedRun) {
    const target = stagingLocation(this.warehouse, runObjectPath(run.runId, 'unload/'));
    await run.progress.phase(
      'unload',
      'running the point-in-time join and unloading the result as Parquet',
      () =>
        unloadToS3(this.warehouse, run.plan.resultQuery, target, {
          ...run.runOptions,
          label: `${run.runId} unload`,
        }),
      (outcome) => ({ statementId: outcome.id }),
    );
    const parts = await unloadedParts(this.warehouse, target, run.runOptions.signal);
    return { target, parts };
  }

  /** Result column names as the plan promises them (Redshift folds identifiers to lower case). */
  private expectedNames(plan: RetrievalPlan): string[] {
    return [...plan.outputColumns.filter((c) => c.kind !== 'onDemand').map((c) => c.name), ROW_ID_COLUMN];
  }

  private async emptyResult(run: StagedRun): Promise<arrow.Table> {
    const probe = await this.warehouse.executor.execute(
      `SELECT * FROM (\n${run.plan.resultQuery}\n) AS "r" LIMIT 0`,
      {
        ...run.runOptions,
        label: `${run.runId} result schema`,
      },
    );
    return resultPagesToArrow(this.warehouse.executor.resultPages(probe.id, run.runOptions.signal));
  }

  /** Runs the retrieval and returns the whole result, in the entity frame's row order. */
  async toArrow(options: JobOptions = {}): Promise<arrow.Table> {
    return this.withStagedRun(options, async (run) => {
      const { target, parts } = await this.unload(run);
      const names = this.expectedNames(run.plan);
      let table: arrow.Table;
      if (parts.length === 0) {
        table = renameColumns(await this.emptyResult(run), names);
      } else {
        const batches: arrow.RecordBatch[] = [];
        const totalBytes = parts.reduce((sum, part) => sum + part.size, 0);
        run.progress.emit({
          phase: 'download',
          state: 'started',
          message: `downloading ${parts.length} Parquet part(s), ${formatBytes(totalBytes)}`,
        });
        for await (const batch of readUnloadedBatches(this.warehouse, target.bucket, parts, {
          signal: run.runOptions.signal,
          onPart: ({ index, count, part }) =>
            run.progress.emit({
              phase: 'download',
              state: 'running',
              message: `part ${index + 1} of ${count}`,
              bytes: part.size,
            }),
        })) {
          batches.push(batch);
        }
        run.progress.emit({
          phase: 'download',
          state: 'finished',
          message: `downloaded ${formatBytes(totalBytes)}`,
          bytes: totalBytes,
        });
        table = renameColumns(new arrow.Table(batches), names);
      }
      return run.progress.phase(
        'decode',
        `ordering ${table.numRows} rows like the entity frame`,
        async () => checkRowCount(orderByRowId(table, ROW_ID_COLUMN), run.staged.rowCount),
        (result) => ({ rows: result.numRows }),
      );
    });
  }

  /**
   * Runs the retrieval and yields the result as record batches, one UNLOAD part at a time, so memory stays
   * bounded however large the result. Batches come in no particular row order; the row id column is dropped.
   */
  async *toArrowBatches(options: JobOptions = {}): AsyncGenerator<arrow.RecordBatch> {
    const run = await this.startRun(options);
    try {
      const { target, parts } = await this.unload(run);
      const names = this.expectedNames(run.plan);
      if (parts.length === 0) {
        const empty = dropRowId(renameColumns(await this.emptyResult(run), names));
        yield emptyBatch(empty.schema);
        return;
      }
      for await (const batch of readUnloadedBatches(this.warehouse, target.bucket, parts, {
        signal: run.runOptions.signal,
      })) {
        yield* dropRowId(renameColumns(new arrow.Table([batch]), names)).batches;
      }
    } finally {
      // Also runs when the consumer stops early: the staged objects never outlive the iteration.
      await this.cleanUp(run);
    }
  }

  /**
   * Writes the result to a Redshift table (Feast's to_redshift). Without allowOverwrite an existing table is an
   * error; with it, the table is replaced in one transaction (Feast ignores allow_overwrite).
   */
  async toRedshift(
    destination: TableName,
    options: JobOptions & { allowOverwrite?: boolean } = {},
  ): Promise<{ table: string; rows: number }> {
    const target = quoteQualified(destination.schema, destination.name);
    return this.withStagedRun(options, async (run) => {
      const existing = await this.warehouse.executor.describeTable(
        destination.schema ?? 'public',
        destination.name,
        run.runOptions.signal,
      );
      if (existing.length > 0 && !options.allowOverwrite) {
        throw new WorkbenchError({
          kind: 'PlanInvalid',
          reason: `table ${target} already exists; pass --allow-overwrite to replace it`,
        });
      }
      const columns = run.plan.outputColumns
        .filter((c) => c.kind !== 'onDemand')
        .map((c) => quoteIdent(c.name));
      const create = `CREATE TABLE ${target} AS\nSELECT ${columns.join(', ')}\nFROM (\n${run.plan.resultQuery}\n) AS "r"`;
      const statements = options.allowOverwrite ? [`DROP TABLE IF EXISTS ${target}`, create] : [create];
      await run.progress.phase(
        'query',
        `writing the result to ${target}`,
        () =>
          this.warehouse.executor.executeBatch(statements, {
            ...run.runOptions,
            label: `${run.runId} to_redshift`,
          }),
        (outcome) => ({ statementId: outcome.id }),
      );
      return { table: target, rows: run.staged.rowCount };
    });
  }

  /** Runs EXPLAIN on the result query against the staged entity table; returns Redshift's plan text lines. */
  async explain(options: JobOptions = {}): Promise<{ plan: RetrievalPlan; lines: string[] }> {
    return this.withStagedRun(options, async (run) => {
      const statement = await run.progress.phase(
        'query',
        'running EXPLAIN on the point-in-time join',
        () =>
          this.warehouse.executor.execute(`EXPLAIN\n${run.plan.resultQuery}`, {
            ...run.runOptions,
            label: `${run.runId} explain`,
          }),
        (outcome) => ({ statementId: outcome.id }),
      );
      const table = await resultPagesToArrow(
        this.warehouse.executor.resultPages(statement.id, run.runOptions.signal),
      );
      const column = table.getChildAt(0);
      const lines: string[] = [];
      for (let i = 0; i < table.numRows; i++) lines.push(String(column?.get(i) ?? ''));
      return { plan: run.plan, lines };
    });
  }
}

function runOptionsOf(options: JobOptions, progress?: ProgressReporter): RunOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(progress ? { onStatus: (event) => progress.statementStatus(event.statementId, event.status) } : {}),
  };
}

/** Gives the columns the names the plan promises, by position (the result query fixes the order). */
function renameColumns(table: arrow.Table, names: string[]): arrow.Table {
  const fields = table.schema.fields;
  if (fields.length !== names.length) {
    throw new WorkbenchError({
      kind: 'Internal',
      message: `the result has ${fields.length} columns (${fields.map((f) => f.name).join(', ')}); the plan expects ${names.length}`,
    });
  }
  if (fields.every((field, i) => field.name === names[i])) return table;
  const schema = new arrow.Schema(
    fields.map((field, i) => field.clone({ name: names[i]! })),
    table.schema.metadata,
  );
  return new arrow.Table(
    schema,
    table.batches.map(
      (batch) => new arrow.RecordBatch(schema, batch.data.clone(new arrow.Struct(schema.fields))),
    ),
  );
}

function dropRowId(table: arrow.Table): arrow.Table {
  return table.select(table.schema.fields.filter((f) => f.name !== ROW_ID_COLUMN).map((f) => f.name));
}

function emptyBatch(schema: arrow.Schema): arrow.RecordBatch {
  return new arrow.RecordBatch(
    schema,
    arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: 0,
      nullCount: 0,
      children: schema.fields.map((field) =>
        arrow.makeData({ type: field.type, length: 0, nullCount: 0 } as never),
      ),
    }),
  );
}

function checkRowCount(table: arrow.Table, expected: number): arrow.Table {
  if (table.numRows !== expected) {
    throw new WorkbenchError({
      kind: 'Internal',
      message: `the retrieval returned ${table.numRows} rows for ${expected} entity rows`,
    });
  }
  return table;
}
