import path from 'node:path';
import { isWorkbenchError } from '../../contract/errors';
import { writeBatch } from '../../jobs/write-batch';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { parseOptions } from '../run';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, openSession, progressPrinter } from '../session';

/** Mistakes in what the user gave (config, input file, names, a source that cannot be written): exit code 2. */
const BAD_INPUT = new Set(['ConfigInvalid', 'InputInvalid', 'NotFound', 'PlanInvalid']);

/** Prints a bad-input error and returns 2; anything else is rethrown for the runner (exit 1, 130 on cancel). */
export function badInputExit(error: unknown, command: string, io: CliIO): number {
  if (!isWorkbenchError(error) || !BAD_INPUT.has(error.detail.kind)) throw error;
  if (error.detail.kind === 'ConfigInvalid') {
    for (const p of error.detail.problems) io.stderr(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
  } else {
    io.stderr(`fwb ${command}: ${error.message}\n`);
  }
  return 2;
}

export const writeBatchCommand: CliCommand = {
  path: ['write-batch'],
  summary: "Append rows to a feature view's source table (Feast offline_write_batch), all or nothing",
  usage:
    'write-batch --repo DIR [--sandbox DATA_DIR] --feature-view NAME --input FILE.csv|FILE.parquet\n' +
    `${CONNECTION_USAGE}\n` +
    '  --feature-view NAME      the feature view whose batch source table receives the rows\n' +
    '  --input FILE             a .csv or .parquet file with one column per table column\n' +
    'Columns are matched by name, in any order and case; a column may also carry the feature or entity\n' +
    "name the source's field_mapping gives it. Every value is checked against the table's column types\n" +
    'first; then all rows are written in one transaction, or none.\n' +
    'Exit codes: 0 written, 1 the write failed (nothing was written), 2 bad usage or bad input\n' +
    '(invalid feature_store.yaml, input file or names, a source that cannot be written), 130 cancelled.',
  async run(args, io) {
    const { values } = parseOptions(args, {
      ...CONNECTION_OPTIONS,
      'feature-view': { type: 'string' },
      input: { type: 'string' },
    });
    if (!values['feature-view']) throw new UsageError('--feature-view is required');
    if (!values.input) throw new UsageError('--input is required');
    const input = path.resolve(io.cwd, values.input);
    const extension = path.extname(input).toLowerCase();
    if (extension !== '.csv' && extension !== '.parquet') {
      throw new UsageError(`--input ${values.input} must be a .csv or .parquet file`);
    }
    let session;
    try {
      session = await openSession(values, io);
    } catch (error) {
      return badInputExit(error, 'write-batch', io);
    }
    const printer = progressPrinter(io);
    const started = Date.now();
    try {
      const result = await writeBatch(
        session.warehouse,
        session.registry,
        { featureView: values['feature-view'], file: input },
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
        `wrote ${result.rows} row${result.rows === 1 ? '' : 's'} to ${result.table} (${seconds} s)\n`,
      );
      return 0;
    } catch (error) {
      return badInputExit(error, 'write-batch', io);
    } finally {
      printer.stop();
      await session.close();
    }
  },
};
