/**
 * A historical retrieval (Feast's get_historical_features) as a job: plan it, show its SQL, or run it for
 * real: stage the entity frame, run the point-in-time join inside Redshift, UNLOAD the result as Parquet,
 * read it back as Arrow. Every run cleans up its staging tables and S3 objects, on success, failure and cancel.
 */

import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import type { EntityColumn } from '../frames/types';
import { orderByRowId } from '../frames/take';
import { planRetrieval } from '../plan/plan';
import { quoteIdent, quoteQualified } from '../plan/sql';
import { formatSqlTimestamp } from '../plan/time';
import { ROW_ID_COLUMN, type RetrievalPlan, type TableName } from '../plan/types';
import { OnDemandSession, referencedOnDemandViews, type OnDemandOptions } from '../odfv/apply';
import { createTableFromArrow } from '../odfv/upload';
import type { RegistryModel } from '../registry/model';
import { resultPagesToArrow } from '../warehouse/result-arrow';
import type { Warehouse } from '../warehouse/warehouse';
import {
  dateRangeEntityColumns,
  dateRangeRows,
  parseTimeWindow,
  RANGE_TIMESTAMP_COLUMN,
  type TimeWindow,
} from './date-range';
import {
  entityQueryBody,
  entityTypeOfRedshift,
  rangeEntityTableSql,
  stageEntities,
  type EntitySource,
  type RangeRows,
  type StagedEntities,
} from './entities';
import { newRunId, stagingTableName, type RunId } from './naming';
import { ProgressReporter } from './progress';
import {
  beginRun,
  emptyBatch,
  endRun,
  runOptionsOf,
  unloadToBatches,
  unloadToTable,
  type JobOptions,
  type Run,
} from './unload-run';

export type { JobOptions } from './unload-run';

/** A retrieval's options: those of every job, plus how on-demand feature views run (core/odfv). */
export interface RetrievalOptions extends JobOptions {
  onDemand?: OnDemandOptions;
}

const UNLOAD_MESSAGE = 'running the point-in-time join and unloading the result as Parquet';

export interface RetrievalSpec {
  /** `view:feature` references, in output order. Exclusive with featureService. */
  features?: string[];
  featureService?: string;
  fullFeatureNames?: boolean;
  filterByCreatedTimestamp?: boolean;
}

interface StagedRun extends Run {
  staged: StagedEntities;
  plan: RetrievalPlan;
}

/** What toRedshift wrote, with what a saved dataset records about it. */
export interface RedshiftWriteResult {
  /** The destination, quoted. */
  table: string;
  rows: number;
  plan: RetrievalPlan;
  /** Earliest and latest entity timestamps (ISO-8601 or naive UTC text); undefined for zero entity rows. */
  timestampRange: { min: string; max: string } | undefined;
}

