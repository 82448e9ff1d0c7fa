/**
 * The contract's services, implemented over the engine. Everything heavy (CSV typing, planning, the
 * retrieval, Arrow encoding, export) runs here, in the host process; the renderer gets descriptions, ids and
 * Arrow IPC bytes. New engine operations (pull-latest, write-batch, saved datasets, ODFVs...) plug in as more
 * methods: add them to the surface, the schemas and the outputs, and the type checker points here.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { parseRepoConfig, CONFIG_FILE_NAME } from '../config/load';
import { setConfigField, switchRedshiftTarget } from '../config/edit';
import { summarizeRepoConfig } from '../config/summary';
import type { CallContext, ServiceHandlers } from '../contract/api';
import { WorkbenchError } from '../contract/errors';
import {
  FRAME_PREVIEW_ROWS,
  type EntityColumn,
  type ExportFormat,
  type PlanPreview,
  type ResultColumn,
  type RetrievalEvent,
} from '../contract/types';
import { readCsvEntityFrame } from '../frames/csv';
import type { EntityColumnType } from '../frames/types';
import { writeTableToFile } from '../frames/write';
import { checkExitCode, checkPermissions } from '../iam/check';
import { minimalPolicy } from '../iam/minimal-policy';
import { parsePolicy, type ParsedPolicy } from '../iam/policy';
import type { FeastCommand } from '../iam/requirements';
import { formatPlanTree, parsePlan } from '../jobs/explain-parse';
import { RetrievalJob, type RetrievalSpec } from '../jobs/retrieval';
import { newRunId, stagingTableName } from '../jobs/naming';
import type { ProgressEvent } from '../jobs/progress';
import { entityTimestampRange } from '../plan/entity-range';
import { planRetrieval } from '../plan/plan';
import type { RetrievalPlan } from '../plan/types';
import type { RegistryModel, ValueTypeName } from '../registry/model';
import { newId, writeFileAtomic, type Workspace } from './workspace';

/** Arrow IPC batches and export chunks stay under this (anchors.md C.2: 4-8 MB per IPC hop). */
export const TRANSFER_CHUNK_BYTES = 4 * 1024 * 1024;

interface RetrievalRequestInput {
  features?: string[] | undefined;
  featureService?: string | undefined;
  fullFeatureNames: boolean;
  filterByCreatedTimestamp: boolean;
}

function specOf(request: RetrievalRequestInput): RetrievalSpec {
  return {
    ...(request.features ? { features: request.features } : {}),
    ...(request.featureService ? { featureService: request.featureService } : {}),
    fullFeatureNames: request.fullFeatureNames,
    filterByCreatedTimestamp: request.filterByCreatedTimestamp,
  };
}

function entityTypeOf(valueType: ValueTypeName): EntityColumnType {
  switch (valueType) {
    case 'INT32':
    case 'INT64':
      return 'int64';
    case 'FLOAT':
    case 'DOUBLE':
      return 'float64';
    case 'BOOL':
      return 'bool';
    case 'UNIX_TIMESTAMP':
      return 'timestamp';
    default:
      return 'string';
  }
}

/**
 * The entity columns a request needs when no frame is loaded yet: the join keys of the chosen views (after a
 * service's join_key_map), the request fields of on-demand views, and event_timestamp. Lets the Plan tab show
 * SQL as soon as features are checked.
 */
export function assumedEntityColumns(
  registry: RegistryModel,
  request: RetrievalRequestInput,
): EntityColumn[] {
  const columns = new Map<string, EntityColumnType>();
  const addView = (viewName: string, joinKeyMap: Record<string, string> = {}) => {
    const view = registry.featureViews.find((v) => v.name === viewName);
    if (view) {
      for (const key of view.entityColumns) {
        const name = joinKeyMap[key.name] ?? key.name;
        if (!columns.has(name)) columns.set(name, entityTypeOf(key.valueType));
      }
      return;
    }
    const odfv = registry.onDemandFeatureViews.find((v) => v.name === viewName);
    for (const source of odfv?.sources ?? []) {
      if (source.kind === 'featureView')
        addView(source.projection.featureViewName, source.projection.joinKeyMap);
      else for (const field of source.schema) columns.set(field.name, entityTypeOf(field.valueType));
    }
  };
  if (request.featureService) {
    const service = registry.featureServices.find((s) => s.name === request.featureService);
    for (const projection of service?.projections ?? [])
      addView(projection.featureViewName, projection.joinKeyMap);
  }
  for (const ref of request.features ?? []) addView(ref.slice(0, ref.indexOf(':')));
  return [
    ...[...columns].map(([name, type]) => ({ name, type })),
    ...(columns.has('event_timestamp') ? [] : [{ name: 'event_timestamp', type: 'timestamp' as const }]),
  ];
}

