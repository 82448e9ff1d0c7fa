import path from 'node:path';
import { loggedFeatureFiles, writeLoggedFeatures } from '../../jobs/logged-features';
import { UsageError, type CliCommand } from '../command';
import { parseOptions } from '../run';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, openSession, progressPrinter } from '../session';
import { badInputExit } from './write-batch';

export const writeLoggedFeaturesCommand: CliCommand = {
  path: ['write-logged-features'],
  summary:
    "Load logged features into a feature service's Redshift logging table (Feast write_logged_features)",
  usage:
    'write-logged-features --repo DIR [--sandbox DATA_DIR] --feature-service NAME --input FILE.parquet|DIR\n' +
    `${CONNECTION_USAGE}\n` +
    '  --feature-service NAME   the feature service whose logging destination receives the rows\n' +
    '  --input FILE|DIR         a Parquet file, or a folder: every .parquet file directly in it\n' +
    "                           (what Feast's feature server writes)\n" +
    "Each file's columns are matched to Feast's logging schema of the service by name, in any order:\n" +
    'join keys, <view>__<feature>, <view>__<feature>__timestamp, <view>__<feature>__status,\n' +
    '__log_timestamp, __log_date, __request_id. The table is created when missing; all files are\n' +
    'loaded in one transaction, or none.\n' +
    'Exit codes: 0 written, 1 the write failed (nothing was written), 2 bad usage or bad input\n' +
    '(invalid feature_store.yaml or files, unknown service, no Redshift logging destination), 130 cancelled.',
  async run(args, io) {
    const { values } = parseOptions(args, {
      ...CONNECTION_OPTIONS,
      'feature-service': { type: 'string' },
      input: { type: 'string' },
    });
    if (!values['feature-service']) throw new UsageError('--feature-service is required');
    if (!values.input) throw new UsageError('--input is required');
    let files: string[];
    let session;
    try {
      files = await loggedFeatureFiles(path.resolve(io.cwd, values.input));
      session = await openSession(values, io);
    } catch (error) {
      return badInputExit(error, 'write-logged-features', io);
    }
    const printer = progressPrinter(io);
    const started = Date.now();
    try {
      const result = await writeLoggedFeatures(
        session.warehouse,
        session.registry,
        { featureService: values['feature-service'], files },
        {
          signal: io.signal,
          onProgress: printer.listener,
          ...(session.timeoutMs ? { timeoutMs: session.timeoutMs } : {}),
        },
      );
      printer.stop();
      for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      io.stdout(
        `wrote ${result.rows} row${result.rows === 1 ? '' : 's'} from ${result.files} file${result.files === 1 ? '' : 's'} ` +
          `to ${result.table}${result.created ? ' (created the table)' : ''} (${seconds} s)\n`,
      );
      return 0;
    } catch (error) {
      return badInputExit(error, 'write-logged-features', io);
    } finally {
      printer.stop();
      await session.close();
    }
  },
};
