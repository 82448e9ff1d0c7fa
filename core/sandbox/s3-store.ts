/**
 * The S3 stand-in's state: buckets and objects in memory. The HTTP front end (s3-server.ts), the SQL worker
 * (COPY reads, UNLOAD writes) and tests all go through this class, so they see the same objects.
 */
import { createHash, randomUUID } from 'node:crypto';

/** An S3 error with its REST error code and HTTP status, e.g. NoSuchKey / 404. */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly resource?: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface StoredObject {
  bucket: string;
  key: string;
  body: Buffer;
  /** Quoted, as S3 sends it: `"<md5 hex>"`, or `"<md5 of part md5s>-<parts>"` after a multipart upload. */
  etag: string;
  lastModified: Date;
  contentType: string;
  /** User metadata (x-amz-meta-*), keys in lower case. */
  metadata: Record<string, string>;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** Backdate the object (tests of age-based cleanup); defaults to now. */
  lastModified?: Date;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  /** At most this many keys plus common prefixes (S3 caps it at 1000). */
  maxKeys?: number;
  /** List only keys that sort after this one (StartAfter, or a continuation after a key). */
  after?: string;
  /** Skip every key under this common prefix (a continuation after a common prefix). */
  afterPrefix?: string;
}

export interface ListPage {
  objects: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned, to continue from when truncated. */
  last?: { item: string; isPrefix: boolean };
}

interface Bucket {
  name: string;
  created: Date;
  objects: Map<string, StoredObject>;
}

interface Upload {
  id: string;
  bucket: string;
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  initiated: Date;
  parts: Map<number, { body: Buffer; etag: string }>;
}