/** Result columns with their null counts, kinds from the plan's output columns. */
export function describeResultColumns(table: arrow.Table, plan: RetrievalPlan | undefined): ResultColumn[] {
  const byName = new Map((plan?.outputColumns ?? []).map((c) => [c.name, c]));
  return table.schema.fields.map((field, index) => {
    const vector = table.getChildAt(index);
    const planned = byName.get(field.name);
    return {
      name: field.name,
      type: String(field.type),
      kind: planned?.kind ?? 'other',
      nulls: vector?.nullCount ?? 0,
      ...(planned && planned.kind !== 'entity' ? { featureView: planned.featureView } : {}),
    };
  });
}

/**
 * A table as self-contained Arrow IPC streams of at most about `maxBytes` each, by row ranges. A zero-row
 * table yields one schema-only stream, so the receiver still learns the columns.
 */
export function* arrowChunks(
  table: arrow.Table,
  maxBytes = TRANSFER_CHUNK_BYTES,
): Generator<{ offset: number; rows: number; bytes: Uint8Array }> {
  const total = table.numRows;
  if (total === 0) {
    yield { offset: 0, rows: 0, bytes: arrow.tableToIPC(table, 'stream') };
    return;
  }
  const sampleRows = Math.min(total, 1024);
  const sampleBytes = arrow.tableToIPC(table.slice(0, sampleRows), 'stream').byteLength;
  let rowsPerChunk = Math.max(1, Math.floor(maxBytes / Math.max(1, sampleBytes / sampleRows)));
  for (let offset = 0; offset < total;) {
    const rows = Math.min(rowsPerChunk, total - offset);
    const bytes = arrow.tableToIPC(table.slice(offset, offset + rows), 'stream');
    if (bytes.byteLength > maxBytes * 2 && rows > 1) {
      // Wider rows than the sample promised (long strings further down): halve and retry this range.
      rowsPerChunk = Math.max(1, Math.floor(rows / 2));
      continue;
    }
    yield { offset, rows, bytes };
    offset += rows;
  }
}

const MIME: Record<ExportFormat, string> = {
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
  arrow: 'application/vnd.apache.arrow.file',
};

/** AWS profile names from the shared config and credentials files. Names only: keys are never read out. */
export async function awsProfileNames(env: Record<string, string | undefined>): Promise<string[]> {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  const files = [
    { file: env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config'), config: true },
    { file: env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials'), config: false },
  ];
  const names = new Set<string>();
  for (const { file, config } of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const match of text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]\s*$/gm)) {
      const section = match[1]!;
      if (config) {
        if (section === 'default') names.add('default');
        else if (section.startsWith('profile ')) names.add(section.slice('profile '.length).trim());
      } else {
        names.add(section);
      }
    }
  }
  return [...names].filter((n) => /^[A-Za-z0-9_+=,.@-]+$/.test(n)).sort();
}

