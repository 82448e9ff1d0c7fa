/**
 * Saving the registry back where feature_store.yaml points, in the form it is stored in (registry.db bytes, or
 * `feast registry-dump` JSON): a local file is written next to itself and renamed over the old one, so a reader
 * never sees half a file; an s3:// object is replaced by one PutObject, which S3 makes visible whole.
 *
 * Edits are spliced into the stored form rather than re-encoding a decoded document: the decoder skips what this
 * workbench does not model (permissions, stream views, materialization intervals, fields of newer Feast
 * versions...), and re-encoding would silently drop all of it. Only the edited entries, the version id and the
 * last-updated time change; every other byte (or JSON key) is kept as it was.
 *
 * Each edit reads, edits, and writes only if nobody wrote the registry in between (else it starts again from the
 * new content), so two workbenches saving datasets at once both keep theirs. A writer that slips in between the
 * final check and the write can still be lost; Feast's file registry has the same window (and no check at all).
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RepoConfig } from '../config/model';
import { WorkbenchError } from '../contract/errors';
import { awsErrorToEngineError } from '../warehouse/aws-errors';
import { encodeRegistry } from './codec';
import { completeDocument, type SavedDatasetDoc, type TimestampDoc } from './document';
import { formatTimestamp, registryToJson } from './json';
import { parseRegistry, readRegistryBytes, registrySourceName, type LoadRegistryOptions } from './load';
import { WireReader, WIRE_LEN, WireError } from './wire';

/** How many times a change is re-applied when someone else keeps writing the registry meanwhile. */
const MAX_ATTEMPTS = 5;

export function timestampDocOf(date: Date): TimestampDoc {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

async function writeLocalAtomically(path: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(bytes, { signal });
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    if (signal?.aborted) {
      throw new WorkbenchError({ kind: 'Cancelled', phase: 'writing the registry' }, { cause: error });
    }
    throw new WorkbenchError(
      {
        kind: 'RegistryInvalid',
        source: path,
        reason: `cannot be written: ${error instanceof Error ? error.message : String(error)}`,
      },
      { cause: error },
    );
  }
}

