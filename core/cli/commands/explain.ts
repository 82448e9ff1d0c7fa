import path from 'node:path';
import { isWorkbenchError } from '../../contract/errors';
import { formatPlanTree, formatPlanWarnings, parsePlan } from '../../jobs/explain-parse';
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
import { parseWindowOptions, WINDOW_USAGE } from './pull-shared';

/** Mistakes in what the user gave: exit code 2, as `fwb plan`. */
const BAD_INPUT = new Set(['ConfigInvalid', 'InputInvalid', 'NotFound', 'PlanInvalid']);

export const explainCommand: CliCommand = {
  path: ['explain'],
  summary: 'Show the query plan of a retrieval: operators, cost, rows, width and Redshift data movement',
  usage:
    'explain --repo DIR [--sandbox DATA_DIR] (--entities FILE.csv | --entity-sql SQL | --start ISO --end ISO)\n' +
    '         (--features REFS | --feature-service NAME) [--full-feature-names]\n' +
    '         [--filter-by-created-timestamp] [--sql] [--json]\n' +
    `${CONNECTION_USAGE}\n` +
    '  --entities FILE.csv      the entity frame: join keys and an event timestamp per row\n' +
    '  --entity-sql SQL         or an SQL query returning the entity rows\n' +
    '  --start ISO, --end ISO   or no entity frame: the entity rows of a date-range retrieval (as `fwb retrieve`)\n' +
    `${WINDOW_USAGE}\n` +
    '  --features REFS          comma-separated feature references view:feature\n' +
    '  --feature-service NAME   the features of a feature service instead\n' +
    '  --full-feature-names     name output columns view__feature\n' +
    '  --filter-by-created-timestamp  leave out rows created after the entity timestamp\n' +
    '  --sql                    also print the SQL that was explained\n' +
    '  --json                   print the parsed plan (tree, notes, warnings) as JSON\n' +
    'The entity frame is staged as for `fwb retrieve`, EXPLAIN runs on the point-in-time join, and the\n' +
    'staged objects are removed. Warnings: joins that redistribute or broadcast rows (DS_DIST_*, DS_BCAST_*),\n' +
    "nested-loop joins and Redshift's own notes. The sandbox plans with PostgreSQL (no data-movement markers).\n" +
    'Exit codes: 0 printed, 1 the operation failed, 2 bad usage or bad input.',
  async run(args, io) {
    const { values } = parseOptions(args, {
      ...CONNECTION_OPTIONS,
      entities: { type: 'string' },
      'entity-sql': { type: 'string' },
      features: { type: 'string' },
      'feature-service': { type: 'string' },
      'full-feature-names': { type: 'boolean' },
      'filter-by-created-timestamp': { type: 'boolean' },
      start: { type: 'string' },
      end: { type: 'string' },
      sql: { type: 'boolean' },
      json: { type: 'boolean' },
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
    const features = values.features === undefined ? undefined : parseFeatureRefs(values.features);
    try {
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
      try {
        const job = new RetrievalJob(session.warehouse, session.registry, entities, {
          ...(features ? { features } : { featureService: values['feature-service']! }),
          fullFeatureNames: values['full-feature-names'] ?? false,
          filterByCreatedTimestamp: values['filter-by-created-timestamp'] ?? false,
        });
        const { plan, lines } = await job.explain({
          signal: io.signal,
          onProgress: printer.listener,
          ...(session.timeoutMs ? { timeoutMs: session.timeoutMs } : {}),
        });
        printer.stop();
        for (const warning of plan.warnings) io.stderr(`warning: ${warning}\n`);
        const parsed = parsePlan(lines);
        if (values.json) {
          io.stdout(`${JSON.stringify(values.sql ? { ...parsed, sql: plan.sql } : parsed, null, 2)}\n`);
          return 0;
        }
        const engine =
          parsed.dialect === 'postgresql'
            ? session.sandbox
              ? "PostgreSQL, from the sandbox: Redshift's data-movement markers appear only on Redshift"
              : 'PostgreSQL'
            : parsed.dialect === 'redshift'
              ? 'Redshift'
              : 'not recognised; printed as returned';
        const out = [
          `Query plan (${engine}):`,
          ...(parsed.dialect === 'unknown' ? lines : formatPlanTree(parsed)),
          '',
          ...formatPlanWarnings(parsed),
          ...(values.sql ? ['', 'SQL explained:', plan.split ? plan.sql : `${plan.sql};`] : []),
        ];
        io.stdout(`${out.join('\n')}\n`);
        return 0;
      } finally {
        printer.stop();
        await session.close();
      }
    } catch (error) {
      if (isWorkbenchError(error) && BAD_INPUT.has(error.detail.kind)) {
        if (error.detail.kind === 'ConfigInvalid') {
          for (const p of error.detail.problems) io.stderr(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
        } else {
          io.stderr(`fwb explain: ${error.message}\n`);
        }
        return 2;
      }
      throw error;
    }
  },
};