/** Binds every contract method to the workspace. */
export function createServices(workspace: Workspace): ServiceHandlers {
  const configProblems = (text: string) =>
    parseRepoConfig(text, { file: CONFIG_FILE_NAME, repoDir: workspace.repoDir, env: workspace.env });

  const edited = (text: string) => {
    const { config, problems } = configProblems(text);
    return { text, problems, ...(config ? { summary: summarizeRepoConfig(config) } : {}) };
  };

  const frameSource = (frameId: string) => {
    const stored = workspace.requireFrame(frameId);
    return { kind: 'frame' as const, frame: stored.frame, name: stored.fileName };
  };

  const progressTo =
    <E>(context: CallContext<E>, wrap: (p: ProgressEvent) => E) =>
    (event: ProgressEvent) =>
      context.emit(wrap(event));

  return {
    session: {
      async current() {
        await workspace.settled();
        return workspace.info();
      },
      async open(input) {
        return workspace.open(input.repoDir, input.connection, input.stagingSchema);
      },
      async listProfiles() {
        return { profiles: await awsProfileNames(workspace.env) };
      },
    },

    config: {
      async read() {
        await workspace.settled();
        const text = await readFile(workspace.configPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new WorkbenchError(
            error.code === 'ENOENT'
              ? {
                  kind: 'NotFound',
                  what: CONFIG_FILE_NAME,
                  name: workspace.configPath,
                  hint: 'open a folder holding feature_store.yaml',
                }
              : {
                  kind: 'InputInvalid',
                  file: workspace.configPath,
                  reason: `cannot read the file: ${error.message}`,
                },
            { cause: error },
          );
        });
        const { config, problems } = configProblems(text);
        return {
          path: workspace.configPath,
          text,
          problems,
          ...(config ? { summary: summarizeRepoConfig(config) } : {}),
        };
      },
      async validate({ text }) {
        const { config, problems } = configProblems(text);
        return { problems, ...(config ? { summary: summarizeRepoConfig(config) } : {}) };
      },
      async save({ text }) {
        await workspace.settled();
        const { problems } = configProblems(text);
        await writeFileAtomic(workspace.configPath, text);
        const session = await workspace.reloadAfterSave(problems);
        return { path: workspace.configPath, bytes: Buffer.byteLength(text), problems, session };
      },
      async setField({ text, path: keys, value }) {
        return edited(setConfigField(text, keys, value));
      },
      async switchTarget({ text, target }) {
        return edited(switchRedshiftTarget(text, target));
      },
    },

    registry: {
      async get() {
        await workspace.settled();
        return { source: workspace.registrySource, model: workspace.requireRegistry() };
      },
    },

    frames: {
      async open({ fileName, bytes }) {
        const frame = readCsvEntityFrame(bytes, { file: fileName });
        const frameId = workspace.addFrame(fileName, bytes.byteLength, frame);
        const previewRows = Math.min(frame.rowCount, FRAME_PREVIEW_ROWS);
        const range = entityTimestampRange(frame.table, frame.timestampColumn);
        return {
          frameId,
          fileName,
          byteLength: bytes.byteLength,
          rowCount: frame.rowCount,
          columns: frame.columns,
          timestampColumn: frame.timestampColumn,
          timestampStats: frame.timestampStats,
          ...(range ? { timestampRange: range } : {}),
          warnings: frame.warnings,
          preview: arrow.tableToIPC(frame.table.slice(0, previewRows), 'stream'),
          previewRows,
        };
      },
      async close({ frameId }) {
        return { closed: workspace.frames.delete(frameId) };
      },
    },

    plan: {
      async preview({ request, frameId }): Promise<PlanPreview> {
        await workspace.settled();
        const registry = workspace.requireRegistry();
        const config = workspace.requireConfig();
        if (frameId) {
          const job = new RetrievalJob(
            workspace.requireWarehouse(),
            registry,
            frameSource(frameId),
            specOf(request),
          );
          return { plan: await job.plan(), entities: 'frame' };
        }
        const assumedColumns = assumedEntityColumns(registry, request);
        const runId = newRunId();
        const plan = planRetrieval({
          registry,
          ...specOf(request),
          entityColumns: assumedColumns,
          entityTimestampColumn: 'event_timestamp',
          entityTable: { schema: workspace.stagingSchema, name: stagingTableName(runId, 'entities') },
          runId,
          database: config.offlineStore.database,
          stagingSchema: workspace.stagingSchema,
        });
        return { plan, entities: 'assumed', assumedColumns };
      },
      async explain({ request, frameId }, context) {
        await workspace.settled();
        const job = new RetrievalJob(
          workspace.requireWarehouse(),
          workspace.requireRegistry(),
          frameSource(frameId),
          specOf(request),
        );
        const { plan, lines } = await job.explain({
          signal: context.signal,
          onProgress: progressTo(context, (progress) => ({ type: 'progress', progress })),
        });
        const parsed = parsePlan(lines);
        return {
          plan,
          lines,
          tree: formatPlanTree(parsed),
          warnings: parsed.warnings.map(({ line, subject, message }) => ({ line, subject, message })),
        };
      },
    },

    retrieval: {
      async run({ request, frameId }, context) {
        await workspace.settled();
        const started = Date.now();
        const job = new RetrievalJob(
          workspace.requireWarehouse(),
          workspace.requireRegistry(),
          frameSource(frameId),
          specOf(request),
        );
        const resultId = newId('result');
        context.emit({ type: 'started', resultId, startedAt: new Date(started).toISOString() });
        // The plan is cheap and side-effect free; it tells which result columns are entities and features.
        const plan = await job.plan({ signal: context.signal });
        const table = await job.toArrow({
          signal: context.signal,
          onProgress: progressTo<RetrievalEvent>(context, (progress) => ({ type: 'progress', progress })),
        });
        workspace.addResult(resultId, table);
        let batches = 0;
        let arrowBytes = 0;
        for (const chunk of arrowChunks(table)) {
          if (context.signal.aborted)
            throw new WorkbenchError({ kind: 'Cancelled', phase: 'sending the result' });
          context.emit({
            type: 'batch',
            index: batches++,
            offset: chunk.offset,
            rows: chunk.rows,
            arrow: chunk.bytes,
          });
          arrowBytes += chunk.bytes.byteLength;
          // Let cancel messages and other calls in between large batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
        return {
          resultId,
          rows: table.numRows,
          columns: describeResultColumns(table, plan),
          batches,
          arrowBytes,
          elapsedMs: Date.now() - started,
          warnings: plan.warnings,
        };
      },
    },

    results: {
      async export({ resultId, format }, context) {
        const table = workspace.requireResult(resultId);
        const fileName = `training-set-${resultId.slice(-8)}.${format}`;
        const temporary = path.join(tmpdir(), `fwb-export-${newId('x')}.${format}`);
        try {
          const written = await writeTableToFile(temporary, table, format, { signal: context.signal });
          const handle = await open(temporary, 'r');
          try {
            const size = (await stat(temporary)).size;
            for (let offset = 0; offset < size;) {
              const buffer = new Uint8Array(Math.min(TRANSFER_CHUNK_BYTES, size - offset));
              const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, offset);
              if (bytesRead === 0) break;
              context.emit({ type: 'chunk', offset, bytes: buffer.subarray(0, bytesRead) });
              offset += bytesRead;
            }
          } finally {
            await handle.close();
          }
          return { fileName, format, mimeType: MIME[format], rows: written.rows, bytes: written.bytes };
        } finally {
          await rm(temporary, { force: true });
        }
      },
      async release({ resultId }) {
        return { released: workspace.results.delete(resultId) };
      },
    },

    iam: {
      async check({ policies, mode, commands, account, workgroupId }) {
        await workspace.settled();
        const config = workspace.requireConfig();
        const parsed: ParsedPolicy[] = policies.map((p) =>
          parsePolicy(p.text, { file: p.fileName, kind: 'identity' }),
        );
        const checks = checkPermissions(config, parsed, {
          mode,
          ...(commands ? { commands: commands as FeastCommand[] } : {}),
          ...(account ? { account } : {}),
          ...(workgroupId ? { workgroupId } : {}),
        });
        return {
          mode,
          checks,
          findings: parsed.flatMap((p) => p.findings.filter((f) => f.severity === 'warning')),
          allowed: checkExitCode(checks) === 0,
        };
      },
      async minimalPolicy({ mode, commands }) {
        await workspace.settled();
        const generated = minimalPolicy(workspace.requireConfig(), {
          mode,
          ...(commands ? { commands: commands as FeastCommand[] } : {}),
        });
        return { ...generated, text: `${JSON.stringify(generated.policy, null, 2)}\n` };
      },
    },

    sandbox: {
      async status() {
        await workspace.settled();
        const sandbox = workspace.sandbox;
        if (!sandbox) return { running: false, tables: [] };
        return {
          running: true,
          endpoint: sandbox.dataApiEndpoint,
          tables: sandbox.tables,
          startup: sandbox.startup,
        };
      },
    },
  } satisfies ServiceHandlers;
}
