/**
 * Opening PGlite fast: initdb takes seconds, so the first start builds a database image (initdb plus the
 * Redshift shims below), dumps it with dumpDataDir() and caches the tarball, keyed by the PGlite version and
 * the shim SQL. Later starts load the tarball instead of running initdb.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * Functions and types Redshift has and PostgreSQL lacks, created in pg_catalog so that every search_path
 * finds them and no user schema shows them.
 */
export const SHIM_SQL = String.raw`
CREATE DOMAIN pg_catalog.super AS jsonb;
CREATE FUNCTION pg_catalog.getdate() RETURNS timestamp LANGUAGE sql STABLE
  AS $$ SELECT date_trunc('second', statement_timestamp() AT TIME ZONE 'UTC') $$;
CREATE FUNCTION pg_catalog.nvl(VARIADIC anycompatiblearray) RETURNS anycompatible LANGUAGE sql IMMUTABLE
  AS $$ SELECT v FROM unnest($1) AS v WHERE v IS NOT NULL LIMIT 1 $$;
CREATE FUNCTION pg_catalog.nvl2(anyelement, anycompatible, anycompatible) RETURNS anycompatible LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE WHEN $1 IS NOT NULL THEN $2 ELSE $3 END $$;
CREATE FUNCTION pg_catalog.len(text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT length($1) $$;
CREATE FUNCTION pg_catalog.charindex(text, text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT strpos($2, $1) $$;
CREATE FUNCTION pg_catalog.json_parse(text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT $1::jsonb $$;
CREATE FUNCTION pg_catalog.json_extract_path_text(text, VARIADIC text[]) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT json_extract_path_text($1::json, VARIADIC $2) $$;
CREATE FUNCTION pg_catalog.add_months(timestamp, bigint) RETURNS timestamp LANGUAGE sql IMMUTABLE
  AS $$ SELECT $1 + $2 * interval '1 month' $$;
CREATE FUNCTION pg_catalog.trunc(timestamp) RETURNS date LANGUAGE sql IMMUTABLE AS $$ SELECT $1::date $$;
CREATE FUNCTION pg_catalog.fwb_datepart(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  CASE lower($1)
    WHEN 'millennium', 'millennia', 'mil', 'mils' THEN RETURN 'millennium';
    WHEN 'century', 'centuries', 'c', 'cent', 'cents' THEN RETURN 'century';
    WHEN 'decade', 'decades', 'dec', 'decs' THEN RETURN 'decade';
    WHEN 'year', 'years', 'y', 'yr', 'yrs' THEN RETURN 'year';
    WHEN 'quarter', 'quarters', 'qtr', 'qtrs' THEN RETURN 'quarter';
    WHEN 'month', 'months', 'mon', 'mons' THEN RETURN 'month';
    WHEN 'week', 'weeks', 'w' THEN RETURN 'week';
    WHEN 'day', 'days', 'd' THEN RETURN 'day';
    WHEN 'hour', 'hours', 'h', 'hr', 'hrs' THEN RETURN 'hour';
    WHEN 'minute', 'minutes', 'm', 'min', 'mins' THEN RETURN 'minute';
    WHEN 'second', 'seconds', 's', 'sec', 'secs' THEN RETURN 'second';
    WHEN 'millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'msecond', 'mseconds', 'millisec', 'millisecs', 'millisecon' THEN RETURN 'millisecond';
    WHEN 'microsecond', 'microseconds', 'microsec', 'microsecs', 'usecond', 'useconds', 'us', 'usec', 'usecs' THEN RETURN 'microsecond';
    ELSE RAISE EXCEPTION '% is not a supported date part', $1;
  END CASE;
END $$;
CREATE FUNCTION pg_catalog.fwb_datepart_interval(text) RETURNS interval LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE fwb_datepart($1)
    WHEN 'millennium' THEN interval '1000 years' WHEN 'century' THEN interval '100 years'
    WHEN 'decade' THEN interval '10 years' WHEN 'year' THEN interval '1 year'
    WHEN 'quarter' THEN interval '3 months' WHEN 'month' THEN interval '1 month'
    WHEN 'week' THEN interval '7 days' WHEN 'day' THEN interval '1 day'
    WHEN 'hour' THEN interval '1 hour' WHEN 'minute' THEN interval '1 minute'
    WHEN 'second' THEN interval '1 second' WHEN 'millisecond' THEN interval '1 millisecond'
    ELSE interval '1 microsecond' END $$;
CREATE FUNCTION pg_catalog.dateadd(text, bigint, timestamp) RETURNS timestamp LANGUAGE sql IMMUTABLE
  AS $$ SELECT $3 + $2 * fwb_datepart_interval($1) $$;
CREATE FUNCTION pg_catalog.dateadd(text, bigint, timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE
  AS $$ SELECT $3 + $2 * fwb_datepart_interval($1) $$;
CREATE FUNCTION pg_catalog.dateadd(text, bigint, date) RETURNS timestamp LANGUAGE sql IMMUTABLE
  AS $$ SELECT $3::timestamp + $2 * fwb_datepart_interval($1) $$;
CREATE FUNCTION pg_catalog.datediff(text, timestamp, timestamp) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE part text := fwb_datepart($1);
BEGIN
  -- Redshift counts the date-part boundaries crossed between the two values.
  CASE part
    WHEN 'millennium', 'century', 'decade', 'year' THEN
      RETURN floor(extract(year FROM $3) / CASE part WHEN 'millennium' THEN 1000 WHEN 'century' THEN 100 WHEN 'decade' THEN 10 ELSE 1 END)
           - floor(extract(year FROM $2) / CASE part WHEN 'millennium' THEN 1000 WHEN 'century' THEN 100 WHEN 'decade' THEN 10 ELSE 1 END);
    WHEN 'quarter' THEN
      RETURN (extract(year FROM $3) * 4 + extract(quarter FROM $3)) - (extract(year FROM $2) * 4 + extract(quarter FROM $2));
    WHEN 'month' THEN
      RETURN (extract(year FROM $3) * 12 + extract(month FROM $3)) - (extract(year FROM $2) * 12 + extract(month FROM $2));
    WHEN 'week' THEN
      RETURN (date_trunc('week', $3)::date - date_trunc('week', $2)::date) / 7;
    WHEN 'day' THEN
      RETURN $3::date - $2::date;
    ELSE
      RETURN floor(extract(epoch FROM date_trunc(CASE part WHEN 'microsecond' THEN 'microseconds' WHEN 'millisecond' THEN 'milliseconds' ELSE part END, $3))
                   * CASE part WHEN 'hour' THEN 1.0 / 3600 WHEN 'minute' THEN 1.0 / 60 WHEN 'second' THEN 1 WHEN 'millisecond' THEN 1000 ELSE 1000000 END)
           - floor(extract(epoch FROM date_trunc(CASE part WHEN 'microsecond' THEN 'microseconds' WHEN 'millisecond' THEN 'milliseconds' ELSE part END, $2))
                   * CASE part WHEN 'hour' THEN 1.0 / 3600 WHEN 'minute' THEN 1.0 / 60 WHEN 'second' THEN 1 WHEN 'millisecond' THEN 1000 ELSE 1000000 END);
  END CASE;
END $$;
CREATE FUNCTION pg_catalog.datediff(text, timestamptz, timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE
  AS $$ SELECT datediff($1, $2 AT TIME ZONE 'UTC', $3 AT TIME ZONE 'UTC') $$;
CREATE FUNCTION pg_catalog.datediff(text, date, date) RETURNS bigint LANGUAGE sql IMMUTABLE
  AS $$ SELECT datediff($1, $2::timestamp, $3::timestamp) $$;
`;

