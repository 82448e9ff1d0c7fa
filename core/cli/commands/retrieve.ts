import path from 'node:path';
import { writeTableToFile } from '../../frames/write';
import type { EntitySource } from '../../jobs/entities';
import { RetrievalJob } from '../../jobs/retrieval';
import { UsageError, type CliCommand } from '../command';
import { parseOptions } from '../run';
import {
  CONNECTION_OPTIONS,
  CONNECTION_USAGE,
  openSession,
  parseFeatureRefs,
  progressPrinter,
  readEntityCsv,
} from '../session';

export const retrieveCommand: CliCommand = {
  path: ['retrieve'],
  summary: 'Build a point-in-time correct training set (Feast get_historical_features) in Redshift',
  usage:
    'retrieve --repo DIR [--sandbox DATA_DIR] (--entities FILE.csv | --entity-sql SQL)\n' +
    '         (--features REFS | --feature-service NAME) [--full-feature-names]\n' +
    '         [--filter-by-created-timestamp] [--unordered] --out FILE\n' +
    `${CONNECTION_USAGE}\n` +
    '  --entities FILE.csv      the entity frame: join keys and an event timestamp per row\n' +
    '  --entity-sql SQL         or an SQL query returning the entity rows\n' +
    '  --features REFS          comma-separated feature references view:feature\n' +
    '  --feature-service NAME   the features of a feature service instead\n' +
    '  --full-feature-names     name output columns view__feature\n' +
    '  --filter-by-created-timestamp  leave out rows created after the entity timestamp\n' +
    '  --unordered              stream the result with bounded memory, in no particular row order\n' +
    '  --out FILE               .csv, .parquet or .arrow\n' +
    'Rows come out in the entity frame order (unless --unordered), one per entity row.',
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
    });
    if ((values.entities === undefined) === (values['entity-sql'] === undefined)) {
      throw new UsageError('give either --entities FILE.csv or --entity-sql SQL');
    }
    if ((values.features === undefined) === (values['feature-service'] === undefined)) {
      throw new UsageError('give either --features or --feature-service');
    }
    if (!values.out) throw new UsageError('--out is required');
    const out = path.resolve(io.cwd, values.out);
    const features = values.features === undefined ? undefined : parseFeatureRefs(values.features);

    const entities: EntitySource = values.entities
      ? {
          kind: 'frame',
          frame: await readEntityCsv(values.entities, io),
          name: path.basename(values.entities),
        }
      : { kind: 'sql', sql: values['entity-sql']! };
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
      };
      const written = values.unordered
        ? await writeTableToFile(out, job.toArrowBatches(options), undefined, { signal: io.signal })
        : await writeTableToFile(out, await job.toArrow(options), undefined, { signal: io.signal });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      io.stderr(`wrote ${written.rows} rows to ${values.out} (${written.format}, ${seconds} s)\n`);
      return 0;
    } finally {
      printer.stop();
      await session.close();
    }
  },
};
