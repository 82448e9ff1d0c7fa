import { cleanStaging, DEFAULT_OLDER_THAN_MS, formatJanitorReport, parseDuration } from '../../jobs/janitor';
import { UsageError, type CliCommand } from '../command';
import { parseOptions } from '../run';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, openSession } from '../session';

export const janitorCommand: CliCommand = {
  path: ['janitor'],
  summary: 'Remove staging tables and S3 objects left behind by crashed runs (only the workbench’s own)',
  usage:
    'janitor --repo DIR [--sandbox DATA_DIR] [--older-than DURATION] [--dry-run] [--all-schemas] [--json]\n' +
    `${CONNECTION_USAGE}\n` +
    '  --older-than DURATION    only runs whose last activity is older than this (default 24h):\n' +
    '                           90m, 6h, 2d, 1h30m, 1w, or 0 for every run (also those still working)\n' +
    '  --dry-run                list what would be removed, remove nothing\n' +
    '  --all-schemas            look for staging tables in every schema, not only the staging schema\n' +
    '  --json                   print the report as JSON\n' +
    'Only names that follow the workbench run-id pattern are touched: tables <run id>_<part> and S3 objects\n' +
    'under <s3_staging_location>/fwb/<run id>/, where the run id is fwb_<yyyymmdd>t<hhmmss>_<8 hex digits>.\n' +
    "A run's age counts from its start (in the run id) or its newest staged object, whichever is later.\n" +
    'Exit codes: 0 done (or nothing to do), 1 a removal failed or the warehouse cannot be read, 2 bad usage.',
  async run(args, io) {
    const { values } = parseOptions(args, {
      ...CONNECTION_OPTIONS,
      'older-than': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'all-schemas': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    let olderThanMs = DEFAULT_OLDER_THAN_MS;
    if (values['older-than'] !== undefined) {
      const parsed = parseDuration(values['older-than']);
      if (parsed === undefined) {
        throw new UsageError(`--older-than ${values['older-than']} is not a duration such as 90m, 6h or 2d`);
      }
      olderThanMs = parsed;
    }
    const session = await openSession(values, io);
    try {
      const report = await cleanStaging(session.warehouse, {
        olderThanMs,
        dryRun: values['dry-run'] ?? false,
        allSchemas: values['all-schemas'] ?? false,
        signal: io.signal,
      });
      io.stdout(
        values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatJanitorReport(report).join('\n')}\n`,
      );
      return report.failures > 0 ? 1 : 0;
    } finally {
      await session.close();
    }
  },
};
