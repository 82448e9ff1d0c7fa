import path from 'node:path';
import { sandboxEnvironment, startSandbox } from '../../sandbox/index';
import { UsageError, type CliCommand } from '../command';
import { parseOptions } from '../run';

export const sandboxServeCommand: CliCommand = {
  path: ['sandbox', 'serve'],
  summary: 'Run the local Redshift stand-in (Data API + S3 on 127.0.0.1) until Ctrl+C',
  usage:
    'sandbox serve [--data DIR] [--bucket NAME]... [--port N] [--database NAME]... [--verbose]\n' +
    '  --data DIR       every .csv and .parquet file in DIR becomes table public.<file name>\n' +
    '  --bucket NAME    an S3 bucket that exists from the start (repeatable), e.g. the staging bucket\n' +
    '  --port N         port on 127.0.0.1 (default: a free port)\n' +
    '  --database NAME  a database that exists (repeatable; default: any name is accepted)\n' +
    '  --verbose        log requests the sandbox could not serve, and start-up timings\n' +
    'Prints the endpoint and the environment variables that point AWS SDKs at it.\n' +
    'Exit codes: 0 stopped with Ctrl+C, 1 the data folder could not be loaded, 2 bad usage.',
  async run(args, io) {
    const { values } = parseOptions(args, {
      data: { type: 'string' },
      bucket: { type: 'string', multiple: true },
      port: { type: 'string' },
      database: { type: 'string', multiple: true },
      verbose: { type: 'boolean' },
    });
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be a port number, got "${values.port}"`);
    }
    const log = values.verbose ? (line: string) => io.stderr(`${line}\n`) : undefined;
    let sandbox;
    try {
      sandbox = await startSandbox({
        dataDir: values.data === undefined ? undefined : path.resolve(io.cwd, values.data),
        buckets: values.bucket,
        port,
        databases: values.database,
        log,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new UsageError(`--port ${port}: the port is already in use`);
      throw error;
    }
    try {
      const env = sandboxEnvironment(sandbox);
      const buckets = sandbox.store.listBuckets().map((b) => b.name);
      io.stdout(
        `Sandbox running on ${sandbox.dataApiEndpoint} (Redshift Data API and S3)\n` +
          `  tables:  ${sandbox.tables.join(', ') || '(none)'}\n` +
          `  buckets: ${buckets.join(', ') || '(none)'}\n` +
          `  start:   ${sandbox.startup.fromCache ? 'prepared database image' : 'new database image (cached for next time)'}\n\n` +
          'Point AWS SDKs and the AWS CLI at it:\n' +
          Object.entries(env)
            .map(([name, value]) => `  export ${name}=${value}\n`)
            .join('') +
          'S3 is path-style (http://127.0.0.1:PORT/BUCKET/KEY); the AWS SDK picks that for an IP endpoint.\n\n' +
          'Press Ctrl+C to stop.\n',
      );
      if (values.verbose) io.stderr(`start-up timings: ${JSON.stringify(sandbox.startup.timings)}\n`);
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      io.stdout('Stopping the sandbox...\n');
    } finally {
      await sandbox.stop();
    }
    io.stdout('Sandbox stopped.\n');
    return 0;
  },
};
