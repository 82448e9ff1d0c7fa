import path from 'node:path';
import { WorkbenchError } from '../../contract/errors';
import { writeTableToFile } from '../../frames/write';
import { parseTimeWindow, type TimeWindow } from '../../jobs/date-range';
import { PullJob, type PullMode } from '../../jobs/pull';
import type { TableName } from '../../plan/types';
import { UsageError, type CliIO } from '../command';
import { parseOptions } from '../run';
import { CONNECTION_OPTIONS, openSession, progressPrinter } from '../session';

/** `--start` / `--end` as a window; a date that does not parse, or a start after the end, is a usage error. */
export function parseWindowOptions(values: { start?: string; end?: string }): TimeWindow {
  try {
    return parseTimeWindow({
      ...(values.start !== undefined ? { start: values.start } : {}),
      ...(values.end !== undefined ? { end: values.end } : {}),
    });
  } catch (error) {
    if (error instanceof WorkbenchError && error.detail.kind === 'PlanInvalid') {
      throw new UsageError(error.detail.reason.replace(/^The (start|end)/, '--$1'));
    }
    throw error;
  }
}

/** `schema.table` or `table` (schema public, as Feast's Redshift storage). */
export function parseTableName(text: string): TableName {
  const parts = text.split('.');
  if (parts.length > 2 || parts.some((part) => part.trim() === '')) {
    throw new UsageError(`--table ${text} is not a table name; write TABLE or SCHEMA.TABLE`);
  }
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: 'public', name: parts[0]! };
}

export const WINDOW_USAGE =
  '  --start ISO              first event time, inclusive (2026-01-07 or 2026-01-07T06:00:00Z;\n' +
  '                           without an offset it is UTC, a date alone is midnight)\n' +
  '  --end ISO                last event time, inclusive (same forms)';

/** The body of `fwb pull-latest` and `fwb pull-all`. */
export async function runPull(mode: PullMode, args: string[], io: CliIO): Promise<number> {
  const { values } = parseOptions(args, {
    ...CONNECTION_OPTIONS,
    'feature-view': { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    out: { type: 'string' },
  });
  if (!values['feature-view']) throw new UsageError('--feature-view is required');
  if (!values.out) throw new UsageError('--out is required');
  if (mode === 'latest' && (values.start === undefined || values.end === undefined)) {
    throw new UsageError('--start and --end are both required');
  }
  parseWindowOptions(values);
  const out = path.resolve(io.cwd, values.out);
  const session = await openSession(values, io);
  const printer = progressPrinter(io);
  const started = Date.now();
  try {
    const job = new PullJob(session.warehouse, session.registry, mode, {
      featureView: values['feature-view'],
      ...(values.start !== undefined ? { start: values.start } : {}),
      ...(values.end !== undefined ? { end: values.end } : {}),
    });
    for (const warning of job.plan().warnings) io.stderr(`warning: ${warning}\n`);
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
}
