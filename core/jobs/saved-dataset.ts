/**
 * Saved datasets (Feast's create_saved_dataset / persist, and retrieve_saved_dataset) on Redshift: a retrieval's
 * result written to a table, recorded in the registry with what it holds, and read back whole.
 *
 * Deliberately different from Feast: allow_overwrite is honoured (Feast ignores it: an existing table fails, and
 * an existing saved dataset of the same name is silently replaced); reading back returns every row of the table
 * with its columns in table order (Feast filters on a hard-coded `event_timestamp` column between the recorded
 * minimum and maximum + 1 s, which fails when the entity frame named its time column otherwise); a table that was
 * dropped is reported as such.
 */

import type * as arrow from 'apache-arrow';
import type { RepoConfig } from '../config/model';
import { WorkbenchError } from '../contract/errors';
import { quoteIdent, quoteQualified } from '../plan/sql';
import { hintFor } from '../plan/suggest';
import { parseTimestampMicros } from '../plan/time';
import type { TableName } from '../plan/types';
import { toRegistryModel } from '../registry/convert';
import { completeDocument, type SavedDatasetDoc, type TimestampDoc } from '../registry/document';
import type { RegistryModel, SavedDataset } from '../registry/model';
import { saveDatasetToRegistry, timestampDocOf } from '../registry/write';
import type { Warehouse } from '../warehouse/warehouse';
import type { RedshiftWriteResult, RetrievalJob, RetrievalOptions } from './retrieval';
import { readQueryResult, streamQueryResult, type JobOptions } from './unload-run';

export interface SaveDatasetOptions extends RetrievalOptions {
  name: string;
  /** Where the result goes; the schema defaults to public, as Feast's Redshift storage does. */
  table: TableName;
  /** Replace an existing table and an existing saved dataset of the same name. */
  allowOverwrite?: boolean;
  tags?: Record<string, string>;
  now?: Date;
}

export interface SaveDatasetResult {
  dataset: SavedDataset;
  write: RedshiftWriteResult;
}

function timestampDocOfText(text: string): TimestampDoc {
  const micros = parseTimestampMicros(text);
  if (micros === undefined)
    throw new WorkbenchError({ kind: 'Internal', message: `not a timestamp: ${text}` });
  const seconds = micros >= 0n ? micros / 1_000_000n : -((-micros + 999_999n) / 1_000_000n);
  return { seconds: Number(seconds), nanos: Number(micros - seconds * 1_000_000n) * 1000 };
}

/** What the registry records about a written result. */
export function savedDatasetDoc(
  project: string,
  job: RetrievalJob,
  write: RedshiftWriteResult,
  options: Pick<SaveDatasetOptions, 'name' | 'table' | 'tags' | 'now'>,
): SavedDatasetDoc {
  const { plan } = write;
  // On-demand outputs are in the table too: toRedshift computes them before writing.
  const features = plan.outputColumns.flatMap((column) =>
    column.kind === 'entity' ? [] : [`${column.featureView}:${column.feature}`],
  );
  // The join keys the views matched (after join_key_map), in entity frame order, as Feast now records them.
  const keyColumns = new Set(plan.groups.flatMap((group) => group.joinKeys.map((key) => key.entityColumn)));
  const joinKeys = plan.outputColumns.flatMap((column) =>
    column.kind === 'entity' && keyColumns.has(column.name) ? [column.name] : [],
  );
  const now = timestampDocOf(options.now ?? new Date());
  return {
    spec: {
      name: options.name,
      project,
      features,
      joinKeys,
      fullFeatureNames: plan.fullFeatureNames,
      storage: {
        redshiftStorage: {
          table: options.table.name,
          schema: options.table.schema ?? 'public',
          database: '',
          query: '',
        },
      },
      tags: { ...(options.tags ?? {}) },
      featureServiceName: job.spec.featureService ?? '',
    },
    meta: {
      createdTimestamp: now,
      lastUpdatedTimestamp: now,
      ...(write.timestampRange
        ? {
            minEventTimestamp: timestampDocOfText(write.timestampRange.min),
            maxEventTimestamp: timestampDocOfText(write.timestampRange.max),
          }
        : {}),
    },
  };
}

/**
 * Runs the retrieval into a Redshift table (to_redshift) and records a saved dataset for it in the registry of
 * `config` (written back in place: registry.db or JSON, local or s3://). An existing table or saved dataset of the
 * same name is an error unless allowOverwrite.
 */
export async function saveDataset(
  warehouse: Warehouse,
  config: RepoConfig,
  registry: RegistryModel,
  job: RetrievalJob,
  options: SaveDatasetOptions,
): Promise<SaveDatasetResult> {
  if (options.name.trim() === '') {
    throw new WorkbenchError({ kind: 'PlanInvalid', reason: 'a saved dataset needs a name' });
  }
  const table: TableName = { schema: options.table.schema ?? 'public', name: options.table.name };
  // Checked before any work; the registry edit checks again, against what is stored by then.
  if (!options.allowOverwrite && registry.savedDatasets.some((dataset) => dataset.name === options.name)) {
    throw new WorkbenchError({
      kind: 'PlanInvalid',
      reason: `the saved dataset ${options.name} already exists in project ${config.project}; pass --allow-overwrite to replace it`,
    });
  }
  const write = await job.toRedshift(table, options);
  const doc = savedDatasetDoc(config.project, job, write, { ...options, table });
  await saveDatasetToRegistry(
    config,
    {
      dataset: doc,
      ...(options.allowOverwrite ? { allowOverwrite: true } : {}),
      ...(options.now ? { now: options.now } : {}),
    },
    { s3: warehouse.clients.s3, ...(options.signal ? { signal: options.signal } : {}) },
  );
  return { dataset: savedDatasetModel(doc), write };
}

