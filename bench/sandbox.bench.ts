/**
 * Sandbox figures: cold start (initdb + shims, image written to a fresh cache), warm start (prepared image),
 * a statement round trip through the SDK, and COPY / UNLOAD throughput for Parquet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Field, Float64, Int64, makeData, TimestampMicrosecond } from 'apache-arrow';
import { sandboxClientConfig, startSandbox } from '../core/sandbox/index';
import { parquetFrom, runStatement } from '../core/sandbox/testing';
import { defineBench } from './harness';

const ROWS = 100_000;
const ROLE = "IAM_ROLE 'arn:aws:iam::123456789012:role/bench'";

function entityParquet(rows: number): Uint8Array {
  const ids = new BigInt64Array(rows);
  const ts = new BigInt64Array(rows);
  const rates = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    ids[i] = 9_007_199_254_740_000n + BigInt(i);
    ts[i] = 1_618_224_000_000_000n + BigInt(i) * 1_000_000n;
    rates[i] = i / rows;
  }
  return parquetFrom(
    [
      new Field('driver_id', new Int64(), true),
      new Field('event_timestamp', new TimestampMicrosecond('UTC'), true),
      new Field('conv_rate', new Float64(), true),
    ],
    [
      makeData({ type: new Int64(), length: rows, nullCount: 0, data: ids }),
      makeData({ type: new TimestampMicrosecond('UTC'), length: rows, nullCount: 0, data: ts }),
      makeData({ type: new Float64(), length: rows, nullCount: 0, data: rates }),
    ],
  );
}

export default defineBench('sandbox', async (bench) => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'fwb-sandbox-bench-'));
  try {
    let coldRun = 0;
    await bench.measure('cold start + stop (initdb, image written)', { runs: 3, warmup: 0 }, async () => {
      const sandbox = await startSandbox({ imageCacheDir: join(cacheDir, `cold-${coldRun++}`) });
      await sandbox.stop();
    });
    const warmDir = join(cacheDir, 'warm');
    await (await startSandbox({ imageCacheDir: warmDir })).stop();
    await bench.measure('warm start + stop (prepared image)', { runs: 5, warmup: 1 }, async () => {
      const sandbox = await startSandbox({ imageCacheDir: warmDir });
      await sandbox.stop();
    });
    const started = performance.now();
    const timed = await startSandbox({ imageCacheDir: warmDir });
    const startMs = performance.now() - started;
    const stopStarted = performance.now();
    await timed.stop();
    bench.note(
      'one warm start, split',
      `start ${startMs.toFixed(0)} ms (worker boot ${timed.startup.timings.workerBootMs} ms, ` +
        `database open ${timed.startup.timings.openFromImageMs?.toFixed(0)} ms), stop ${(performance.now() - stopStarted).toFixed(0)} ms`,
    );

    const sandbox = await startSandbox({
      imageCacheDir: warmDir,
      buckets: ['bench'],
      unloadRowsPerFile: 1_000_000,
    });
    const config = sandboxClientConfig(sandbox);
    const client = new RedshiftDataClient(config.redshiftData);
    const s3 = new S3Client(config.s3);
    try {
      await bench.measure('ExecuteStatement + DescribeStatement polling (SELECT 1)', { runs: 20 }, () =>
        runStatement(client, 'SELECT 1'),
      );
      const parquet = entityParquet(ROWS);
      bench.note('COPY input', `${(parquet.length / 1e6).toFixed(1)} MB Parquet, ${ROWS} rows x 3 columns`);
      await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'entity.parquet', Body: parquet }));
      let table = 0;
      await bench.measure(
        'COPY ... FORMAT AS PARQUET',
        { runs: 3, rows: ROWS, bytes: parquet.length },
        async () => {
          const name = `entity_${table++}`;
          const described = await runStatement(
            client,
            `CREATE TABLE ${name} (driver_id BIGINT, event_timestamp TIMESTAMPTZ, conv_rate FLOAT8); ` +
              `COPY ${name} FROM 's3://bench/entity.parquet' ${ROLE} FORMAT AS PARQUET`,
          );
          if (described.Status !== 'FINISHED') throw new Error(described.Error);
        },
      );
      let prefix = 0;
      await bench.measure('UNLOAD ... FORMAT AS PARQUET', { runs: 3, rows: ROWS }, async () => {
        const described = await runStatement(
          client,
          `UNLOAD ('SELECT * FROM entity_0') TO 's3://bench/unload/${prefix++}/' ${ROLE} FORMAT AS PARQUET`,
        );
        if (described.Status !== 'FINISHED') throw new Error(described.Error);
      });
    } finally {
      client.destroy();
      s3.destroy();
      await sandbox.stop();
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
