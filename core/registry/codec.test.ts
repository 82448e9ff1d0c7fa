import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWorkbenchError, type EngineError } from '../contract/errors';
import { decodeRegistry, encodeRegistry } from './codec';
import { toRegistryModel } from './convert';
import { completeDocument, type RegistryDocument } from './document';
import { registryDocument } from './test-arbitraries';
import {
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_START_GROUP,
  WIRE_END_GROUP,
  WIRE_VARINT,
  WireReader,
  WireWriter,
} from './wire';

const DEMO_DB = new URL('../../assets/demo/data/registry.db', import.meta.url);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function bytes(build: (w: WireWriter) => void): Uint8Array {
  const writer = new WireWriter();
  build(writer);
  return writer.finish();
}

/** A length-delimited field holding `payload`. */
function lenField(fieldNumber: number, payload: Uint8Array): Uint8Array {
  return bytes((w) => {
    w.tag(fieldNumber, WIRE_LEN);
    w.bytes(payload);
  });
}

function stringField(fieldNumber: number, value: string): Uint8Array {
  return lenField(fieldNumber, new TextEncoder().encode(value));
}

/** One unknown field of every wire type, including a nested group. */
function unknownFields(base: number): Uint8Array {
  return bytes((w) => {
    w.tag(base, WIRE_VARINT);
    w.bigUint(-1n);
    w.tag(base + 1, WIRE_FIXED64);
    w.float64(1.5);
    w.tag(base + 2, WIRE_LEN);
    w.string('from a newer Feast');
    w.tag(base + 3, WIRE_FIXED32);
    w.float32(2.5);
    w.tag(base + 4, WIRE_START_GROUP);
    w.tag(1, WIRE_VARINT);
    w.uint(7);
    w.tag(2, WIRE_START_GROUP);
    w.tag(2, WIRE_END_GROUP);
    w.tag(base + 4, WIRE_END_GROUP);
  });
}

function registryError(run: () => unknown): Extract<EngineError, { kind: 'RegistryInvalid' }> {
  try {
    run();
  } catch (error) {
    if (isWorkbenchError(error) && error.detail.kind === 'RegistryInvalid') return error.detail;
    throw error;
  }
  throw new Error('expected a RegistryInvalid error');
}

const sample = completeDocument({
  registrySchemaVersion: '1',
  versionId: 'v-1',
  lastUpdated: { seconds: 1_768_000_000, nanos: 5 },
  entities: [{ spec: { name: 'driver', project: 'p', joinKey: 'driver_id', valueType: 4 } }],
  featureViews: [
    {
      spec: {
        name: 'fv',
        project: 'p',
        entities: ['driver'],
        features: [{ name: 'conv_rate', valueType: 6, tags: { unit: 'ratio' } }],
        ttl: { seconds: 7200, nanos: 0 },
        batchSource: { type: 5, name: 'src', redshiftOptions: { table: 't' }, fieldMapping: { a: 'b' } },
        online: true,
      },
    },
  ],
});

describe('decodeRegistry on the demo registry.db', () => {
  const document = decodeRegistry(new Uint8Array(readFileSync(DEMO_DB)), 'demo');

  it('reads the header fields and every object kind', () => {
    expect(document.registrySchemaVersion).toBe('1');
    expect(document.lastUpdated).toEqual({ seconds: Date.UTC(2026, 0, 10, 0, 30) / 1000, nanos: 0 });
    expect(document.entities.map((e) => e.spec?.name)).toEqual(['driver', 'customer', '__dummy']);
    expect(document.featureViews.map((v) => v.spec?.name)).toEqual([
      'driver_hourly_stats',
      'customer_profile',
      'global_stats',
      'order_outcomes',
      'driver_trips',
    ]);
    expect(document.dataSources).toHaveLength(7);
    expect(document.onDemandFeatureViews).toHaveLength(1);
    expect(document.featureServices.map((s) => s.spec?.name)).toEqual([
      'driver_activity',
      'driver_ranking_logged',
    ]);
    expect(document.savedDatasets.map((d) => d.spec?.name)).toEqual(['driver_training_2026_01']);
    expect(document.projects.map((p) => p.spec?.name)).toEqual(['driver_ranking']);
  });

  it('keeps the feature view details Feast stores', () => {
    const spec = document.featureViews[0]?.spec;
    expect(spec?.ttl).toEqual({ seconds: 7200, nanos: 0 });
    expect(spec?.entityColumns).toEqual([{ name: 'driver_id', valueType: 4, tags: {}, description: '' }]);
    expect(spec?.batchSource?.redshiftOptions).toEqual({
      table: 'driver_hourly_stats',
      schema: 'public',
      query: '',
      database: '',
    });
    expect(spec?.batchSource?.project).toBe('');
    const global = document.featureViews[2]?.spec;
    expect(global?.entities).toEqual(['__dummy']);
    expect(global?.entityColumns.map((c) => c.name)).toEqual(['__dummy_id']);
  });

  it('re-encodes to the same bytes', () => {
    expect(encodeRegistry(document)).toEqual(new Uint8Array(readFileSync(DEMO_DB)));
  });
});