function savedDatasetModel(doc: SavedDatasetDoc): SavedDataset {
  const project = doc.spec!.project;
  const [dataset] = toRegistryModel(completeDocument({ savedDatasets: [doc] }), project).savedDatasets;
  if (!dataset) throw new WorkbenchError({ kind: 'Internal', message: 'the saved dataset did not convert' });
  return dataset;
}

/** The result column a recorded feature reference names: `feature`, or `view__feature` with full names. */
export function featureColumnName(reference: string, fullFeatureNames: boolean): string {
  const colon = reference.indexOf(':');
  const viewPart = colon < 0 ? '' : reference.slice(0, colon);
  const feature = colon < 0 ? reference : reference.slice(colon + 1);
  const view = viewPart.includes('@') ? viewPart.slice(0, viewPart.indexOf('@')) : viewPart;
  return fullFeatureNames && view !== '' ? `${view}__${feature}` : feature;
}

export interface SavedDatasetColumn {
  /** The recorded spelling for join keys and features, else the table's. */
  name: string;
  role: 'joinKey' | 'feature' | 'other';
}

export interface SavedDatasetPlan {
  dataset: SavedDataset;
  /** The table, quoted. */
  table: string;
  /** Every column of the table, in table order. */
  columns: SavedDatasetColumn[];
  query: string;
}

/** Reading a saved dataset back: every row of its table (pull-all over it, without a window). */
export class SavedDatasetJob {
  readonly dataset: SavedDataset;

  constructor(
    private readonly warehouse: Warehouse,
    registry: RegistryModel,
    name: string,
  ) {
    const dataset = registry.savedDatasets.find((candidate) => candidate.name === name);
    if (!dataset) {
      throw new WorkbenchError({
        kind: 'NotFound',
        what: 'saved dataset',
        name,
        hint: hintFor(
          name,
          registry.savedDatasets.map((d) => d.name),
          `saved datasets in project ${registry.project}`,
        ),
      });
    }
    this.dataset = dataset;
  }

  /** Describes the table (DescribeTable, read-only) and checks that it still holds what was recorded. */
  async plan(options: JobOptions = {}): Promise<SavedDatasetPlan> {
    const { dataset } = this;
    const storage = dataset.storage;
    if (!storage || storage.table === '') {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason: storage
          ? `the saved dataset ${dataset.name} is stored as a query, not a table; the workbench reads back tables only`
          : `the saved dataset ${dataset.name} is not stored in Redshift`,
      });
    }
    const schema = storage.schema || 'public';
    const crossDatabase =
      storage.database !== '' && storage.database !== this.warehouse.config.offlineStore.database;
    if (crossDatabase) {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason: `the saved dataset ${dataset.name} is stored in database ${storage.database}; connect to that database to read it`,
      });
    }
    const described = await this.warehouse.executor.describeTable(schema, storage.table, options.signal);
    if (described.length === 0) {
      throw new WorkbenchError({
        kind: 'NotFound',
        what: 'table',
        name: `${schema}.${storage.table}`,
        hint:
          `the saved dataset ${dataset.name} records it, but it no longer exists (dropped?); save the dataset again ` +
          `with \`fwb retrieve ... --save-as ${dataset.name} --table ${schema}.${storage.table} --allow-overwrite\``,
      });
    }
    const recorded = new Map<string, SavedDatasetColumn>();
    for (const key of dataset.joinKeys) recorded.set(key.toLowerCase(), { name: key, role: 'joinKey' });
    for (const reference of dataset.features) {
      const name = featureColumnName(reference, dataset.fullFeatureNames);
      recorded.set(name.toLowerCase(), { name, role: 'feature' });
    }
    const tableNames = new Set(described.map((column) => column.name.toLowerCase()));
    const missing = [...recorded.values()].filter((column) => !tableNames.has(column.name.toLowerCase()));
    if (missing.length > 0) {
      throw new WorkbenchError({
        kind: 'PlanInvalid',
        reason:
          `the table ${schema}.${storage.table} has no column ${missing.map((c) => c.name).join(', ')}, which the ` +
          `saved dataset ${dataset.name} records; the table was changed after it was saved`,
      });
    }
    const columns = described.map(
      (column): SavedDatasetColumn =>
        recorded.get(column.name.toLowerCase()) ?? { name: column.name, role: 'other' },
    );
    const table = quoteQualified(schema, storage.table);
    const query = [
      'SELECT',
      `  ${described.map((column) => quoteIdent(column.name)).join(',\n  ')}`,
      `FROM ${table}`,
    ].join('\n');
    return { dataset, table, columns, query };
  }

  async toSql(options: JobOptions = {}): Promise<string> {
    return (await this.plan(options)).query;
  }

  /** Every row of the saved dataset, in no particular order. */
  async toArrow(options: JobOptions = {}): Promise<arrow.Table> {
    const plan = await this.plan(options);
    return readQueryResult(
      this.warehouse,
      plan.query,
      plan.columns.map((column) => column.name),
      `unloading the saved dataset ${this.dataset.name} from ${plan.table}`,
      options,
    );
  }

  /** The rows as record batches, one UNLOAD part at a time (bounded memory), in no particular order. */
  async *toArrowBatches(options: JobOptions = {}): AsyncGenerator<arrow.RecordBatch> {
    const plan = await this.plan(options);
    yield* streamQueryResult(
      this.warehouse,
      plan.query,
      plan.columns.map((column) => column.name),
      `unloading the saved dataset ${this.dataset.name} from ${plan.table}`,
      options,
    );
  }
}