export class RetrievalJob {
  /** Names the placeholder entity table in previews; each execution stages under a fresh run id. */
  private readonly previewRunId = newRunId();
  /** The window of a date-range retrieval (both ends inclusive); undefined for entity frames. */
  private readonly range: Required<TimeWindow> | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly registry: RegistryModel,
    private readonly entities: EntitySource,
    readonly spec: RetrievalSpec,
  ) {
    if (!spec.features === !spec.featureService) {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason: 'give either feature references or a feature service',
      });
    }
    this.range = entities.kind === 'range' ? (parseTimeWindow(entities) as Required<TimeWindow>) : undefined;
  }

  /** Entity columns of a date-range retrieval, derived from the requested views' join keys. */
  private rangeColumns(): EntityColumn[] {
    return dateRangeEntityColumns(this.registry, this.spec);
  }

  private rangeTimestamps(range: Required<TimeWindow>): { min: string; max: string } {
    return { min: formatSqlTimestamp(range.start), max: formatSqlTimestamp(range.end) };
  }

  /** The entity rows of a date-range retrieval, from a plan against the placeholder (which checks the request). */
  private rangeRows(range: Required<TimeWindow>, runId: RunId, table: TableName): RangeRows {
    const columns = this.rangeColumns();
    const plan = this.planFor(runId, {
      table,
      columns,
      timestampColumn: RANGE_TIMESTAMP_COLUMN,
      timestampRange: this.rangeTimestamps(range),
    });
    return dateRangeRows(plan.groups, columns, range);
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
    if (this.range) {
      return this.planFor(this.previewRunId, {
        table,
        columns: this.rangeColumns(),
        timestampColumn: RANGE_TIMESTAMP_COLUMN,
        timestampRange: this.rangeTimestamps(this.range),
      });
    }
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
    const entitySql = this.entities.kind === 'sql' ? this.entities.sql : '';
    const probe = await this.warehouse.executor.execute(
      `SELECT * FROM (\n${entityQueryBody(entitySql)}\n) AS "q" LIMIT 0`,
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

  /**
   * The SQL a run executes (Feast's to_sql), without side effects. A date-range retrieval's text starts with
   * the statement that builds its entity rows.
   */
  async toSql(options: JobOptions = {}): Promise<string> {
    const plan = await this.plan(options);
    if (!this.range) return plan.sql;
    const table: TableName = {
      schema: this.warehouse.stagingSchema,
      name: stagingTableName(this.previewRunId, 'entities'),
    };
    const rows = this.rangeRows(this.range, this.previewRunId, table);
    return `${rangeEntityTableSql(table, rows)};\n\n${plan.sql}`;
  }

  /**
   * Stages the entities, plans against the staged table and runs the plan's preparatory statements. The caller
   * owns the returned run and must pass it to cleanUp; if starting fails, what was created is removed here.
   */
  private async startRun(options: JobOptions): Promise<StagedRun> {
    // A frame's request mistakes (unknown features, missing join keys...) are refused before anything is staged.
    if (this.entities.kind === 'frame') await this.plan(options);
    const run = beginRun(this.warehouse, options);
    const { runId, progress, runOptions, cleanup } = run;
    const entityTable: TableName = {
      schema: this.warehouse.stagingSchema,
      name: stagingTableName(runId, 'entities'),
    };
    // Registered before anything is created, so a cancel at any point still removes it.
    cleanup.tables.push(quoteQualified(entityTable.schema, entityTable.name));
    // Planned before anything is created, so a request that cannot run sends nothing to Redshift.
    const rangeRows = this.range ? this.rangeRows(this.range, runId, entityTable) : undefined;
    try {
      const staged = await stageEntities(
        this.warehouse,
        runId,
        this.entities,
        progress,
        runOptions,
        rangeRows,
      );
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
      return { ...run, staged, plan };
    } catch (error) {
      await endRun(this.warehouse, run);
      throw error;
    }
  }

  private async withStagedRun<T>(options: JobOptions, body: (run: StagedRun) => Promise<T>): Promise<T> {
    const run = await this.startRun(options);
    try {
      return await body(run);
    } finally {
      await endRun(this.warehouse, run);
    }
  }

  /** Result column names as the plan promises them (Redshift folds identifiers to lower case). */
  private expectedNames(plan: RetrievalPlan): string[] {
    return [...plan.outputColumns.filter((c) => c.kind !== 'onDemand').map((c) => c.name), ROW_ID_COLUMN];
  }

  /**
   * Starts Python for the request's on-demand feature views (undefined when there are none) before anything is
   * staged, so a request mistake, a missing interpreter or a function that does not compile costs no SQL.
   */
  private async startOnDemand(options: RetrievalOptions): Promise<OnDemandSession | undefined> {
    const views = referencedOnDemandViews(this.registry, this.spec);
    if (views.length === 0) return undefined;
    if (this.entities.kind !== 'sql') await this.plan(options);
    return OnDemandSession.start(
      views,
      options.onDemand,
      options.signal,
      new ProgressReporter(options.onProgress),
    );
  }

  /** The run's result in entity frame order, on-demand outputs appended. */
  private async orderedResult(
    run: StagedRun,
    onDemand: OnDemandSession | undefined,
    signal: AbortSignal | undefined,
  ): Promise<arrow.Table> {
    const table = await unloadToTable(
      this.warehouse,
      run,
      run.plan.resultQuery,
      this.expectedNames(run.plan),
      UNLOAD_MESSAGE,
    );
    const ordered = await run.progress.phase(
      'decode',
      `ordering ${table.numRows} rows like the entity frame`,
      async () => checkRowCount(orderByRowId(table, ROW_ID_COLUMN), run.staged.rowCount),
      (result) => ({ rows: result.numRows }),
    );
    return onDemand ? onDemand.applyToTable(ordered, run.plan, { signal, progress: run.progress }) : ordered;
  }

  /** Runs the retrieval and returns the whole result, in the entity frame's row order. */
  async toArrow(options: RetrievalOptions = {}): Promise<arrow.Table> {
    const onDemand = await this.startOnDemand(options);
    try {
      return await this.withStagedRun(options, (run) => this.orderedResult(run, onDemand, options.signal));
    } finally {
      await onDemand?.close();
    }
  }

  /**
   * Runs the retrieval and yields the result as record batches, one UNLOAD part at a time, so memory stays
   * bounded however large the result. Batches come in no particular row order; the row id column is dropped.
   */
  async *toArrowBatches(options: RetrievalOptions = {}): AsyncGenerator<arrow.RecordBatch> {
    const onDemand = await this.startOnDemand(options);
    const run = await this.startRun(options).catch(async (error: unknown) => {
      await onDemand?.close();
      throw error;
    });
    try {
      let row = 0;
      for await (const batch of unloadToBatches(
        this.warehouse,
        run,
        run.plan.resultQuery,
        this.expectedNames(run.plan),
        UNLOAD_MESSAGE,
      )) {
        const table = dropRowId(new arrow.Table([batch]));
        for (const part of table.batches.length === 0 ? [emptyBatch(table.schema)] : table.batches) {
          const context = {
            signal: options.signal,
            progress: run.progress,
            firstRow: row,
            rowOrder: 'stream',
          } as const;
          yield onDemand ? await onDemand.applyToBatch(part, run.plan, context) : part;
          row += part.numRows;
        }
      }
    } finally {
      // Also runs when the consumer stops early: the staged objects never outlive the iteration.
      await endRun(this.warehouse, run);
      await onDemand?.close();
    }
  }

  /**
   * Writes the result to a Redshift table (Feast's to_redshift). Without allowOverwrite an existing table is an
   * error; with it, the table is replaced in one transaction (Feast ignores allow_overwrite).
   */
  async toRedshift(
    destination: TableName,
    options: RetrievalOptions & { allowOverwrite?: boolean } = {},
  ): Promise<RedshiftWriteResult> {
    const target = quoteQualified(destination.schema, destination.name);
    // Checked before anything is staged, so a refusal costs nothing.
    const existing = await this.warehouse.executor.describeTable(
      destination.schema ?? 'public',
      destination.name,
      options.signal,
    );
    if (existing.length > 0 && !options.allowOverwrite) {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason: `table ${target} already exists; pass --allow-overwrite to replace it`,
      });
    }
    const onDemand = await this.startOnDemand(options);
    if (onDemand) {
      // Redshift cannot run the Python transformations: the result is computed here and uploaded, as Feast does.
      try {
        return await this.withStagedRun(options, async (run) => {
          const table = await this.orderedResult(run, onDemand, options.signal);
          await createTableFromArrow(
            this.warehouse,
            run,
            destination,
            table,
            options.allowOverwrite ?? false,
          );
          return {
            table: target,
            rows: table.numRows,
            plan: run.plan,
            timestampRange: run.staged.timestampRange,
          };
        });
      } finally {
        await onDemand.close();
      }
    }
    return this.withStagedRun(options, async (run) => {
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
      return {
        table: target,
        rows: run.staged.rowCount,
        plan: run.plan,
        timestampRange: run.staged.timestampRange,
      };
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

function dropRowId(table: arrow.Table): arrow.Table {
  return table.select(table.schema.fields.filter((f) => f.name !== ROW_ID_COLUMN).map((f) => f.name));
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
