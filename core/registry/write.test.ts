import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoConfig } from '../config/model';
import type { WorkbenchError } from '../contract/errors';
import { sandboxClientConfig, startSandbox, type Sandbox } from '../sandbox/index';
import { DEMO_PROJECT, demoRegistryDocument } from '../testing/demo-repo';
import { decodeRegistry, encodeRegistry } from './codec';
import { completeDocument, type RegistryDocument, type SavedDatasetDoc } from './document';
import { readRegistryJson, registryToJson } from './json';
import { loadRegistry } from './load';
import { saveDatasetToRegistry, updateRegistryBytes } from './write';
import { WireWriter, WIRE_LEN, WIRE_VARINT } from './wire';

function config(
  registry: { path: string } | { s3: string },
  format: 'protobuf' | 'json' = 'protobuf',
): RepoConfig {
  const location =
    'path' in registry
      ? { kind: 'file' as const, path: registry.path }
      : {
          kind: 's3' as const,
          bucket: registry.s3.slice(5).split('/')[0]!,
          key: registry.s3.slice(5).split('/').slice(1).join('/'),
          uri: registry.s3,
        };
  return {
    repoDir: '/nonexistent',
    project: DEMO_PROJECT,
    provider: 'aws',
    registry: { path: 'path' in registry ? registry.path : registry.s3, location, format },
    offlineStore: {
      type: 'redshift',
      region: 'us-west-2',
      database: 'dev',
      s3StagingLocation: 's3://bucket/staging',
      iamRole: 'arn:aws:iam::123456789012:role/r',
      target: { kind: 'serverless', workgroup: 'wg' },
    },
    extra: {},
  };
}

function dataset(name: string, table: string, project = DEMO_PROJECT): SavedDatasetDoc {
  return completeDocument({
    savedDatasets: [
      {
        spec: {
          name,
          project,
          features: ['driver_hourly_stats:conv_rate'],
          joinKeys: ['driver_id'],
          storage: { redshiftStorage: { table, schema: 'public' } },
          featureServiceName: 'driver_activity',
        },
        meta: {
          minEventTimestamp: { seconds: 1_767_225_600, nanos: 0 },
          maxEventTimestamp: { seconds: 1_767_312_000, nanos: 500_000_000 },
        },
      },
    ],
  }).savedDatasets[0]!;
}

/** Fields this workbench does not model, as a newer Feast could write them: they must survive a save. */
function unknownFields(): Uint8Array {
  const writer = new WireWriter();
  writer.tag(16, WIRE_LEN); // permissions
  writer.bytes(new Uint8Array([0x0a, 0x03, 0x61, 0x62, 0x63]));
  writer.tag(99, WIRE_VARINT);
  writer.uint(4242);
  return writer.finish();
}

