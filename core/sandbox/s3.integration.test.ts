/** The S3 stand-in through the real @aws-sdk/client-s3 client (default checksum settings). */
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Etag } from './s3-store';
import { sandboxClientConfig, startSandbox, type Sandbox } from './index';
import { getBytes } from './testing';

let sandbox: Sandbox;
let s3: S3Client;
let scratch: string;

beforeAll(async () => {
  sandbox = await startSandbox({ buckets: ['stage'] });
  s3 = new S3Client({ ...sandboxClientConfig(sandbox).s3, maxAttempts: 1 });
  scratch = mkdtempSync(join(tmpdir(), 'fwb-s3-test-'));
});

afterAll(async () => {
  s3?.destroy();
  await sandbox?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function fails(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error('expected the call to fail');
}

describe('buckets', () => {
  it('has the configured buckets from the start and creates others on request', async () => {
    await s3.send(new HeadBucketCommand({ Bucket: 'stage' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'created-later' }));
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets!.map((b) => b.Name)).toEqual(expect.arrayContaining(['stage', 'created-later']));
    expect(listed.Buckets![0]!.CreationDate).toBeInstanceOf(Date);
    const again = await fails(s3.send(new CreateBucketCommand({ Bucket: 'stage' })));
    expect(again.name).toBe('BucketAlreadyOwnedByYou');
    expect(again.$metadata.httpStatusCode).toBe(409);
  });

  it('answers NoSuchBucket for a bucket that was never created', async () => {
    const put = await fails(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' })));
    expect(put.name).toBe('NoSuchBucket');
    const head = await fails(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })));
    expect(head.name).toBe('NotFound');
    expect(head.$metadata.httpStatusCode).toBe(404);
  });
});

describe('objects', () => {
  it('round-trips a Buffer body byte for byte, with ETag, type and metadata', async () => {
    const body = randomBytes(300_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'stage',
        Key: 'dir/blob.bin',
        Body: body,
        ContentType: 'application/x-test',
        Metadata: { origin: 'unit' },
      }),
    );
    expect(put.ETag).toBe(md5Etag(body));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'stage', Key: 'dir/blob.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got.ContentType).toBe('application/x-test');
    expect(got.Metadata).toEqual({ origin: 'unit' });
    expect(got.ContentLength).toBe(body.length);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'stage', Key: 'dir/blob.bin' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.LastModified).toEqual(sandbox.store.getObject('stage', 'dir/blob.bin')!.lastModified);
  });

  it('decodes the aws-chunked framing of streamed bodies (file stream and Readable)', async () => {
    const body = randomBytes(200_003);
    const path = join(scratch, 'stream.bin');
    writeFileSync(path, body);
    await s3.send(
      new PutObjectCommand({ Bucket: 'stage', Key: 'stream/file.bin', Body: createReadStream(path) }),
    );
    expect(sandbox.store.getObject('stage', 'stream/file.bin')!.body.equals(body)).toBe(true);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'stage',
        Key: 'stream/readable.bin',
        Body: Readable.from([body]),
        ContentLength: body.length,
      }),
    );
    expect(Buffer.from(await getBytes(s3, 'stage', 'stream/readable.bin')).equals(body)).toBe(true);
  });

  it('serves byte ranges', async () => {
    sandbox.store.putObject('stage', 'range.txt', '0123456789');
    const middle = await s3.send(
      new GetObjectCommand({ Bucket: 'stage', Key: 'range.txt', Range: 'bytes=2-5' }),
    );
    expect(await middle.Body!.transformToString()).toBe('2345');
    expect(middle.ContentRange).toBe('bytes 2-5/10');
    const tail = await s3.send(
      new GetObjectCommand({ Bucket: 'stage', Key: 'range.txt', Range: 'bytes=-3' }),
    );
    expect(await tail.Body!.transformToString()).toBe('789');
    const outside = await fails(
      s3.send(new GetObjectCommand({ Bucket: 'stage', Key: 'range.txt', Range: 'bytes=20-30' })),
    );
    expect(outside.name).toBe('InvalidRange');
  });

  it('reports NoSuchKey and NotFound for missing keys', async () => {
    expect((await fails(s3.send(new GetObjectCommand({ Bucket: 'stage', Key: 'missing' })))).name).toBe(
      'NoSuchKey',
    );
    expect((await fails(s3.send(new HeadObjectCommand({ Bucket: 'stage', Key: 'missing' })))).name).toBe(
      'NotFound',
    );
  });

  it('refuses a conditional put over an existing key', async () => {
    sandbox.store.putObject('stage', 'once.txt', 'first');
    const error = await fails(
      s3.send(new PutObjectCommand({ Bucket: 'stage', Key: 'once.txt', Body: 'x', IfNoneMatch: '*' })),
    );
    expect(error.$metadata.httpStatusCode).toBe(412);
    expect(sandbox.store.getObject('stage', 'once.txt')!.body.toString()).toBe('first');
  });

  it('copies objects and deletes one or many', async () => {
    sandbox.store.putObject('stage', 'copy/src.txt', 'payload', { contentType: 'text/plain' });
    await s3.send(
      new CopyObjectCommand({ Bucket: 'stage', Key: 'copy/dst.txt', CopySource: 'stage/copy/src.txt' }),
    );
    expect(sandbox.store.getObject('stage', 'copy/dst.txt')!.body.toString()).toBe('payload');
    await s3.send(new DeleteObjectCommand({ Bucket: 'stage', Key: 'copy/src.txt' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'stage', Key: 'copy/never-existed' }));
    for (const key of ['del/a', 'del/b', 'del/c']) sandbox.store.putObject('stage', key, key);
    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'stage',
        Delete: { Objects: [{ Key: 'del/a' }, { Key: 'del/c' }] },
      }),
    );
    expect(deleted.Deleted!.map((d) => d.Key)).toEqual(['del/a', 'del/c']);
    expect(sandbox.store.listKeys('stage', 'del/')).toEqual(['del/b']);
    expect(sandbox.store.listKeys('stage', 'copy/')).toEqual(['copy/dst.txt']);
  });
});

