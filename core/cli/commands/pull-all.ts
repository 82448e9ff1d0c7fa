import type { CliCommand } from '../command';
import { CONNECTION_USAGE } from '../session';
import { runPull, WINDOW_USAGE } from './pull-shared';

export const pullAllCommand: CliCommand = {
  path: ['pull-all'],
  summary: "Every row of a feature view's source, optionally in a time window",
  usage:
    'pull-all --repo DIR [--sandbox DATA_DIR] --feature-view NAME [--start ISO] [--end ISO] --out FILE\n' +
    `${CONNECTION_USAGE}\n` +
    '  --feature-view NAME      the feature view whose batch source is read\n' +
    `${WINDOW_USAGE}\n` +
    '  --out FILE               .csv, .parquet or .arrow\n' +
    'Without --start and --end every row (also rows without an event time); with one of them, an open window.\n' +
    'Columns: join keys, features, event_timestamp, created_timestamp (when the source has one).',
  run: (args, io) => runPull('all', args, io),
};
