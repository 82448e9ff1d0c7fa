import path from 'node:path';
import { outputFormatFor, writeTableToFile } from '../../frames/write';
import type { EntitySource } from '../../jobs/entities';
import { RetrievalJob } from '../../jobs/retrieval';
import { saveDataset } from '../../jobs/saved-dataset';
import type { OnDemandOptions } from '../../odfv/apply';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { parseOptions } from '../run';
import {
  CONNECTION_OPTIONS,
  CONNECTION_USAGE,
  openSession,
  parseFeatureRefs,
  progressPrinter,
  readEntityCsv,
} from '../session';
import { parseTableName, parseWindowOptions, WINDOW_USAGE } from './pull-shared';

export const retrieveCommand: CliCommand = {
  path: ['retrieve'],
  summary: 'Build a point-in-time correct training set (Feast get_historical_features) in Redshift',
  usage:
    'retrieve --repo DIR [--sandbox DATA_DIR] (--entities FILE.csv | --entity-sql SQL | --start ISO --end ISO)\n' +
    '         (--features REFS | --feature-service NAME) [--full-feature-names]\n' +
    '         [--filter-by-created-timestamp] ([--unordered] --out FILE | --save-as NAME --table TABLE\n' +
    '         [--allow-overwrite])\n' +
    `${CONNECTION_USAGE}\n` +
    '  --entities FILE.csv      the entity frame: join keys and an event timestamp per row\n' +
    '  --entity-sql SQL         or an SQL query returning the entity rows\n' +
    '  --start ISO, --end ISO   or no entity frame: one entity row per distinct join keys and event time in\n' +
    "                           the requested views' sources between the two (see README, Date-range retrieval)\n" +
    `${WINDOW_USAGE}\n` +
    '  --features REFS          comma-separated feature references view:feature\n' +
    '  --feature-service NAME   the features of a feature service instead\n' +
    '  --full-feature-names     name output columns view__feature\n' +
    '  --filter-by-created-timestamp  leave out rows created after the entity timestamp\n' +
    '  --unordered              stream the result with bounded memory, in no particular row order\n' +
    '  --out FILE               .csv, .parquet or .arrow\n' +
    '  --python PATH            the Python (with pandas) that computes on-demand feature views; default:\n' +
    '                           $FWB_PYTHON, else python3 on PATH, else /usr/bin/python3\n' +
    '  --transform-timeout-seconds N  deadline per batch of on-demand feature view rows (default: 300)\n' +
    '  --save-as NAME           instead of a file: write the result to a Redshift table and record it in the\n' +
    '                           registry as saved dataset NAME (read it with `fwb saved-dataset NAME`)\n' +
    '  --table TABLE            the table for --save-as: TABLE or SCHEMA.TABLE (schema public by default)\n' +
    '  --allow-overwrite        replace an existing table and saved dataset of that name\n' +
    'Rows come out in the entity frame order (unless --unordered), one per entity row; date-range rows by event\n' +
    'time, then join keys.',
  async run(args, io) {
    const { values } = parseOptions(args, {
      ...CONNECTION_OPTIONS,
      entities: { type: 'string' },
      'entity-sql': { type: 'string' },
      features: { type: 'string' },
      'feature-service': { type: 'string' },
      'full-feature-names': { type: 'boolean' },
      'filter-by-created-timestamp': { type: 'boolean' },
      unordered: { type: 'boolean' },
      out: { type: 'string' },
      python: { type: 'string' },
      'transform-timeout-seconds': { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      'save-as': { type: 'string' },
      table: { type: 'string' },
      'allow-overwrite': { type: 'boolean' },
    });
    const dated = values.start !== undefined || values.end !== undefined;
    const entityInputs = [values.entities, values['entity-sql'], dated || undefined].filter(
      (v) => v !== undefined,
    );
    if (entityInputs.length !== 1) {
      throw new UsageError('give one of --entities FILE.csv, --entity-sql SQL, or --start and --end');
    }
    if (dated && (values.start === undefined || values.end === undefined)) {
      throw new UsageError('a date-range retrieval needs both --start and --end');
    }
    if (dated) parseWindowOptions(values);
    if ((values.features === undefined) === (values['feature-service'] === undefined)) {
      throw new UsageError('give either --features or --feature-service');
    }
    const saveAs = values['save-as'];
    if (saveAs !== undefined) {
      if (saveAs.trim() === '') throw new UsageError('--save-as needs a name');
      if (values.out !== undefined) {
        throw new UsageError(
          'give either --out or --save-as (read a saved dataset with `fwb saved-dataset NAME`)',
        );
      }
      if (values.table === undefined) throw new UsageError('--save-as needs --table TABLE');
      if (values.unordered) throw new UsageError('--unordered applies to --out only');
    } else {
      if (values.table !== undefined) throw new UsageError('--table goes with --save-as');
      if (values['allow-overwrite']) throw new UsageError('--allow-overwrite goes with --save-as');
      if (!values.out) throw new UsageError('--out is required');
    }
    const table = values.table === undefined ? undefined : parseTableName(values.table);
    const out = values.out === undefined ? undefined : path.resolve(io.cwd, values.out);
    // A typo in the extension is refused now, not after the whole retrieval has run.
    if (out !== undefined) outputFormatFor(out);
    const features = values.features === undefined ? undefined : parseFeatureRefs(values.features);
    const onDemand = onDemandOptions(values, io);

    const entities: EntitySource = values.entities
      ? {
          kind: 'frame',
          frame: await readEntityCsv(values.entities, io),
          name: path.basename(values.entities),
        }
      : values['entity-sql'] !== undefined
        ? { kind: 'sql', sql: values['entity-sql'] }
        : { kind: 'range', start: values.start!, end: values.end! };
    const session = await openSession(values, io);
    const printer = progressPrinter(io);
    const started = Date.now();
    try {
      const job = new RetrievalJob(session.warehouse, session.registry, entities, {
        ...(features ? { features } : { featureService: values['feature-service']! }),
        fullFeatureNames: values['full-feature-names'] ?? false,
        filterByCreatedTimestamp: values['filter-by-created-timestamp'] ?? false,
      });
      const options = {
        signal: io.signal,
        onProgress: printer.listener,
        ...(session.timeoutMs ? { timeoutMs: session.timeoutMs } : {}),
        onDemand,
      };
      if (saveAs !== undefined && table) {
        const saved = await saveDataset(session.warehouse, session.config, session.registry, job, {
          ...options,
          name: saveAs,
          table,
          allowOverwrite: values['allow-overwrite'] ?? false,
        });
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        io.stderr(
          `wrote ${saved.write.rows} rows to ${saved.write.table} and saved them as ${saveAs} in ` +
            `${session.config.registry.path} (${seconds} s)\n`,
        );
        return 0;
      }
      const written = values.unordered
        ? await writeTableToFile(out!, job.toArrowBatches(options), undefined, { signal: io.signal })
        : await writeTableToFile(out!, await job.toArrow(options), undefined, { signal: io.signal });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      io.stderr(`wrote ${written.rows} rows to ${values.out} (${written.format}, ${seconds} s)\n`);
      return 0;
    } finally {
      printer.stop();
      await session.close();
    }
  },
};

/** How on-demand feature views run: the interpreter (a bare name is looked up on PATH), deadline, repo folder. */
function onDemandOptions(
  values: { repo?: string; python?: string; 'transform-timeout-seconds'?: string },
  io: CliIO,
): OnDemandOptions {
  let timeoutMs: number | undefined;
  if (values['transform-timeout-seconds'] !== undefined) {
    const seconds = Number(values['transform-timeout-seconds']);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new UsageError('--transform-timeout-seconds must be a positive number');
    }
    timeoutMs = seconds * 1000;
  }
  const python = values.python;
  if (python !== undefined && python.trim() === '') throw new UsageError('--python needs a path');
  return {
    ...(python !== undefined
      ? { python: python.includes(path.sep) ? path.resolve(io.cwd, python) : python }
      : {}),
    env: io.env,
    cwd: path.resolve(io.cwd, values.repo ?? '.'),
    ...(timeoutMs ? { timeoutMs } : {}),
  };
}
