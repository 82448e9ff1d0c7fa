/**
 * Applying on-demand feature views (ODFVs) to a retrieval result, as Feast's RetrievalJob.to_arrow does after
 * the SQL: each view's function gets the whole result table (every entity column and feature, plus the view's
 * feature-view inputs under both their short and `view__feature` names, plus the outputs of the views applied
 * before it), as a pandas DataFrame (pandas mode) or a dict of lists (python mode), and the requested outputs
 * are appended, named `feature` or `view__feature` with full feature names. Unlike Feast, outputs are checked
 * against their declared types and converted to them (Feast appends whatever the function returned).
 *
 * The functions run in one Python process per retrieval (python.ts), fed in batches of `batchRows` rows; a
 * function that looks across rows (a mean, a rank) therefore sees one batch at a time, where Feast gives it the
 * whole result (Feast's online path calls it per request, so such functions are already unreliable there).
 */

import * as arrow from 'apache-arrow';
import { WorkbenchError } from '../contract/errors';
import type { ProgressReporter } from '../jobs/progress';
import type { OnDemandPlan, RetrievalPlan } from '../plan/types';
import type { OnDemandFeatureView, RegistryModel } from '../registry/model';
import {
  BodyWriter,
  concatData,
  decodeOutput,
  emptyOutput,
  encodeColumn,
  OUTPUT_TYPES,
  type InputColumn,
  type OutputColumn,
} from './exchange';
import {
  DEFAULT_TIMEOUT_MS,
  startPython,
  type PythonInfo,
  type PythonOptions,
  type PythonProcess,
} from './python';

export interface OnDemandOptions extends PythonOptions {
  /** Rows per batch sent to Python (default 100,000). */
  batchRows?: number;
}

export const DEFAULT_BATCH_ROWS = 100_000;

const SUPPORTED_MODES = new Set(['pandas', 'python']);

/** The ODFVs a request names, directly (`view:feature`) or through a feature service, in first-use order. */
export function referencedOnDemandViews(
  registry: RegistryModel,
  request: { features?: readonly string[] | undefined; featureService?: string | undefined },
): OnDemandFeatureView[] {
  const names = request.features
    ? request.features.map((ref) => ref.slice(0, Math.max(0, ref.indexOf(':'))))
    : (registry.featureServices
        .find((service) => service.name === request.featureService)
        ?.projections.map((p) => p.featureViewName) ?? []);
  const views: OnDemandFeatureView[] = [];
  for (const name of names) {
    const view = registry.onDemandFeatureViews.find((candidate) => candidate.name === name);
    if (view && !views.includes(view)) views.push(view);
  }
  return views;
}

/** Refuses, before anything runs, views the workbench cannot execute. */
export function checkOnDemandViews(views: readonly OnDemandFeatureView[]): void {
  for (const view of views) {
    const invalid = (reason: string) =>
      new WorkbenchError({
        kind: 'PlanInvalid',
        reason: `The on-demand feature view ${view.name} ${reason}`,
      });
    if (!SUPPORTED_MODES.has(view.mode)) {
      throw invalid(
        `uses mode "${view.mode}"; the workbench runs pandas and python transformations only` +
          (view.mode === 'substrait' ? ' (a substrait plan needs Feast with ibis to run)' : '') +
          '.',
      );
    }
    if (view.transformation.kind !== 'udf' || view.transformation.sourceText.trim() === '') {
      throw invalid(
        'has no stored Python source text (body_text) in the registry, which the workbench runs. ' +
          'Re-run `feast apply` with a recent Feast so the registry records it.',
      );
    }
    if (view.transformation.functionName === '') {
      throw invalid('has no function name in the registry.');
    }
  }
}

/** Refuses requested outputs whose declared type has no column form here (lists, maps, structs...). */
export function checkOnDemandOutputs(onDemand: readonly OnDemandPlan[]): void {
  for (const plan of onDemand) {
    for (const output of plan.outputs) {
      if (!OUTPUT_TYPES[output.valueType]) {
        throw new WorkbenchError({
          kind: 'PlanInvalid',
          reason:
            `The on-demand feature ${plan.name}:${output.feature} is declared ${output.valueType}; the workbench ` +
            `computes outputs of types ${Object.keys(OUTPUT_TYPES).join(', ')}. Leave it out of the request.`,
        });
      }
    }
  }
}