async function writeS3(
  client: S3Client,
  location: { bucket: string; key: string; uri: string },
  bytes: Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await client.send(new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: bytes }), {
      abortSignal: signal,
    });
  } catch (error) {
    if (signal?.aborted) {
      throw new WorkbenchError({ kind: 'Cancelled', phase: 'writing the registry' }, { cause: error });
    }
    const detail = awsErrorToEngineError(error, {
      service: 's3',
      operation: 'PutObject',
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${location.bucket}/${location.key}`,
    });
    if (detail.kind === 'AccessDenied' || detail.kind === 'AwsError') {
      detail.message += ` (writing the registry ${location.uri})`;
    }
    throw new WorkbenchError(detail, { cause: error });
  }
}

/** Replaces the registry's bytes where feature_store.yaml points (no check for concurrent writers). */
export async function writeRegistryBytes(
  config: RepoConfig,
  bytes: Uint8Array,
  options: LoadRegistryOptions = {},
): Promise<void> {
  const location = config.registry.location;
  if (location.kind === 'file') {
    await writeLocalAtomically(location.path, bytes, options.signal);
    return;
  }
  const client = options.s3 ?? new S3Client({ region: config.offlineStore.region });
  try {
    await writeS3(client, location, bytes, options.signal);
  } finally {
    if (!options.s3) client.destroy();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/**
 * Applies `edit` to the stored registry (bytes in, bytes out) and writes the result, re-reading and re-applying the
 * edit when someone else wrote the registry meanwhile. `edit` may throw to refuse.
 */
export async function updateRegistryBytes(
  config: RepoConfig,
  edit: (bytes: Uint8Array, source: string) => Uint8Array,
  options: LoadRegistryOptions = {},
): Promise<Uint8Array> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { bytes, source } = await readRegistryBytes(config, options);
    const updated = edit(bytes, source);
    const current = await readRegistryBytes(config, options);
    if (!sameBytes(current.bytes, bytes)) continue;
    await writeRegistryBytes(config, updated, options);
    return updated;
  }
  throw new WorkbenchError({
    kind: 'PlanInvalid',
    reason: `the registry ${registrySourceName(config)} changed ${MAX_ATTEMPTS} times while it was being saved; try again`,
  });
}

/** Registry message fields this module rewrites (numbers of the feast.core.Registry message). */
const VERSION_ID_FIELD = 4;
const LAST_UPDATED_FIELD = 5;
const SAVED_DATASETS_FIELD = 11;

interface FieldSpan {
  fieldNumber: number;
  start: number;
  end: number;
}

/** The top-level fields of a Registry message as byte spans (tag included), in stored order. */
function topLevelFields(bytes: Uint8Array, source: string): FieldSpan[] {
  const reader = new WireReader(bytes);
  const spans: FieldSpan[] = [];
  try {
    while (reader.pos < bytes.length) {
      const start = reader.pos;
      const tag = reader.readTag();
      if (tag.wireType === WIRE_LEN) reader.pos = reader.readLengthEnd();
      else reader.skip(tag.wireType, tag.fieldNumber);
      spans.push({ fieldNumber: tag.fieldNumber, start, end: reader.pos });
    }
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    throw new WorkbenchError(
      { kind: 'RegistryInvalid', source, reason: error.reason, offset: error.offset },
      { cause: error },
    );
  }
  return spans;
}

export interface SavedDatasetEdit {
  /** The saved dataset as stored (spec.project names its project). */
  dataset: SavedDatasetDoc;
  /** Replace a saved dataset of the same name and project; without it, one existing is an error. */
  allowOverwrite?: boolean;
  /** The registry's new last-updated time; now by default. */
  now?: Date;
}

function alreadyExists(name: string, project: string): WorkbenchError {
  return new WorkbenchError({
    kind: 'PlanInvalid',
    reason: `the saved dataset ${name} already exists in project ${project}; pass --allow-overwrite to replace it`,
  });
}

function spliceProtobuf(bytes: Uint8Array, source: string, edit: SavedDatasetEdit): Uint8Array {
  const spec = edit.dataset.spec!;
  const kept: Uint8Array[] = [];
  for (const span of topLevelFields(bytes, source)) {
    const field = bytes.subarray(span.start, span.end);
    if (span.fieldNumber === VERSION_ID_FIELD || span.fieldNumber === LAST_UPDATED_FIELD) continue;
    if (span.fieldNumber === SAVED_DATASETS_FIELD) {
      // One field on its own is a valid Registry message holding just that saved dataset.
      const existing = parseRegistry(field, 'protobuf', source).savedDatasets[0]?.spec;
      if (existing?.name === spec.name && existing.project === spec.project) {
        if (!edit.allowOverwrite) throw alreadyExists(spec.name, spec.project);
        continue;
      }
    }
    kept.push(field);
  }
  const added = encodeRegistry(
    completeDocument({
      versionId: randomUUID(),
      lastUpdated: timestampDocOf(edit.now ?? new Date()),
      savedDatasets: [edit.dataset],
    }),
  );
  return Buffer.concat([...kept, added]);
}

/**
 * The key of a Registry field in this file: the one present, else the naming the file uses (proto3 JSON's
 * lowerCamelCase, or the .proto field names that `preserving_proto_field_name` prints).
 */
function jsonKey(object: Record<string, unknown>, camel: string, snake: string): string {
  if (camel in object) return camel;
  if (snake in object) return snake;
  return Object.keys(object).some((key) => key.includes('_')) ? snake : camel;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function spliceJson(bytes: Uint8Array, source: string, edit: SavedDatasetEdit): Uint8Array {
  // Parsed (and so checked) the way loading does first, so a damaged file is reported, not overwritten.
  parseRegistry(bytes, 'json', source);
  const text = new TextDecoder().decode(bytes);
  const root = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Record<string, unknown>;
  const spec = edit.dataset.spec!;
  const listKey = jsonKey(root, 'savedDatasets', 'saved_datasets');
  const list = Array.isArray(root[listKey]) ? (root[listKey] as unknown[]) : [];
  const kept = list.filter((item) => {
    const itemSpec = isObject(item) && isObject(item.spec) ? item.spec : undefined;
    const same = itemSpec?.name === spec.name && (itemSpec?.project ?? '') === spec.project;
    if (same && !edit.allowOverwrite) throw alreadyExists(spec.name, spec.project);
    return !same;
  });
  const added = JSON.parse(registryToJson(completeDocument({ savedDatasets: [edit.dataset] }))) as {
    savedDatasets: unknown[];
  };
  root[listKey] = [...kept, ...added.savedDatasets];
  root[jsonKey(root, 'versionId', 'version_id')] = randomUUID();
  root[jsonKey(root, 'lastUpdated', 'last_updated')] = formatTimestamp(
    timestampDocOf(edit.now ?? new Date()),
  );
  return new TextEncoder().encode(`${JSON.stringify(root, null, 2)}\n`);
}

/**
 * Adds a saved dataset to the registry (or replaces the one of the same name and project, with allowOverwrite)
 * and writes the registry back, keeping everything else as stored.
 */
export async function saveDatasetToRegistry(
  config: RepoConfig,
  edit: SavedDatasetEdit,
  options: LoadRegistryOptions = {},
): Promise<void> {
  if (!edit.dataset.spec)
    throw new WorkbenchError({ kind: 'Internal', message: 'a saved dataset needs a spec' });
  await updateRegistryBytes(
    config,
    (bytes, source) =>
      config.registry.format === 'protobuf'
        ? spliceProtobuf(bytes, source, edit)
        : spliceJson(bytes, source, edit),
    options,
  );
}