describe('encodeRegistry / decodeRegistry round trips', () => {
  it('round-trips a hand-written document', () => {
    expect(decodeRegistry(encodeRegistry(sample), 'x')).toEqual(sample);
  });

  it('round-trips generated registries exactly, and their models', () => {
    fc.assert(
      fc.property(registryDocument, fc.constantFrom('', 'p', 'driver_ranking'), (document, project) => {
        const decoded = decodeRegistry(encodeRegistry(document), 'generated');
        expect(decoded).toEqual(document);
        expect(toRegistryModel(decoded, project)).toEqual(toRegistryModel(document, project));
      }),
      { numRuns: 150 },
    );
  });

  it('writes the same document to the same bytes', () => {
    fc.assert(
      fc.property(registryDocument, (document) => {
        expect(encodeRegistry(document)).toEqual(encodeRegistry(structuredClone(document)));
      }),
      { numRuns: 50 },
    );
  });

  it('omits proto3 defaults, so an empty document is zero bytes', () => {
    expect(encodeRegistry(completeDocument({}))).toEqual(new Uint8Array(0));
    expect(decodeRegistry(new Uint8Array(0), 'empty')).toEqual(completeDocument({}));
  });
});

describe('unknown fields', () => {
  it('skips unknown fields of every wire type at the top level and inside nested messages', () => {
    // Registry { feature_views: [FeatureView { spec: FeatureViewSpec { name, <unknown...>, batch_source: DataSource {...} } }] }
    const source = concat(
      unknownFields(100),
      lenField(20, new TextEncoder().encode('src')),
      bytes((w) => {
        w.tag(1, WIRE_VARINT);
        w.uint(5);
      }),
      unknownFields(40),
    );
    const spec = concat(
      stringField(1, 'fv'),
      unknownFields(14),
      stringField(2, 'p'),
      lenField(7, source),
      unknownFields(1000),
    );
    const view = concat(lenField(1, spec), unknownFields(3));
    // Fields of Registry this schema leaves out: feature_tables, infra, validation_references,
    // stream_feature_views, permissions, feature_view_version_history, label_views; then numbers nobody uses yet.
    const registry = concat(
      lenField(2, new Uint8Array([8, 1])),
      lenField(6, view),
      lenField(10, stringField(1, 'infra')),
      lenField(13, new Uint8Array(0)),
      lenField(14, stringField(1, 'sfv')),
      lenField(16, stringField(1, 'permission')),
      lenField(18, new Uint8Array([10, 0])),
      lenField(19, stringField(1, 'label view')),
      unknownFields(20),
      unknownFields(536_870_900),
    );
    const document = decodeRegistry(registry, 'x');
    expect(document).toEqual(
      completeDocument({
        featureViews: [{ spec: { name: 'fv', project: 'p', batchSource: { name: 'src', type: 5 } } }],
      }),
    );
  });

  it('skips an unknown field inserted between the known fields of a real registry', () => {
    const original = encodeRegistry(sample);
    const reader = new WireReader(original);
    const tag = reader.readTag();
    reader.skip(tag.wireType, tag.fieldNumber); // the first top-level field ends here
    const withUnknown = concat(
      original.subarray(0, reader.pos),
      unknownFields(90),
      original.subarray(reader.pos),
    );
    expect(decodeRegistry(withUnknown, 'x')).toEqual(sample);
  });

  it('merges a sub-message that repeats on the wire, and lets the last oneof member win', () => {
    const spec1 = stringField(1, 'first');
    const spec2 = stringField(9, 'proj'); // EntitySpecV2.project
    const registry = concat(lenField(1, concat(lenField(1, spec1), lenField(1, spec2))));
    expect(decodeRegistry(registry, 'x').entities[0]?.spec).toMatchObject({ name: 'first', project: 'proj' });

    const redshift = lenField(15, stringField(1, 'table'));
    const request = lenField(18, new Uint8Array(0));
    const doc = decodeRegistry(lenField(12, concat(redshift, request)), 'x');
    expect(doc.dataSources[0]?.redshiftOptions).toBeUndefined();
    expect(doc.dataSources[0]?.requestDataOptions).toEqual({ deprecatedSchema: {}, schema: [] });
  });
});