interface StepHeader {
  odfv: string;
  /** The name outputs may carry as `name__feature` (alias or view name). */
  name: string;
  /** [name the function may use, result column holding it]; added only when the name is not a column yet. */
  aliases: [string, string][];
  outputs: { feature: string; outputName: string; valueType: string }[];
}

interface DriverError {
  kind: string;
  odfv?: string;
  message?: string;
  traceback?: string;
  output?: string;
  feature?: string;
  valueType?: string;
  row?: number;
  value?: string;
  reason?: string;
}

export interface ApplyContext {
  signal?: AbortSignal | undefined;
  progress?: ProgressReporter | undefined;
  /** Row number of the first row, for messages (batches of a stream are numbered in stream order). */
  firstRow?: number;
  /** How rows are named in errors: entity frame order, or the order of a stream. */
  rowOrder?: 'entity' | 'stream';
}

/** One retrieval's Python process and its compiled views. Close it when the retrieval ends. */
export class OnDemandSession {
  private constructor(
    private readonly process: PythonProcess,
    readonly python: PythonInfo,
    private readonly views: ReadonlyMap<string, OnDemandFeatureView>,
    private readonly options: OnDemandOptions,
  ) {}

  /**
   * Finds Python, starts the driver and compiles every view's function, so a missing pandas or a syntax error
   * shows before any SQL runs.
   */
  static async start(
    views: readonly OnDemandFeatureView[],
    options: OnDemandOptions = {},
    signal?: AbortSignal,
    progress?: ProgressReporter,
  ): Promise<OnDemandSession> {
    checkOnDemandViews(views);
    const names = views.map((v) => v.name).join(', ');
    const purpose = `the on-demand feature view${views.length === 1 ? '' : 's'} ${names}`;
    const needPandas = views.some((view) => view.mode === 'pandas');
    const work = async () => {
      const { process, info } = await startPython(needPandas, options, signal, purpose);
      try {
        for (const view of views) {
          const answer = await process.request(
            {
              op: 'define',
              odfv: view.name,
              mode: view.mode,
              functionName: view.transformation.functionName,
              sourceText: view.transformation.sourceText,
            },
            [],
            // The batch deadline is not for this: compiling runs only the definitions (and their imports).
            { signal, timeoutMs: DEFAULT_TIMEOUT_MS, operation: `compiling ${view.name}`, view: view.name },
          );
          if (answer.header.ok !== true) {
            throw driverFailure(answer.header.error as DriverError, view.name, undefined);
          }
        }
      } catch (error) {
        process.kill();
        throw error;
      }
      return new OnDemandSession(process, info, new Map(views.map((v) => [v.name, v])), options);
    };
    if (!progress) return work();
    return progress.phase('transform', `starting Python for ${purpose}`, work, (session) => ({
      message: `Python ${session.python.version} (${session.python.executable})${session.python.pandas ? `, pandas ${session.python.pandas}` : ''}`,
    }));
  }

  private steps(plan: RetrievalPlan): StepHeader[] {
    return plan.onDemand.map((odfvPlan) => {
      const view = this.views.get(odfvPlan.onDemandFeatureView);
      if (!view) {
        throw new WorkbenchError({
          kind: 'Internal',
          message: `the on-demand feature view ${odfvPlan.onDemandFeatureView} was not compiled for this run`,
        });
      }
      const aliases: [string, string][] = [];
      for (const source of view.sources) {
        if (source.kind !== 'featureView') continue;
        const projection = source.projection;
        const group = odfvPlan.inputs.featureViews.find(
          (fv) => fv.name === (projection.alias || projection.featureViewName),
        );
        for (const input of group?.features ?? []) {
          // Feast's transform_arrow gives the function both the short and the view-prefixed names.
          aliases.push([input.feature, input.column]);
          aliases.push([`${projection.featureViewName}__${input.feature}`, input.column]);
          if (projection.alias) aliases.push([`${projection.alias}__${input.feature}`, input.column]);
        }
      }
      return {
        odfv: view.name,
        name: odfvPlan.name,
        aliases,
        outputs: odfvPlan.outputs.map((o) => ({
          feature: o.feature,
          outputName: o.outputName,
          valueType: o.valueType,
        })),
      };
    });
  }

