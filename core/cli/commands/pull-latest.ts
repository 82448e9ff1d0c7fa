import type { CliCommand } from '../command';
import { CONNECTION_USAGE } from '../session';
import { runPull, WINDOW_USAGE } from './pull-shared';

export const pullLatestCommand: CliCommand = {
  path: ['pull-latest'],
  summary: "The latest row per join-key combination of a feature view's source in a time window",
  usage:
    'pull-latest --repo DIR [--sandbox DATA_DIR] --feature-view NAME --start ISO --end ISO --out FILE\n' +
    `${CONNECTION_USAGE}\n` +
    '  --feature-view NAME      the feature view whose batch source is read\n' +
    `${WINDOW_USAGE}\n` +
    '  --out FILE               .csv, .parquet or .arrow\n' +
    'Per join-key combination, the row with the latest event timestamp in the window; ties go to the latest\n' +
    'created timestamp, then to the smallest feature values. Columns: join keys, features, event_timestamp,\n' +
    'created_timestamp (when the source has one). An entityless view gives one row. Rows in no particular order.',
  run: (args, io) => runPull('latest', args, io),
};