describe('corrupt registry.db', () => {
  const demo = new Uint8Array(readFileSync(DEMO_DB));

  it('reports every truncation of the demo registry, except cuts between top-level fields', () => {
    const boundaries = new Set<number>([0]);
    const reader = new WireReader(demo);
    while (reader.pos < demo.length) {
      const tag = reader.readTag();
      reader.skip(tag.wireType, tag.fieldNumber);
      boundaries.add(reader.pos);
    }
    for (let length = 0; length < demo.length; length++) {
      const prefix = demo.subarray(0, length);
      if (boundaries.has(length)) {
        expect(() => decodeRegistry(prefix, 'demo')).not.toThrow();
      } else {
        const error = registryError(() => decodeRegistry(prefix, 'demo'));
        expect(error.source).toBe('demo');
        expect(error.offset).toBeGreaterThanOrEqual(0);
        expect(error.offset).toBeLessThanOrEqual(length);
      }
    }
  });

  it('names the field and offset of a wrong wire type', () => {
    const error = registryError(() => decodeRegistry(new Uint8Array([0x18, 0x01]), 'r.db'));
    expect(error).toMatchObject({ kind: 'RegistryInvalid', source: 'r.db', offset: 0 });
    expect(error.reason).toContain('feast.core.Registry.registry_schema_version (3) has wire type varint');

    // feature_views[0].spec.name as a varint, two messages deep
    const nested = lenField(6, lenField(1, new Uint8Array([0x08, 0x01])));
    const deep = registryError(() => decodeRegistry(nested, 'r.db'));
    expect(deep.reason).toContain('featureViews[0].spec');
    expect(deep.offset).toBe(4);
  });

  it('rejects invalid wire types, field number 0, a stray end-group and overlong varints', () => {
    expect(registryError(() => decodeRegistry(new Uint8Array([0x0e]), 'r')).reason).toMatch(
      /invalid wire type 6/,
    );
    expect(registryError(() => decodeRegistry(new Uint8Array([0x0f]), 'r')).reason).toMatch(
      /invalid wire type 7/,
    );
    expect(registryError(() => decodeRegistry(new Uint8Array([0x02, 0x00]), 'r')).reason).toMatch(
      /invalid field number 0/,
    );
    expect(registryError(() => decodeRegistry(new Uint8Array([0x0c]), 'r')).reason).toMatch(/end-group/);
    const overlong = new Uint8Array([0x08, ...new Array(11).fill(0xff)]);
    expect(
      registryError(() => decodeRegistry(concat(new Uint8Array([0x98, 0x06]), overlong), 'r')).reason,
    ).toMatch(/longer than 10 bytes/);
  });

  it('keeps a field inside its enclosing message', () => {
    // An entity of 3 bytes whose spec claims 5 bytes; the bytes after the entity must not be read as its spec.
    const registry = concat(new Uint8Array([0x0a, 0x03, 0x0a, 0x05, 0x0a]), stringField(3, 'abc'));
    const error = registryError(() => decodeRegistry(registry, 'r'));
    expect(error.reason).toMatch(/announces 5 bytes but 1 remain/);
    expect(error.offset).toBe(3);
  });

  it('reports invalid UTF-8 and out-of-range timestamps', () => {
    const badText = lenField(3, new Uint8Array([0xc3, 0x28]));
    expect(registryError(() => decodeRegistry(badText, 'r')).reason).toMatch(/not valid UTF-8/);
    const farFuture = lenField(
      5,
      bytes((w) => {
        w.tag(1, WIRE_VARINT);
        w.bigUint(400_000_000_000n);
      }),
    );
    expect(registryError(() => decodeRegistry(farFuture, 'r')).reason).toMatch(/timestamp out of range/);
  });

  it('stops deeply nested messages and groups instead of overflowing the stack', () => {
    let source: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 300; i++) source = lenField(26, source); // DataSource.batch_source, 300 deep
    expect(registryError(() => decodeRegistry(lenField(12, source), 'r')).reason).toMatch(
      /nested too deeply/,
    );

    const groups = concat(
      ...new Array(300).fill(new Uint8Array([0xcb, 0x06])), // start group 105
      ...new Array(300).fill(new Uint8Array([0xcc, 0x06])), // end group 105
    );
    expect(registryError(() => decodeRegistry(groups, 'r')).reason).toMatch(/nested too deeply/);
  });

  it('points at JSON when a .db file holds JSON', () => {
    const json = new TextEncoder().encode('{\n  "entities": []\n}\n');
    expect(registryError(() => decodeRegistry(json, 'registry.db')).reason).toMatch(/looks like JSON/);
  });

  it('never throws anything but RegistryInvalid for garbage or damaged bytes', () => {
    const damaged = fc.tuple(fc.nat(demo.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
      const copy = demo.slice();
      copy[at] = value;
      return copy;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), damaged), (input) => {
        try {
          const document: RegistryDocument = decodeRegistry(input, 'garbage');
          expect(Array.isArray(document.entities)).toBe(true);
        } catch (error) {
          expect(isWorkbenchError(error) && error.detail.kind).toBe('RegistryInvalid');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