  /** The schema of `schema` with the plan's on-demand outputs appended. */
  outputSchema(schema: arrow.Schema, plan: RetrievalPlan): arrow.Schema {
    checkOnDemandOutputs(plan.onDemand);
    const added = plan.onDemand.flatMap((p) =>
      p.outputs.map((o) => new arrow.Field(o.outputName, OUTPUT_TYPES[o.valueType]!.arrow(), true)),
    );
    return new arrow.Schema([...schema.fields, ...added], schema.metadata);
  }

  /** The table with the plan's on-demand outputs appended, batch by batch. */
  async applyToTable(
    table: arrow.Table,
    plan: RetrievalPlan,
    context: ApplyContext = {},
  ): Promise<arrow.Table> {
    if (plan.onDemand.length === 0) return table;
    const schema = this.outputSchema(table.schema, plan);
    const steps = this.steps(plan);
    const run = async () => {
      const batches: arrow.RecordBatch[] = [];
      let firstRow = context.firstRow ?? 0;
      for (const batch of table.batches) {
        batches.push(await this.transform(batch, schema, plan, steps, { ...context, firstRow }));
        firstRow += batch.numRows;
      }
      return new arrow.Table(schema, batches);
    };
    if (!context.progress) return run();
    return context.progress.phase(
      'transform',
      `computing ${plan.onDemand.map((p) => p.name).join(', ')} for ${table.numRows} rows in Python`,
      run,
      (result) => ({ rows: result.numRows }),
    );
  }

  /** One batch with the plan's on-demand outputs appended. */
  async applyToBatch(
    batch: arrow.RecordBatch,
    plan: RetrievalPlan,
    context: ApplyContext = {},
  ): Promise<arrow.RecordBatch> {
    if (plan.onDemand.length === 0) return batch;
    return this.transform(batch, this.outputSchema(batch.schema, plan), plan, this.steps(plan), context);
  }

  private async transform(
    batch: arrow.RecordBatch,
    schema: arrow.Schema,
    plan: RetrievalPlan,
    steps: StepHeader[],
    context: ApplyContext,
  ): Promise<arrow.RecordBatch> {
    const rows = batch.numRows;
    const firstRow = context.firstRow ?? 0;
    const outputFields = schema.fields.slice(batch.schema.fields.length);
    const pieces: arrow.Data[][] = outputFields.map(() => []);
    const inputs = batch.schema.fields.map((field, i) => ({ name: field.name, data: childData(batch, i) }));
    const limit = Math.max(1, Math.floor(this.options.batchRows ?? DEFAULT_BATCH_ROWS));
    const names = steps.map((s) => s.name).join(', ');
    for (let start = 0; start < rows; start += limit) {
      const length = Math.min(limit, rows - start);
      const body = new BodyWriter();
      const columns: InputColumn[] = [];
      for (const input of inputs) {
        const column = encodeColumn(input.name, input.data, start, length, body);
        if (column) columns.push(column);
      }
      const span = `rows ${firstRow + start}-${firstRow + start + length - 1}`;
      const answer = await this.process.request(
        { op: 'transform', rows: length, columns, steps },
        body.pieces,
        {
          signal: context.signal,
          timeoutMs: this.options.timeoutMs,
          operation: `computing ${names} for ${span}`,
          view: names,
        },
      );
      if (answer.header.ok !== true) {
        const error = answer.header.error as DriverError;
        const name = steps.find((s) => s.odfv === error.odfv)?.name ?? error.odfv ?? names;
        throw driverFailure(error, name, {
          firstRow: firstRow + start,
          span,
          describe: (row) => describeRow(batch, plan, start + row),
          rowOrder: context.rowOrder ?? 'entity',
        });
      }
      const answered = answer.header.columns as OutputColumn[] | undefined;
      if (!Array.isArray(answered) || answered.length !== outputFields.length) {
        throw new WorkbenchError({
          kind: 'Internal',
          message: `the Python driver answered ${answered?.length ?? 'no'} columns for ${outputFields.length} outputs`,
        });
      }
      answered.forEach((column, i) => {
        const field = outputFields[i]!;
        if (column.name !== field.name || column.length !== length) {
          throw new WorkbenchError({
            kind: 'Internal',
            message: `the Python driver answered column ${column.name} (${column.length} rows) for ${field.name} (${length} rows)`,
          });
        }
        try {
          pieces[i]!.push(decodeOutput(column, answer.body, field.type));
        } catch (error) {
          throw new WorkbenchError({ kind: 'Internal', message: (error as Error).message }, { cause: error });
        }
      });
      context.progress?.emit({
        phase: 'transform',
        state: 'running',
        message: `${names}: ${span} done`,
        rows: length,
      });
    }
    const children = [
      ...inputs.map((input) => input.data),
      ...outputFields.map((field, i) =>
        pieces[i]!.length === 0 ? emptyOutput(field.type) : concatData(pieces[i]!, field.type),
      ),
    ];
    return new arrow.RecordBatch(
      schema,
      arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children }),
    );
  }

  /** Stops the Python process. */
  async close(): Promise<void> {
    await this.process.close();
  }
}

