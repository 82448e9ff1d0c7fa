import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isWorkbenchError, WorkbenchError } from '../../contract/errors';
import { loadRepoConfig } from '../../config/load';
import { readCsvEntityFrame } from '../../frames/csv';
import { newRunId, stagingTableName } from '../../jobs/naming';
import { loadRegistry } from '../../registry/load';
import { entityTimestampRange } from '../../plan/entity-range';
import { planRetrieval } from '../../plan/plan';
import { UsageError, type CliCommand } from '../command';
import { parseOptions, requireOption } from '../run';

/** Mistakes in what the user gave (config, CSV, feature names, the request): exit code 2. */
const BAD_INPUT = new Set(['ConfigInvalid', 'InputInvalid', 'NotFound', 'PlanInvalid']);

export const planCommand: CliCommand = {
  path: ['plan'],
  summary: 'Print the Redshift SQL of a point-in-time retrieval, without running it',
  usage:
    'plan --repo DIR --entities FILE.csv (--features REFS | --feature-service NAME)\n' +
    '         [--full-feature-names] [--filter-by-created-timestamp] [--json]\n' +
    '  --repo DIR                      the Feast repository folder holding feature_store.yaml\n' +
    '  --entities FILE.csv             the entity frame: join keys and an event timestamp per row\n' +
    '  --features REFS                 comma-separated feature references view:feature\n' +
    '  --feature-service NAME          the features of a feature service instead\n' +
    '  --full-feature-names            name output columns view__feature\n' +
    '  --filter-by-created-timestamp   leave out rows created after the entity timestamp\n' +
    '  --json                          print the whole plan (steps, columns, statements) as JSON\n' +
    'The SQL names a fresh run: the staged entity table is <run id>_entities, with the frame\n' +
    'columns plus __fwb_row_id. Warnings go to stderr.\n' +
    'Exit codes: 0 printed, 1 the registry cannot be read, 2 bad usage or bad input (invalid\n' +
    'feature_store.yaml or CSV, unknown features, a request that cannot be planned).',
  async run(args, io) {
    const { values } = parseOptions(args, {
      repo: { type: 'string' },
      entities: { type: 'string' },
      features: { type: 'string' },
      'feature-service': { type: 'string' },
      'full-feature-names': { type: 'boolean' },
      'filter-by-created-timestamp': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const repoDir = path.resolve(io.cwd, requireOption(values, 'repo'));
    const entitiesFile = path.resolve(io.cwd, requireOption(values, 'entities'));
    const refs = values.features;
    const service = values['feature-service'];
    if ((refs === undefined) === (service === undefined)) {
      throw new UsageError('give either --features or --feature-service');
    }
    const features = refs
      ?.split(',')
      .map((ref) => ref.trim())
      .filter((ref) => ref !== '');
    if (features !== undefined && features.length === 0) throw new UsageError('--features lists no feature');
    const isDir = await stat(repoDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new UsageError(`--repo ${repoDir} is not a folder`);

    try {
      const config = await loadRepoConfig(repoDir, { env: io.env });
      const registry = await loadRegistry(config, { signal: io.signal });
      const bytes = await readFile(entitiesFile).catch((error: NodeJS.ErrnoException) => {
        throw new WorkbenchError(
          { kind: 'InputInvalid', file: entitiesFile, reason: `cannot read the file: ${error.message}` },
          { cause: error },
        );
      });
      const frame = readCsvEntityFrame(bytes, { file: entitiesFile });
      const runId = newRunId();
      const range = entityTimestampRange(frame.table, frame.timestampColumn);
      const plan = planRetrieval({
        registry,
        ...(features !== undefined ? { features } : { featureService: service! }),
        entityColumns: frame.columns,
        entityTimestampColumn: frame.timestampColumn,
        entityTable: { name: stagingTableName(runId, 'entities') },
        runId,
        database: config.offlineStore.database,
        fullFeatureNames: values['full-feature-names'] ?? false,
        filterByCreatedTimestamp: values['filter-by-created-timestamp'] ?? false,
        ...(range ? { timestampRange: range } : {}),
      });
      for (const warning of [...frame.warnings, ...plan.warnings]) io.stderr(`warning: ${warning}\n`);
      if (values.json) {
        io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
      } else {
        io.stdout(plan.split ? `${plan.sql}\n` : `${plan.sql};\n`);
      }
      return 0;
    } catch (error) {
      if (isWorkbenchError(error) && BAD_INPUT.has(error.detail.kind)) {
        if (error.detail.kind === 'ConfigInvalid') {
          for (const p of error.detail.problems) io.stderr(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
        } else {
          io.stderr(`fwb plan: ${error.message}\n`);
        }
        return 2;
      }
      throw error;
    }
  },
};
