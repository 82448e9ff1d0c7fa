import path from 'node:path';
import { writeTableToFile } from '../../frames/write';
import { SavedDatasetJob } from '../../jobs/saved-dataset';
import { UsageError, type CliCommand } from '../command';
import { parseOptions } from '../run';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, openSession, progressPrinter } from '../session';

export const savedDatasetCommand: CliCommand = {
  path: ['saved-dataset'],
  summary: 'Read a saved dataset back from its Redshift table',
  usage:
    'saved-dataset NAME --repo DIR [--sandbox DATA_DIR] --out FILE\n' +
    `${CONNECTION_USAGE}\n` +
    "  NAME                     a saved dataset of the repo's project (see `fwb registry show`)\n" +
    '  --out FILE               .csv, .parquet or .arrow\n' +
    'Every row of the table, every column in table order (what `fwb retrieve --save-as` wrote), in no\n' +
    'particular row order.',
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { ...CONNECTION_OPTIONS, out: { type: 'string' } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError('give the name of one saved dataset');
    if (!values.out) throw new UsageError('--out is required');
    const out = path.resolve(io.cwd, values.out);
    const session = await openSession(values, io);
    const printer = progressPrinter(io);
    const started = Date.now();
    try {
      const job = new SavedDatasetJob(session.warehouse, session.registry, positionals[0]!);
      const written = await writeTableToFile(
        out,
        job.toArrowBatches({
          signal: io.signal,
          onProgress: printer.listener,
          ...(session.timeoutMs ? { timeoutMs: session.timeoutMs } : {}),
        }),
        undefined,
        { signal: io.signal },
      );
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      io.stderr(`wrote ${written.rows} rows to ${values.out} (${written.format}, ${seconds} s)\n`);
      return 0;
    } finally {
      printer.stop();
      await session.close();
    }
  },
};