/** Column i of a batch as one Data covering exactly the batch's rows. */
function childData(batch: arrow.RecordBatch, index: number): arrow.Data {
  const data = batch.data.children[index]!;
  // RecordBatch.slice slices the children too; only a struct built around longer children needs it here.
  if (data.length === batch.numRows) return data;
  return data.slice(batch.data.offset, batch.numRows);
}

/** The entity columns of a row, for error messages: `driver_id=5001, event_timestamp=2026-01-07T00:00:00.000Z`. */
function describeRow(batch: arrow.RecordBatch, plan: RetrievalPlan, row: number): string {
  const parts: string[] = [];
  for (const column of plan.outputColumns) {
    if (column.kind !== 'entity' || parts.length >= 6) continue;
    const index = batch.schema.fields.findIndex((f) => f.name === column.name);
    if (index < 0) continue;
    const field = batch.schema.fields[index]!;
    const value: unknown = arrow.makeVector(childData(batch, index)).get(row);
    let text: string;
    if (value === null || value === undefined) text = 'null';
    else if (arrow.DataType.isTimestamp(field.type)) text = new Date(Number(value)).toISOString();
    else if (typeof value === 'string') text = JSON.stringify(value);
    else text = String(value);
    parts.push(`${column.name}=${text}`);
  }
  return parts.join(', ');
}

interface RowContext {
  firstRow: number;
  span: string;
  describe: (row: number) => string;
  rowOrder: 'entity' | 'stream';
}

function driverFailure(error: DriverError, name: string, rows: RowContext | undefined): WorkbenchError {
  const output = [
    error.traceback,
    error.output ? `output of the transformation:\n${error.output}` : undefined,
  ]
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .map((part) => part.trimEnd())
    .join('\n');
  const withOutput = output ? { output } : {};
  switch (error.kind) {
    case 'type': {
      const row = (rows?.firstRow ?? 0) + (error.row ?? 0);
      const where = rows
        ? `${rows.rowOrder === 'entity' ? 'entity row' : 'row'} ${row}${rowsDescribed(rows, error.row ?? 0)}`
        : `row ${row}`;
      return new WorkbenchError({
        kind: 'TransformFailed',
        name,
        message:
          `output ${error.feature} is declared ${error.valueType}, but ${where} holds ${error.value}: ` +
          `${error.reason}`,
        ...withOutput,
      });
    }
    case 'raised':
    case 'result':
    case 'define':
    case 'input':
      return new WorkbenchError({
        kind: 'TransformFailed',
        name,
        message: `${error.message ?? 'failed'}${rows && error.kind !== 'define' ? ` (${rows.span})` : ''}`,
        ...withOutput,
      });
    default:
      return new WorkbenchError({
        kind: 'Internal',
        message: `the Python driver failed: ${error.message ?? error.kind}${error.traceback ? `\n${error.traceback}` : ''}`,
      });
  }
}

function rowsDescribed(rows: RowContext, row: number): string {
  const described = rows.describe(row);
  return described ? ` (${described})` : '';
}