/** Settings every connection gets: Redshift's literal rules and UTC. */
export const SESSION_SQL = [
  'SET standard_conforming_strings = off',
  'SET escape_string_warning = off',
  "SET TimeZone = 'UTC'",
  "SET DateStyle = 'ISO, MDY'",
  "SET IntervalStyle = 'postgres'",
  'SET search_path = public',
];

/** PGlite's package directory (its exports map does not expose package.json). */
function pgliteDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@electric-sql/pglite')), '..');
}

function pgliteVersion(): string {
  const manifest = JSON.parse(readFileSync(join(pgliteDir(), 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** node_modules/.cache/fwb-sandbox next to the installed PGlite, or the OS temp dir when that is not writable. */
export function defaultImageCacheDir(): string {
  try {
    // <project>/node_modules/@electric-sql/pglite -> <project>/node_modules/.cache/fwb-sandbox
    return join(pgliteDir(), '..', '..', '.cache', 'fwb-sandbox');
  } catch {
    return join(tmpdir(), 'fwb-sandbox');
  }
}

/**
 * Smaller images load faster: 1 MB WAL segments instead of 16, and no template databases (the sandbox never
 * creates databases). 40 MB -> 16 MB of files to unpack, about half the load time.
 */
const INITDB_PARAMS = ['--wal-segsize=1'];
const TRIM_SQL = `
UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1');
DROP DATABASE template0;
DROP DATABASE template1;
`;

export function imageFileName(): string {
  const recipe = [SHIM_SQL, INITDB_PARAMS.join(' '), TRIM_SQL].join('\n');
  const hash = createHash('sha256').update(recipe).digest('hex').slice(0, 12);
  return `pglite-${pgliteVersion()}-${hash}.tar.gz`;
}

/**
 * PostgreSQL's default 128 MB of shared buffers costs about half a second to set up in WebAssembly; the data
 * lives in memory anyway, so a smaller buffer pool loses little and starts faster.
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

export interface OpenedDatabase {
  pg: PGlite;
  /** Whether the image came from the cache (warm) or was built now (cold). */
  fromCache: boolean;
  imagePath: string;
}

export async function openDatabase(cacheDir: string, log: (line: string) => void): Promise<OpenedDatabase> {
  const imagePath = join(cacheDir, imageFileName());
  let image: Buffer | undefined;
  try {
    image = readFileSync(imagePath);
  } catch {
    image = undefined;
  }
  if (image) {
    try {
      const pg = await PGlite.create({
        loadDataDir: new Blob([new Uint8Array(image)]),
        startParams: START_PARAMS,
      });
      return { pg, fromCache: true, imagePath };
    } catch (error) {
      log(
        `sandbox: the cached database image ${imagePath} could not be loaded (${String(error)}); rebuilding it`,
      );
      rmSync(imagePath, { force: true });
    }
  }
  const pg = await PGlite.create({ startParams: START_PARAMS, initDbStartParams: INITDB_PARAMS });
  for (const statement of TRIM_SQL.split(';').filter((s) => s.trim() !== '')) await pg.exec(statement);
  await pg.exec(SHIM_SQL);
  await pg.exec('CHECKPOINT');
  const dump = await pg.dumpDataDir('gzip');
  try {
    mkdirSync(cacheDir, { recursive: true });
    // Write then rename, so a concurrent start never reads half a file.
    const partial = `${imagePath}.${process.pid}.${Date.now()}.partial`;
    writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
    renameSync(partial, imagePath);
    // Images of other PGlite versions or shim recipes are stale.
    for (const file of readdirSync(cacheDir)) {
      if (/^pglite-.*\.tar\.gz$/.test(file) && join(cacheDir, file) !== imagePath)
        rmSync(join(cacheDir, file), { force: true });
    }
  } catch (error) {
    log(`sandbox: could not cache the database image in ${cacheDir}: ${String(error)}`);
  }
  return { pg, fromCache: false, imagePath };
}
