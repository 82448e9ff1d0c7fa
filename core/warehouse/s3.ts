/** The S3 side of staging: upload entity frames, read UNLOAD output, and always clean up after a run. */

import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { WorkbenchError } from '../contract/errors';
import { awsError } from './aws-errors';
import { withRetries, type RetryPolicy } from './retry';

export interface S3Location {
  bucket: string;
  /** Key or key prefix, without a leading slash. */
  key: string;
}

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new WorkbenchError({ kind: 'Internal', message: `not an s3:// URI: ${uri}` });
  return { bucket: match[1] as string, key: match[2] as string };
}

export function s3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

export function objectArn(location: S3Location): string {
  return `arn:aws:s3:::${location.bucket}/${location.key}`;
}

export interface S3ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
}

export class S3Staging {
  constructor(
    private readonly client: S3Client,
    private readonly retry?: RetryPolicy,
  ) {}

  private async call<T>(
    operation: string,
    action: string,
    resource: string,
    send: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await withRetries(send, {
        operation: `s3 ${operation}`,
        policy: this.retry,
        signal,
        idempotent: true,
      });
    } catch (error) {
      // The SDK reports an aborted request as an AbortError; the caller cancelled, nothing failed.
      if (signal?.aborted)
        throw new WorkbenchError({ kind: 'Cancelled', phase: `s3 ${operation}` }, { cause: error });
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchBucket') {
        throw new WorkbenchError(
          {
            kind: 'NotFound',
            what: 'S3 bucket',
            name: resource.replace(/^arn:aws:s3:::/, '').split('/')[0] ?? resource,
            hint: 'check offline_store.s3_staging_location in feature_store.yaml',
          },
          { cause: error },
        );
      }
      throw awsError(error, { service: 's3', operation, action, resource });
    }
  }

  async put(location: S3Location, body: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.call(
      'PutObject',
      's3:PutObject',
      objectArn(location),
      () =>
        this.client.send(
          new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: body }),
          signal ? { abortSignal: signal } : {},
        ),
      signal,
    );
  }

  async get(location: S3Location, signal?: AbortSignal): Promise<Uint8Array> {
    const response = await this.call(
      'GetObject',
      's3:GetObject',
      objectArn(location),
      () =>
        this.client.send(
          new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
          signal ? { abortSignal: signal } : {},
        ),
      signal,
    );
    if (!response.Body) return new Uint8Array();
    return response.Body.transformToByteArray();
  }

  /** Every object under a prefix, in key order (ListObjectsV2, all pages). */
  async list(prefix: S3Location, signal?: AbortSignal): Promise<S3ObjectInfo[]> {
    const objects: S3ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(
        'ListObjectsV2',
        's3:ListBucket',
        `arn:aws:s3:::${prefix.bucket}`,
        () =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: prefix.bucket,
              Prefix: prefix.key,
              ...(token ? { ContinuationToken: token } : {}),
            }),
            signal ? { abortSignal: signal } : {},
          ),
        signal,
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        objects.push({
          key: item.Key,
          size: Number(item.Size ?? 0),
          ...(item.LastModified ? { lastModified: item.LastModified } : {}),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Deletes the given keys in batches of 1000 (DeleteObjects); reports keys S3 refused to delete. */
  async deleteKeys(bucket: string, keys: string[], signal?: AbortSignal): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const chunk = keys.slice(start, start + 1000);
      const response = await this.call(
        'DeleteObjects',
        's3:DeleteObject',
        `arn:aws:s3:::${bucket}/${chunk[0] ?? ''}`,
        () =>
          this.client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
            }),
            signal ? { abortSignal: signal } : {},
          ),
        signal,
      );
      const failed = response.Errors ?? [];
      const first = failed[0];
      if (first) {
        const resource = `arn:aws:s3:::${bucket}/${first.Key ?? ''}`;
        const message = `${failed.length} object(s) not deleted, e.g. ${first.Key}: ${first.Message ?? first.Code}`;
        throw new WorkbenchError(
          first.Code === 'AccessDenied'
            ? { kind: 'AccessDenied', action: 's3:DeleteObject', resource, message }
            : { kind: 'AwsError', service: 's3', code: first.Code ?? 'DeleteFailed', message },
        );
      }
    }
  }

  /** Deletes every object under a prefix; returns how many were removed. */
  async deletePrefix(prefix: S3Location, signal?: AbortSignal): Promise<number> {
    const objects = await this.list(prefix, signal);
    await this.deleteKeys(
      prefix.bucket,
      objects.map((object) => object.key),
      signal,
    );
    return objects.length;
  }
}
