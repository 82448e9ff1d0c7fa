import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListTablesCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../command';
import { runCli } from '../run';

function io(cwd: string, controller: AbortController) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO = {
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    cwd,
    env: {},
    signal: controller.signal,
  };
  return { out, cli };
}

describe('fwb sandbox serve', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fwb-sandbox-serve-'));
    await writeFile(path.join(root, 'drivers.csv'), 'driver_id,rating\n1001,4.5\n');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('serves until the signal aborts, printing the endpoint and the variables to export', async () => {
    const controller = new AbortController();
    const { out, cli } = io(root, controller);
    const exit = runCli(['sandbox', 'serve', '--data', '.', '--bucket', 'stage'], cli);
    while (!out.stdout.includes('Press Ctrl+C')) {
      if (out.stderr) throw new Error(out.stderr);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const endpoint = /export AWS_ENDPOINT_URL_REDSHIFT_DATA=(\S+)/.exec(out.stdout)![1]!;
    expect(out.stdout).toContain(`export AWS_ENDPOINT_URL_S3=${endpoint}`);
    expect(out.stdout).toContain('tables:  public."drivers"');
    const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
    const data = new RedshiftDataClient({ endpoint, region: 'us-east-1', credentials });
    const s3 = new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
    try {
      const tables = await data.send(
        new ListTablesCommand({ ClusterIdentifier: 'c', Database: 'dev', SchemaPattern: 'public' }),
      );
      expect(tables.Tables).toEqual([{ schema: 'public', name: 'drivers', type: 'TABLE' }]);
      const buckets = await s3.send(new ListBucketsCommand({}));
      expect(buckets.Buckets!.map((b) => b.Name)).toEqual(['stage']);
    } finally {
      data.destroy();
      s3.destroy();
    }
    controller.abort();
    expect(await exit).toBe(0);
    expect(out.stdout).toContain('Sandbox stopped.');
  });

  it('rejects a port that is not a number, and reports a bad data folder', async () => {
    const bad = io(root, new AbortController());
    expect(await runCli(['sandbox', 'serve', '--port', 'eighty'], bad.cli)).toBe(2);
    expect(bad.out.stderr).toContain('--port must be a port number');
    await writeFile(path.join(root, 'broken.csv'), 'a,b\n1,"unterminated\n');
    const broken = io(root, new AbortController());
    expect(await runCli(['sandbox', 'serve', '--data', root], broken.cli)).toBe(1);
    expect(broken.out.stderr).toContain(`${path.join(root, 'broken.csv')}:2:3: unterminated quoted field`);
  });
});