function withoutVersion(document: RegistryDocument): RegistryDocument {
  return { ...document, versionId: '', lastUpdated: undefined as never, savedDatasets: [] };
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-registry-write-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveDatasetToRegistry, registry.db', () => {
  it('adds the saved dataset and keeps every other byte, unknown fields included', async () => {
    const file = path.join(dir, 'add.db');
    const original = Buffer.concat([encodeRegistry(demoRegistryDocument()), unknownFields()]);
    await writeFile(file, original);
    const now = new Date(Date.UTC(2026, 1, 3, 4, 5, 6, 789));
    await saveDatasetToRegistry(config({ path: file }), { dataset: dataset('added', 'added_table'), now });

    const saved = new Uint8Array(await readFile(file));
    expect(Buffer.from(saved).includes(Buffer.from(unknownFields()))).toBe(true);
    const before = decodeRegistry(original, file);
    const after = decodeRegistry(saved, file);
    expect(withoutVersion(after)).toEqual(withoutVersion(before));
    expect(after.savedDatasets.map((d) => d.spec?.name)).toEqual(['driver_training_2026_01', 'added']);
    expect(after.savedDatasets[1]).toEqual(dataset('added', 'added_table'));
    expect(after.lastUpdated).toEqual({ seconds: Date.UTC(2026, 1, 3, 4, 5, 6) / 1000, nanos: 789_000_000 });
    expect(after.versionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(after.versionId).not.toBe(before.versionId);
    const model = await loadRegistry(config({ path: file }));
    expect(model.savedDatasets.find((d) => d.name === 'added')).toMatchObject({
      storage: { table: 'added_table', schema: 'public' },
      minEventTimestamp: '2026-01-01T00:00:00Z',
      maxEventTimestamp: '2026-01-02T00:00:00.500Z',
    });
    // Written next to itself and renamed: nothing else is left in the folder.
    expect((await readdir(dir)).filter((name) => name.includes('add.db'))).toEqual(['add.db']);
  });

  it('refuses a saved dataset of the same name unless told to replace it, then replaces it in place of one', async () => {
    const file = path.join(dir, 'replace.db');
    const original = encodeRegistry(demoRegistryDocument());
    await writeFile(file, original);
    const replacement = dataset('driver_training_2026_01', 'other_table');
    await expect(
      saveDatasetToRegistry(config({ path: file }), { dataset: replacement }),
    ).rejects.toMatchObject({
      detail: {
        kind: 'PlanInvalid',
        reason:
          'the saved dataset driver_training_2026_01 already exists in project driver_ranking; pass ' +
          '--allow-overwrite to replace it',
      },
    });
    expect(new Uint8Array(await readFile(file))).toEqual(original);

    // Same name in another project is another dataset.
    await saveDatasetToRegistry(config({ path: file }), {
      dataset: dataset('driver_training_2026_01', 't', 'other_project'),
    });
    await saveDatasetToRegistry(config({ path: file }), { dataset: replacement, allowOverwrite: true });
    const after = decodeRegistry(new Uint8Array(await readFile(file)), file);
    expect(
      after.savedDatasets.map((d) => [d.spec?.project, d.spec?.storage?.redshiftStorage?.table]),
    ).toEqual([
      ['other_project', 't'],
      [DEMO_PROJECT, 'other_table'],
    ]);
  });

  it('reports damaged registry bytes instead of overwriting them', async () => {
    const file = path.join(dir, 'damaged.db');
    const damaged = encodeRegistry(demoRegistryDocument()).slice(0, 100);
    await writeFile(file, damaged);
    const error = await saveDatasetToRegistry(config({ path: file }), { dataset: dataset('x', 'x') }).catch(
      (e: WorkbenchError) => e.detail,
    );
    expect(error).toMatchObject({ kind: 'RegistryInvalid', source: file });
    expect(new Uint8Array(await readFile(file))).toEqual(damaged);
  });
});

describe('saveDatasetToRegistry, registry-dump JSON', () => {
  it('adds the saved dataset and keeps keys it does not know', async () => {
    const file = path.join(dir, 'registry.json');
    const root = JSON.parse(registryToJson(demoRegistryDocument())) as Record<string, unknown>;
    root.permissions = [{ spec: { name: 'reader' } }];
    await writeFile(file, JSON.stringify(root));
    await saveDatasetToRegistry(config({ path: file }, 'json'), { dataset: dataset('added', 'added_table') });
    const text = await readFile(file, 'utf8');
    const written = JSON.parse(text) as Record<string, unknown>;
    expect(written.permissions).toEqual([{ spec: { name: 'reader' } }]);
    const document = readRegistryJson(text, file);
    expect(document.savedDatasets.map((d) => d.spec?.name)).toEqual(['driver_training_2026_01', 'added']);
    expect(document.savedDatasets[1]).toEqual(dataset('added', 'added_table'));
    expect(withoutVersion(document)).toEqual(withoutVersion(demoRegistryDocument()));
  });

  it('uses the field names the file uses (snake_case) and refuses a duplicate without overwrite', async () => {
    const file = path.join(dir, 'snake.json');
    await writeFile(
      file,
      JSON.stringify({
        saved_datasets: [{ spec: { name: 'kept', project: DEMO_PROJECT } }],
        version_id: 'old',
      }),
    );
    await saveDatasetToRegistry(config({ path: file }, 'json'), { dataset: dataset('added', 't') });
    const written = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written).sort()).toEqual(['last_updated', 'saved_datasets', 'version_id']);
    expect((written.saved_datasets as { spec: { name: string } }[]).map((d) => d.spec.name)).toEqual([
      'kept',
      'added',
    ]);
    await expect(
      saveDatasetToRegistry(config({ path: file }, 'json'), { dataset: dataset('kept', 't') }),
    ).rejects.toMatchObject({ detail: { kind: 'PlanInvalid' } });
  });
});