describe('ListObjectsV2', () => {
  it('pages with continuation tokens and groups by delimiter', async () => {
    for (let i = 0; i < 25; i++)
      sandbox.store.putObject('stage', `list/file-${String(i).padStart(2, '0')}`, `${i}`);
    for (const key of ['list/sub1/x', 'list/sub1/y', 'list/sub2/z'])
      sandbox.store.putObject('stage', key, key);
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'stage', Prefix: 'list/', MaxKeys: 10 }));
    expect(first.KeyCount).toBe(10);
    expect(first.IsTruncated).toBe(true);
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 10 },
      { Bucket: 'stage', Prefix: 'list/' },
    )) {
      pages++;
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    }
    expect(pages).toBe(3);
    expect(keys).toHaveLength(28);
    expect(keys).toEqual([...keys].sort());
    const grouped = await s3.send(
      new ListObjectsV2Command({ Bucket: 'stage', Prefix: 'list/', Delimiter: '/', MaxKeys: 26 }),
    );
    expect(grouped.Contents).toHaveLength(25);
    expect(grouped.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['list/sub1/']);
    const rest = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'stage',
        Prefix: 'list/',
        Delimiter: '/',
        ContinuationToken: grouped.NextContinuationToken,
      }),
    );
    expect(rest.Contents ?? []).toEqual([]);
    expect(rest.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['list/sub2/']);
    expect(rest.IsTruncated).toBe(false);
  });

  it('shows the real LastModified of each object', async () => {
    const old = new Date('2020-05-01T00:00:00.000Z');
    sandbox.store.putObject('stage', 'aged/old', 'x', { lastModified: old });
    await s3.send(new PutObjectCommand({ Bucket: 'stage', Key: 'aged/new', Body: 'y' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'stage', Prefix: 'aged/' }));
    const byKey = new Map(listed.Contents!.map((o) => [o.Key, o.LastModified!]));
    expect(byKey.get('aged/old')).toEqual(old);
    expect(byKey.get('aged/new')!.getTime()).toBe(
      sandbox.store.getObject('stage', 'aged/new')!.lastModified.getTime(),
    );
  });
});

describe('multipart upload', () => {
  it('assembles parts into one object with a multipart ETag', async () => {
    const part1 = randomBytes(5 * 1024 * 1024);
    const part2 = randomBytes(1234);
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'stage', Key: 'mp/big.bin' }),
    );
    const one = await s3.send(
      new UploadPartCommand({ Bucket: 'stage', Key: 'mp/big.bin', UploadId, PartNumber: 1, Body: part1 }),
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: 'stage', Key: 'mp/big.bin', UploadId, PartNumber: 2, Body: part2 }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'stage',
        Key: 'mp/big.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: one.ETag },
            { PartNumber: 2, ETag: two.ETag },
          ],
        },
      }),
    );
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(Buffer.from(await getBytes(s3, 'stage', 'mp/big.bin')).equals(Buffer.concat([part1, part2]))).toBe(
      true,
    );
  });

  it('refuses small middle parts and aborted uploads', async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'stage', Key: 'mp/small.bin' }),
    );
    const one = await s3.send(
      new UploadPartCommand({ Bucket: 'stage', Key: 'mp/small.bin', UploadId, PartNumber: 1, Body: 'tiny' }),
    );
    const two = await s3.send(
      new UploadPartCommand({ Bucket: 'stage', Key: 'mp/small.bin', UploadId, PartNumber: 2, Body: 'end' }),
    );
    const tooSmall = await fails(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'stage',
          Key: 'mp/small.bin',
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: one.ETag },
              { PartNumber: 2, ETag: two.ETag },
            ],
          },
        }),
      ),
    );
    expect(tooSmall.name).toBe('EntityTooSmall');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'stage', Key: 'mp/small.bin', UploadId }));
    const aborted = await fails(
      s3.send(
        new UploadPartCommand({ Bucket: 'stage', Key: 'mp/small.bin', UploadId, PartNumber: 3, Body: 'x' }),
      ),
    );
    expect(aborted.name).toBe('NoSuchUpload');
    expect(sandbox.store.getObject('stage', 'mp/small.bin')).toBeUndefined();
  });
});