/** S3's minimum size for every part of a multipart upload except the last. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

export class S3Store {
  private readonly buckets = new Map<string, Bucket>();
  private readonly uploads = new Map<string, Upload>();

  createBucket(name: string): void {
    if (!BUCKET_NAME.test(name) || name.includes('..'))
      throw new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.', name);
    if (this.buckets.has(name))
      throw new S3Error(
        'BucketAlreadyOwnedByYou',
        409,
        'Your previous request to create the named bucket succeeded and you already own it.',
        name,
      );
    this.buckets.set(name, { name, created: new Date(), objects: new Map() });
  }

  hasBucket(name: string): boolean {
    return this.buckets.has(name);
  }

  deleteBucket(name: string): void {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0)
      throw new S3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', name);
    this.buckets.delete(name);
  }

  listBuckets(): { name: string; created: Date }[] {
    return [...this.buckets.values()]
      .map((b) => ({ name: b.name, created: b.created }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  putObject(bucket: string, key: string, body: Uint8Array | string, options: PutOptions = {}): StoredObject {
    const target = this.bucket(bucket);
    validateKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    const object: StoredObject = {
      bucket,
      key,
      body: bytes,
      etag: md5Etag(bytes),
      // S3 keeps LastModified to the second.
      lastModified: options.lastModified ?? new Date(Math.floor(Date.now() / 1000) * 1000),
      contentType: options.contentType ?? 'application/octet-stream',
      metadata: { ...(options.metadata ?? {}) },
    };
    target.objects.set(key, object);
    return object;
  }

  /** The object, or undefined when the key does not exist; throws NoSuchBucket for an unknown bucket. */
  getObject(bucket: string, key: string): StoredObject | undefined {
    return this.bucket(bucket).objects.get(key);
  }

  /** The object or a NoSuchKey error. */
  requireObject(bucket: string, key: string): StoredObject {
    const object = this.getObject(bucket, key);
    if (!object) throw new S3Error('NoSuchKey', 404, 'The specified key does not exist.', key);
    return object;
  }

  /** Deletes a key; deleting a missing key is not an error (as in S3). Returns whether it existed. */
  deleteObject(bucket: string, key: string): boolean {
    return this.bucket(bucket).objects.delete(key);
  }

  /** Every key under a prefix, sorted. */
  listKeys(bucket: string, prefix = ''): string[] {
    return [...this.bucket(bucket).objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
  }

  /** One page of a listing, the way ListObjectsV2 pages: keys in order, grouped by delimiter. */
  list(bucket: string, options: ListOptions = {}): ListPage {
    const prefix = options.prefix ?? '';
    const delimiter = options.delimiter || undefined;
    const maxKeys = Math.max(0, Math.min(options.maxKeys ?? 1000, 1000));
    const objects: StoredObject[] = [];
    const commonPrefixes: string[] = [];
    let last: ListPage['last'];
    let isTruncated = false;
    const objectsByKey = this.bucket(bucket).objects;
    for (const key of this.listKeys(bucket, prefix)) {
      if (options.after !== undefined && compareKeys(key, options.after) <= 0) continue;
      if (options.afterPrefix !== undefined && key.startsWith(options.afterPrefix)) continue;
      let item = key;
      let isPrefix = false;
      if (delimiter !== undefined) {
        const at = key.indexOf(delimiter, prefix.length);
        if (at >= 0) {
          item = key.slice(0, at + delimiter.length);
          isPrefix = true;
          if (last?.isPrefix && last.item === item) continue;
        }
      }
      if (objects.length + commonPrefixes.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if (isPrefix) commonPrefixes.push(item);
      else objects.push(objectsByKey.get(key)!);
      last = { item, isPrefix };
    }
    return { objects, commonPrefixes, isTruncated, last };
  }

  copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    replace?: PutOptions,
  ): StoredObject {
    const from = this.requireObject(source.bucket, source.key);
    return this.putObject(target.bucket, target.key, from.body, {
      contentType: replace ? replace.contentType : from.contentType,
      metadata: replace ? replace.metadata : from.metadata,
    });
  }

  createUpload(bucket: string, key: string, options: PutOptions = {}): string {
    this.bucket(bucket);
    validateKey(key);
    const id = randomUUID().replaceAll('-', '');
    this.uploads.set(id, {
      id,
      bucket,
      key,
      contentType: options.contentType ?? 'application/octet-stream',
      metadata: { ...(options.metadata ?? {}) },
      initiated: new Date(),
      parts: new Map(),
    });
    return id;
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Buffer): string {
    const upload = this.upload(bucket, key, uploadId);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000)
      throw new S3Error(
        'InvalidArgument',
        400,
        'Part number must be an integer between 1 and 10000, inclusive',
        `${partNumber}`,
      );
    const etag = md5Etag(body);
    upload.parts.set(partNumber, { body, etag });
    return etag;
  }

  completeUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ): StoredObject {
    const upload = this.upload(bucket, key, uploadId);
    if (parts.length === 0)
      throw new S3Error(
        'MalformedXML',
        400,
        'The XML you provided was not well-formed or did not validate against our published schema.',
      );
    const bodies: Buffer[] = [];
    const digests: Buffer[] = [];
    let previous = 0;
    parts.forEach((part, index) => {
      if (part.partNumber <= previous)
        throw new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order.');
      previous = part.partNumber;
      const stored = upload.parts.get(part.partNumber);
      if (!stored || normalizeEtag(stored.etag) !== normalizeEtag(part.etag))
        throw new S3Error(
          'InvalidPart',
          400,
          "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        );
      if (index < parts.length - 1 && stored.body.length < MIN_PART_SIZE)
        throw new S3Error(
          'EntityTooSmall',
          400,
          'Your proposed upload is smaller than the minimum allowed size',
        );
      bodies.push(stored.body);
      digests.push(Buffer.from(normalizeEtag(stored.etag), 'hex'));
    });
    const object = this.putObject(bucket, key, Buffer.concat(bodies), {
      contentType: upload.contentType,
      metadata: upload.metadata,
    });
    object.etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
    this.uploads.delete(uploadId);
    return object;
  }

  abortUpload(bucket: string, key: string, uploadId: string): void {
    this.upload(bucket, key, uploadId);
    this.uploads.delete(uploadId);
  }

  /** Multipart uploads not yet completed or aborted (a janitor's concern). */
  listUploads(bucket: string): { key: string; uploadId: string; initiated: Date }[] {
    this.bucket(bucket);
    return [...this.uploads.values()]
      .filter((u) => u.bucket === bucket)
      .map((u) => ({ key: u.key, uploadId: u.id, initiated: u.initiated }));
  }

  private bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', name);
    return bucket;
  }

  private upload(bucket: string, key: string, uploadId: string): Upload {
    this.bucket(bucket);
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key)
      throw new S3Error(
        'NoSuchUpload',
        404,
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        uploadId,
      );
    return upload;
  }
}

function normalizeEtag(etag: string): string {
  return etag.replaceAll('"', '').toLowerCase();
}

function validateKey(key: string): void {
  if (key.length === 0 || Buffer.byteLength(key) > 1024)
    throw new S3Error('KeyTooLongError', 400, 'Your key is too long', key);
}

/** S3 orders keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