describe('updateRegistryBytes', () => {
  it('re-applies the edit when another writer changed the registry meanwhile', async () => {
    const file = path.join(dir, 'race.db');
    await writeFile(file, 'first');
    const seen: string[] = [];
    await updateRegistryBytes(config({ path: file }), (bytes) => {
      const text = Buffer.from(bytes).toString();
      seen.push(text);
      // The other writer strikes while the first edit is being made.
      if (seen.length === 1) writeFileSync(file, 'second');
      return Buffer.from(`${text}+edit`);
    });
    expect(seen).toEqual(['first', 'second']);
    expect(await readFile(file, 'utf8')).toBe('second+edit');
  });

  it('gives up when the registry keeps changing', async () => {
    const file = path.join(dir, 'busy.db');
    await writeFile(file, '0');
    let writes = 0;
    const error = await updateRegistryBytes(config({ path: file }), (bytes) => {
      writes++;
      writeFileSync(file, String(writes));
      return bytes;
    }).catch((e: WorkbenchError) => e.detail);
    expect(error).toEqual({
      kind: 'PlanInvalid',
      reason: `the registry ${file} changed 5 times while it was being saved; try again`,
    });
  });

  // A folder no one may create files in, root included: the temporary file cannot be made.
  it.skipIf(!existsSync('/proc/version'))('reports a registry that cannot be written', async () => {
    const error = await updateRegistryBytes(config({ path: '/proc/version' }), (bytes) => bytes).then(
      () => undefined,
      (e: WorkbenchError) => e.detail,
    );
    expect(error).toMatchObject({
      kind: 'RegistryInvalid',
      source: '/proc/version',
      reason: expect.stringContaining('cannot be written'),
    });
  });
});

describe('saveDatasetToRegistry, s3:// registry', () => {
  let sandbox: Sandbox;
  let s3: S3Client;

  beforeAll(async () => {
    sandbox = await startSandbox({ buckets: ['registry-bucket'] });
    s3 = new S3Client(sandboxClientConfig(sandbox).s3);
  });

  afterAll(async () => {
    s3?.destroy();
    await sandbox?.stop();
  });

  it('replaces the object with PutObject, keeping unknown fields', async () => {
    const original = Buffer.concat([encodeRegistry(demoRegistryDocument()), unknownFields()]);
    sandbox.store.putObject('registry-bucket', 'feast/registry.db', original);
    const cfg = config({ s3: 's3://registry-bucket/feast/registry.db' });
    sandbox.faults.resetCounts();
    await saveDatasetToRegistry(cfg, { dataset: dataset('added', 'added_table') }, { s3 });
    expect(sandbox.faults.calls('PutObject')).toBe(1);
    const stored = sandbox.store.getObject('registry-bucket', 'feast/registry.db')!.body;
    expect(Buffer.from(stored).includes(Buffer.from(unknownFields()))).toBe(true);
    const model = await loadRegistry(cfg, { s3 });
    expect(model.savedDatasets.map((d) => d.name)).toEqual(['driver_training_2026_01', 'added']);
  });

  it('reports a missing bucket as NotFound, with nothing written', async () => {
    const cfg = config({ s3: 's3://no-such-bucket/registry.db' });
    const error = await saveDatasetToRegistry(cfg, { dataset: dataset('x', 'x') }, { s3 }).catch(
      (e: WorkbenchError) => e.detail,
    );
    expect(error).toMatchObject({ kind: 'NotFound', what: 'S3 bucket', name: 'no-such-bucket' });
  });
});
