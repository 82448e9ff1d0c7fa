/**
 * Loading the registry feature_store.yaml points at: a local file or an s3:// object, as registry.db bytes or
 * as `feast registry-dump` JSON (config.registry.format), converted to the model for config.project.
 */

import { readFile } from 'node:fs/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RepoConfig } from '../config/model';
import { WorkbenchError } from '../contract/errors';
import { awsErrorToEngineError } from '../warehouse/aws-errors';
import { decodeRegistry } from './codec';
import { toRegistryModel } from './convert';
import type { RegistryDocument } from './document';
import { readRegistryJson } from './json';
import type { RegistryModel } from './model';

export interface LoadRegistryOptions {
  /** Client for s3:// registries; without one, a default client for offline_store.region is used. */
  s3?: S3Client;
  signal?: AbortSignal;
}

/** Where the registry lives, for messages: the absolute path or the s3:// URI. */
export function registrySourceName(config: RepoConfig): string {
  const location = config.registry.location;
  return location.kind === 'file' ? location.path : location.uri;
}

/** Bytes in the configured format -> document (all projects). */
export function parseRegistry(
  bytes: Uint8Array,
  format: 'protobuf' | 'json',
  source: string,
): RegistryDocument {
  if (format === 'protobuf') return decodeRegistry(bytes, source);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new WorkbenchError(
      { kind: 'RegistryInvalid', source, reason: 'the JSON file is not valid UTF-8' },
      { cause: error },
    );
  }
  return readRegistryJson(text, source);
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return (
    signal?.aborted === true ||
    (typeof error === 'object' && error !== null && (error as { name?: string }).name === 'AbortError')
  );
}

async function readLocal(path: string, signal?: AbortSignal): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path, { signal }));
  } catch (error) {
    if (isAbort(error, signal)) {
      throw new WorkbenchError({ kind: 'Cancelled', phase: 'reading the registry' }, { cause: error });
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new WorkbenchError(
        {
          kind: 'NotFound',
          what: 'registry file',
          name: path,
          hint: 'run `feast apply` in the feature repo to create it, or fix `registry:` in feature_store.yaml',
        },
        { cause: error },
      );
    }
    if (code === 'EISDIR') {
      throw new WorkbenchError(
        {
          kind: 'RegistryInvalid',
          source: path,
          reason: 'is a directory; `registry:` must name the registry file',
        },
        { cause: error },
      );
    }
    throw new WorkbenchError(
      { kind: 'RegistryInvalid', source: path, reason: `cannot be read: ${(error as Error).message}` },
      { cause: error },
    );
  }
}

async function readS3(
  client: S3Client,
  location: { bucket: string; key: string; uri: string },
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const resource = `arn:aws:s3:::${location.bucket}/${location.key}`;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), {
      abortSignal: signal,
    });
    if (!response.Body) return new Uint8Array(0);
    return await response.Body.transformToByteArray();
  } catch (error) {
    if (isAbort(error, signal)) {
      throw new WorkbenchError({ kind: 'Cancelled', phase: 'reading the registry' }, { cause: error });
    }
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') {
      throw new WorkbenchError(
        {
          kind: 'NotFound',
          what: 'registry object',
          name: location.uri,
          hint: 'run `feast apply` to create it, or fix `registry:` in feature_store.yaml',
        },
        { cause: error },
      );
    }
    if (name === 'NoSuchBucket') {
      throw new WorkbenchError(
        {
          kind: 'NotFound',
          what: 'S3 bucket',
          name: location.bucket,
          hint: `the registry ${location.uri} names a bucket that does not exist (or is in another account)`,
        },
        { cause: error },
      );
    }
    const detail = awsErrorToEngineError(error, {
      service: 's3',
      operation: 'GetObject',
      action: 's3:GetObject',
      resource,
    });
    if (detail.kind === 'AccessDenied') {
      // S3 answers 403 instead of 404 for a missing key when the caller may not list the bucket.
      detail.message += ` (reading the registry ${location.uri}; without s3:ListBucket a missing object also looks like this)`;
    }
    throw new WorkbenchError(detail, { cause: error });
  }
}

/** The registry's bytes and the name to report them under. */
export async function readRegistryBytes(
  config: RepoConfig,
  options: LoadRegistryOptions = {},
): Promise<{ bytes: Uint8Array; source: string }> {
  const location = config.registry.location;
  if (location.kind === 'file') {
    return { bytes: await readLocal(location.path, options.signal), source: location.path };
  }
  const client = options.s3 ?? new S3Client({ region: config.offlineStore.region });
  try {
    return { bytes: await readS3(client, location, options.signal), source: location.uri };
  } finally {
    if (!options.s3) client.destroy();
  }
}

/** Reads the registry of a feature repo and returns config.project's objects. */
export async function loadRegistry(
  config: RepoConfig,
  options: LoadRegistryOptions = {},
): Promise<RegistryModel> {
  const document = await loadRegistryDocument(config, options);
  return toRegistryModel(document, config.project);
}

/** Like {@link loadRegistry}, but every project, as stored. */
export async function loadRegistryDocument(
  config: RepoConfig,
  options: LoadRegistryOptions = {},
): Promise<RegistryDocument> {
  const { bytes, source } = await readRegistryBytes(config, options);
  if (options.signal?.aborted) throw new WorkbenchError({ kind: 'Cancelled', phase: 'reading the registry' });
  return parseRegistry(bytes, config.registry.format, source);
}
