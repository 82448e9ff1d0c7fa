import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWorkbenchError, type EngineError } from '../contract/errors';
import { decodeRegistry, encodeRegistry } from './codec';
import { toRegistryModel } from './convert';
import {
  formatDuration,
  formatTimestamp,
  parseDuration,
  parseTimestamp,
  readRegistryJson,
  registryToJson,
} from './json';
import { registryDocument } from './test-arbitraries';

const FIXTURE = readFileSync(new URL('./fixtures/registry-dump.json', import.meta.url), 'utf8');
const PROJECT = 'credit_scoring_aws';

function registryError(run: () => unknown): Extract<EngineError, { kind: 'RegistryInvalid' }> {
  try {
    run();
  } catch (error) {
    if (isWorkbenchError(error) && error.detail.kind === 'RegistryInvalid') return error.detail;
    throw error;
  }
  throw new Error('expected a RegistryInvalid error');
}

describe('readRegistryJson on feast registry-dump output', () => {
  const document = readRegistryJson(FIXTURE, 'registry.json');
  const model = toRegistryModel(document, PROJECT);

  it('fills in the dumped project, which Feast leaves out of most objects', () => {
    expect(document.entities.map((e) => e.spec?.project)).toEqual([PROJECT, PROJECT, PROJECT]);
    expect(document.featureViews.every((v) => v.spec?.project === PROJECT)).toBe(true);
    expect(model.projects).toEqual([PROJECT]);
  });

  it('hides the placeholder entity and the entityless view’s __dummy_id column', () => {
    expect(model.entities.map((e) => e.name)).toEqual(['dob_ssn', 'zipcode']);
    const market = model.featureViews.find((v) => v.name === 'market_daily_stats');
    expect(market).toMatchObject({ entities: [], entityColumns: [], offline: true, online: false });
  });

  it('reads feature views: entity columns, types, TTL truncated to whole seconds, sources', () => {
    const [credit, market, zipcode] = model.featureViews;
    expect(credit).toMatchObject({
      name: 'credit_history',
      entities: ['dob_ssn'],
      entityColumns: [{ name: 'dob_ssn', valueType: 'STRING' }],
      ttlSeconds: 7_776_000,
      batchSource: {
        name: 'credit_history',
        project: PROJECT,
        kind: 'BATCH_REDSHIFT',
        timestampField: 'event_timestamp',
        createdTimestampColumn: 'created_timestamp',
        fieldMapping: { ssn_dob: 'dob_ssn' },
        redshift: { table: 'credit_history', schema: 'spectrum', database: 'dev', query: '' },
      },
    });
    expect(credit?.features).toEqual([
      { name: 'credit_card_due', valueType: 'INT64' },
      { name: 'missed_payments_1y', valueType: 'INT32', description: 'Number of missed payments' },
    ]);
    expect(market?.ttlSeconds).toBe(5400); // "5400.750s"
    expect(market?.batchSource.redshift?.query).toMatch(/^SELECT day AS event_timestamp/);
    expect(zipcode?.batchSource.redshift?.schema).toBe('public');
    expect(zipcode?.features.at(-1)).toEqual({ name: 'boundary_map', valueType: 'PDF_BYTES' }); // printed as 30
    expect(zipcode?.tags).toEqual({ team: 'risk' });
  });

  it('reads data sources, including request and push sources', () => {
    expect(model.dataSources.map((s) => [s.name, s.kind])).toEqual([
      ['credit_history', 'BATCH_REDSHIFT'],
      ['market_daily', 'BATCH_REDSHIFT'],
      ['transaction', 'REQUEST_SOURCE'],
      ['zipcode_push', 'PUSH_SOURCE'],
      ['zipcode_features', 'BATCH_REDSHIFT'],
    ]);
    expect(model.dataSources[2]?.requestSchema).toEqual([{ name: 'transaction_amt', valueType: 'INT64' }]);
    expect(model.dataSources[3]?.batchSource).toMatchObject({
      name: 'zipcode_features',
      project: PROJECT,
      redshift: { table: 'zipcode_features', schema: 'public' },
    });
  });

  it('reads the feature service with its alias, join_key_map and logging table', () => {
    expect(model.featureServices).toHaveLength(1);
    const service = model.featureServices[0];
    expect(service?.loggingTable).toBe('credit_model_feature_log');
    expect(service?.projections[0]).toEqual({
      featureViewName: 'zipcode_features',
      alias: 'home_zipcode',
      features: [
        { name: 'population', valueType: 'INT64' },
        { name: 'tax_returns_filed', valueType: 'INT64' },
      ],
      joinKeyMap: { zipcode: 'home_zipcode' },
    });
    expect(service?.projections.map((p) => p.alias)).toEqual(['home_zipcode', '', '']);
    expect(document.featureServices[0]?.spec?.loggingConfig?.sampleRate).toBe(Math.fround(0.25));
  });

  it('reads the on-demand feature view: sources, outputs, mode and Python source', () => {
    const [odfv] = model.onDemandFeatureViews;
    expect(odfv?.name).toBe('transaction_checks');
    expect(odfv?.mode).toBe('pandas');
    expect(odfv?.features).toEqual([{ name: 'transaction_gt_last_credit_card_due', valueType: 'BOOL' }]);
    expect(odfv?.sources).toEqual([
      {
        kind: 'featureView',
        name: 'credit_history',
        projection: {
          featureViewName: 'credit_history',
          alias: '',
          features: [
            { name: 'credit_card_due', valueType: 'INT64' },
            { name: 'missed_payments_1y', valueType: 'INT32', description: 'Number of missed payments' },
          ],
          joinKeyMap: {},
        },
      },
      {
        kind: 'requestSource',
        name: 'transaction',
        schema: [{ name: 'transaction_amt', valueType: 'INT64' }],
      },
    ]);
    expect(odfv?.transformation.kind).toBe('udf');
    expect(odfv?.transformation.functionName).toBe('transaction_checks');
    expect(odfv?.transformation.sourceText).toMatch(/^@on_demand_feature_view\(\n/);
    expect(odfv?.transformation.sourceText).toContain(
      'def transaction_checks(inputs: pd.DataFrame) -> pd.DataFrame:\n',
    );
    // The dump puts the source text where the pickled body was; it is kept as its UTF-8 bytes.
    const body = document.onDemandFeatureViews[0]?.spec?.featureTransformation?.userDefinedFunction?.body;
    expect(new TextDecoder().decode(body)).toBe(odfv?.transformation.sourceText);
  });

  it('reads the saved dataset with its storage and event time range', () => {
    expect(model.savedDatasets).toEqual([
      {
        name: 'credit_training_2025_12',
        project: PROJECT,
        features: [
          'home_zipcode:population',
          'home_zipcode:tax_returns_filed',
          'credit_history:credit_card_due',
          'transaction_checks:transaction_gt_last_credit_card_due',
        ],
        joinKeys: ['home_zipcode', 'dob_ssn', 'transaction_amt'],
        fullFeatureNames: true,
        storage: { table: 'credit_training_2025_12', schema: '', database: '', query: '' },
        featureServiceName: 'credit_model_v2',
        tags: { purpose: 'training' },
        minEventTimestamp: '2025-12-01T06:30:00.123456Z',
        maxEventTimestamp: '2026-01-09T00:00:00Z',
      },
    ]);
  });

  it('round-trips JSON -> registry.db -> model exactly', () => {
    const bytes = encodeRegistry(document);
    const decoded = decodeRegistry(bytes, 'registry.db');
    expect(decoded).toEqual(document);
    expect(toRegistryModel(decoded, PROJECT)).toEqual(model);
  });

  it('reads a registry written by registryToJson back to the same document and model', () => {
    const again = readRegistryJson(registryToJson(document), 'again.json');
    expect(again).toEqual(document);
    expect(toRegistryModel(again, PROJECT)).toEqual(model);
  });

  it('yields nothing for another project', () => {
    const other = toRegistryModel(document, 'fraud');
    expect(other).toMatchObject({ project: 'fraud', projects: [PROJECT], entities: [], featureViews: [] });
  });
});

describe('registryToJson / readRegistryJson', () => {
  it('round-trips generated registries through JSON and registry.db to the same model', () => {
    fc.assert(
      fc.property(registryDocument, fc.constantFrom('', 'p'), (document, project) => {
        const fromJson = readRegistryJson(registryToJson(document), 'generated.json');
        expect(fromJson).toEqual(document);
        const viaBytes = decodeRegistry(encodeRegistry(fromJson), 'generated.db');
        expect(toRegistryModel(viaBytes, project)).toEqual(toRegistryModel(document, project));
      }),
      { numRuns: 150 },
    );
  });

  it('accepts proto field names, numbers for enums, strings for integers, and null as the default', () => {
    const document = readRegistryJson(
      JSON.stringify({
        feature_views: [
          {
            spec: {
              name: 'v',
              project: 'p',
              entity_columns: [{ name: 'k', value_type: 4 }],
              features: [{ name: 'f', valueType: 'DOUBLE', description: null }],
              ttl: '-0.5s',
            },
          },
        ],
        feature_services: [{ spec: { name: 's', logging_config: { sample_rate: '0.5' } } }],
        lastUpdated: '2026-01-10T01:00:00+01:00',
        registry_schema_version: null,
      }),
      'x.json',
    );
    expect(document.featureViews[0]?.spec?.entityColumns[0]?.valueType).toBe(4);
    expect(document.featureViews[0]?.spec?.features[0]).toEqual({
      name: 'f',
      valueType: 5,
      tags: {},
      description: '',
    });
    expect(document.featureViews[0]?.spec?.ttl).toEqual({ seconds: 0, nanos: -500_000_000 });
    expect(document.featureServices[0]?.spec?.loggingConfig?.sampleRate).toBe(0.5);
    expect(document.lastUpdated).toEqual({ seconds: Date.UTC(2026, 0, 10) / 1000, nanos: 0 });
    expect(document.registrySchemaVersion).toBe('');
  });

  it('reads an enum name from a newer Feast as 0, and ignores unknown properties', () => {
    const document = readRegistryJson(
      '{"entities": [{"spec": {"name": "e", "valueType": "QUANTUM_BYTES", "shinyNewField": [1, 2]}}], "labelViews": [{}]}',
      'x.json',
    );
    expect(document.entities[0]?.spec).toMatchObject({ name: 'e', valueType: 0 });
  });
});

describe('mistakes in registry JSON', () => {
  it('reports invalid JSON with line and column', () => {
    const broken = FIXTURE.replace('"name": "credit_history",\n', '"name": "credit_history"\n');
    const error = registryError(() => readRegistryJson(broken, '/repo/data/registry.json'));
    expect(error.source).toBe('/repo/data/registry.json');
    const lines = broken.split('\n');
    const line = lines.findIndex((l) => l.includes('"name": "credit_history"')) + 2;
    expect(error.reason).toBe(
      `invalid JSON at line ${line}, column 7: expected ',' or '}' after the value of "name", found '"'`,
    );
  });

  it('reports values of the wrong type with their path and position', () => {
    const text = '{\n  "entities": [\n    {"spec": {"name": 42}}\n  ]\n}';
    expect(registryError(() => readRegistryJson(text, 'r.json')).reason).toBe(
      'line 3, column 23: registry.entities[0].spec.name: expected a string, got a number',
    );
    expect(registryError(() => readRegistryJson('{"featureViews": {}}', 'r.json')).reason).toBe(
      'line 1, column 18: registry.featureViews: expected an array, got an object',
    );
    expect(registryError(() => readRegistryJson('[]', 'r.json')).reason).toBe(
      'line 1, column 1: registry: expected an object, got an array',
    );
    expect(
      registryError(() => readRegistryJson('{"featureViews": [{"spec": {"ttl": "2 hours"}}]}', 'r.json'))
        .reason,
    ).toBe('line 1, column 36: registry.featureViews[0].spec.ttl: "2 hours" is not like "7200s"');
    expect(
      registryError(() => readRegistryJson('{"lastUpdated": "2026-13-01T00:00:00Z"}', 'r.json')).reason,
    ).toMatch(/lastUpdated: "2026-13-01T00:00:00Z" is not an RFC 3339 time/);
    expect(
      registryError(() =>
        readRegistryJson('{"dataSources": [{"redshiftOptions": {}, "pushOptions": {}}]}', 'r.json'),
      ).reason,
    ).toMatch(/only one of options may be set/);
    expect(registryError(() => readRegistryJson('{"project": 7}', 'r.json')).reason).toBe(
      'line 1, column 13: registry.project: expected a string, got a number',
    );
  });
});

describe('Timestamp and Duration JSON forms', () => {
  it('parse and format like protobuf', () => {
    expect(parseTimestamp('2026-01-10T00:00:00Z')).toEqual({ seconds: 1_768_003_200, nanos: 0 });
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toEqual({ seconds: -62_135_596_800, nanos: 0 });
    expect(parseTimestamp('2026-01-09T16:00:00.5-08:00')).toEqual({
      seconds: 1_768_003_200,
      nanos: 500_000_000,
    });
    expect(parseTimestamp('2026-02-30T00:00:00Z')).toBeUndefined();
    expect(parseTimestamp('2026-01-10')).toBeUndefined();
    expect(formatTimestamp({ seconds: 1_768_003_200, nanos: 0 })).toBe('2026-01-10T00:00:00Z');
    expect(formatTimestamp({ seconds: 1_768_003_200, nanos: 120_000_000 })).toBe('2026-01-10T00:00:00.120Z');
    expect(formatTimestamp({ seconds: 0, nanos: 1_000 })).toBe('1970-01-01T00:00:00.000001Z');
    expect(formatTimestamp({ seconds: -62_135_596_800, nanos: 1 })).toBe('0001-01-01T00:00:00.000000001Z');
    expect(parseDuration('7200s')).toEqual({ seconds: 7200, nanos: 0 });
    expect(parseDuration('-1.000000001s')).toEqual({ seconds: -1, nanos: -1 });
    expect(parseDuration('7200')).toBeUndefined();
    expect(formatDuration({ seconds: 0, nanos: -500_000_000 })).toBe('-0.500s');
    expect(formatDuration({ seconds: 172_800, nanos: 0 })).toBe('172800s');
  });
});
