import { describe, expect, it } from 'vitest';
import { toRegistryModel, ttlSeconds } from './convert';
import {
  completeDocument,
  type DeepPartial,
  type OnDemandFeatureViewDoc,
  type RegistryDocument,
} from './document';

const redshift = (table: string, project = '') => ({
  type: 5,
  name: table,
  project,
  redshiftOptions: { table },
});

function twoProjects(): RegistryDocument {
  return completeDocument({
    projects: [{ spec: { name: 'alpha' } }],
    projectMetadata: [{ project: 'gamma' }],
    entities: [
      { spec: { name: 'driver', project: 'alpha', joinKey: 'driver_id', valueType: 4 } },
      { spec: { name: '__dummy', project: 'alpha', joinKey: '__dummy_id' } },
      { spec: { name: 'driver', project: 'beta', joinKey: 'driver_ref', valueType: 2 } },
    ],
    dataSources: [redshift('alpha_table', 'alpha'), redshift('beta_table', 'beta')],
    featureViews: [
      {
        spec: {
          name: 'a_view',
          project: 'alpha',
          entities: ['driver'],
          batchSource: redshift('alpha_table'),
        },
      },
      {
        spec: { name: 'b_view', project: 'beta', entities: ['driver'], batchSource: redshift('beta_table') },
      },
    ],
    featureServices: [
      { spec: { name: 'a_service', project: 'alpha' } },
      { spec: { name: 'b_service', project: 'beta' } },
    ],
    onDemandFeatureViews: [{ spec: { name: 'b_odfv', project: 'beta' } }],
    savedDatasets: [{ spec: { name: 'a_ds', project: 'alpha' } }],
  });
}

describe('project filtering', () => {
  it('keeps one project’s objects and lists every project in the file', () => {
    const document = twoProjects();
    const alpha = toRegistryModel(document, 'alpha');
    expect(alpha.projects).toEqual(['alpha', 'beta', 'gamma']);
    expect(alpha.entities.map((e) => e.joinKey)).toEqual(['driver_id']);
    expect(alpha.dataSources.map((s) => s.name)).toEqual(['alpha_table']);
    expect(alpha.featureViews.map((v) => v.name)).toEqual(['a_view']);
    expect(alpha.featureServices.map((s) => s.name)).toEqual(['a_service']);
    expect(alpha.onDemandFeatureViews).toEqual([]);
    expect(alpha.savedDatasets.map((d) => d.name)).toEqual(['a_ds']);

    const beta = toRegistryModel(document, 'beta');
    expect(beta.entities).toEqual([
      {
        name: 'driver',
        project: 'beta',
        joinKey: 'driver_ref',
        valueType: 'STRING',
        description: '',
        tags: {},
        owner: '',
      },
    ]);
    expect(beta.onDemandFeatureViews.map((v) => v.name)).toEqual(['b_odfv']);
    expect(beta.featureViews[0]?.batchSource.project).toBe('beta'); // embedded copies carry no project
  });

  it('skips objects without a spec', () => {
    const document = completeDocument({
      entities: [{ meta: {} }],
      featureViews: [{}],
      featureServices: [{}],
    });
    expect(toRegistryModel(document, '')).toMatchObject({
      entities: [],
      featureViews: [],
      featureServices: [],
    });
  });
});

describe('feature views', () => {
  it('hides __dummy and __dummy_id only for entityless views, as Feast does', () => {
    const document = completeDocument({
      featureViews: [
        {
          spec: {
            name: 'global',
            project: 'p',
            entities: ['__dummy'],
            entityColumns: [{ name: '__dummy_id', valueType: 2 }],
          },
        },
        {
          spec: {
            name: 'keyed',
            project: 'p',
            entities: ['driver'],
            entityColumns: [{ name: 'driver_id', valueType: 4 }],
          },
        },
      ],
    });
    const [global, keyed] = toRegistryModel(document, 'p').featureViews;
    expect(global).toMatchObject({ entities: [], entityColumns: [] });
    expect(keyed).toMatchObject({
      entities: ['driver'],
      entityColumns: [{ name: 'driver_id', valueType: 'INT64' }],
    });
  });

  it('derives entity columns from the entities when an old registry has none', () => {
    const document = completeDocument({
      entities: [{ spec: { name: 'driver', project: 'p', joinKey: 'driver_id', valueType: 4 } }],
      featureViews: [{ spec: { name: 'v', project: 'p', entities: ['driver', 'unknown'] } }],
    });
    expect(toRegistryModel(document, 'p').featureViews[0]?.entityColumns).toEqual([
      { name: 'driver_id', valueType: 'INT64' },
    ]);
  });

  it('marks a missing batch source, and defaults a Redshift table’s schema to public', () => {
    const document = completeDocument({
      featureViews: [
        { spec: { name: 'no_source', project: 'p' } },
        {
          spec: {
            name: 'query',
            project: 'p',
            batchSource: { type: 5, name: 'q', redshiftOptions: { query: 'SELECT 1' } },
          },
        },
        {
          spec: {
            name: 'schema',
            project: 'p',
            batchSource: { type: 5, redshiftOptions: { table: 't', schema: 's' } },
          },
        },
      ],
    });
    const [none, query, schema] = toRegistryModel(document, 'p').featureViews;
    expect(none?.batchSource).toMatchObject({ name: '', kind: 'INVALID', project: 'p' });
    expect(none?.batchSource.redshift).toBeUndefined();
    expect(query?.batchSource.redshift).toEqual({ table: '', schema: '', database: '', query: 'SELECT 1' });
    expect(schema?.batchSource.redshift?.schema).toBe('s');
  });

  it('truncates TTLs to whole seconds like int(timedelta.total_seconds())', () => {
    expect(ttlSeconds(undefined)).toBe(0);
    expect(ttlSeconds({ seconds: 0, nanos: 0 })).toBe(0);
    expect(ttlSeconds({ seconds: 0, nanos: 999_999_999 })).toBe(0);
    expect(ttlSeconds({ seconds: 7200, nanos: 999_999_999 })).toBe(7200);
    expect(ttlSeconds({ seconds: -1, nanos: -500_000_000 })).toBe(-1);
    expect(ttlSeconds({ seconds: 0, nanos: -999_999_999 })).toBe(0);
    expect(Object.is(ttlSeconds({ seconds: 0, nanos: -5 }), 0)).toBe(true);
  });
});

describe('data sources', () => {
  it('reads request schemas, falling back to the deprecated map', () => {
    const document = completeDocument({
      dataSources: [
        { type: 7, name: 'new', project: 'p', requestDataOptions: { schema: [{ name: 'a', valueType: 5 }] } },
        { type: 7, name: 'old', project: 'p', requestDataOptions: { deprecatedSchema: { b: 4, c: 99 } } },
      ],
    });
    const [fresh, old] = toRegistryModel(document, 'p').dataSources;
    expect(fresh?.requestSchema).toEqual([{ name: 'a', valueType: 'DOUBLE' }]);
    expect(old?.requestSchema).toEqual([
      { name: 'b', valueType: 'INT64' },
      { name: 'c', valueType: 'INVALID' },
    ]);
    expect(old?.kind).toBe('REQUEST_SOURCE');
  });

  it('reads source kinds Feast added later, and unknown ones as INVALID', () => {
    const document = completeDocument({
      dataSources: [
        { type: 12, name: 'athena', project: 'p' },
        { type: 77, name: 'future', project: 'p' },
      ],
    });
    expect(toRegistryModel(document, 'p').dataSources.map((s) => s.kind)).toEqual([
      'BATCH_ATHENA',
      'INVALID',
    ]);
  });
});

describe('on-demand feature views', () => {
  function odfv(spec: DeepPartial<NonNullable<OnDemandFeatureViewDoc['spec']>>) {
    const document = completeDocument({
      onDemandFeatureViews: [{ spec: { name: 'o', project: 'p', ...spec } }],
    });
    const view = toRegistryModel(document, 'p').onDemandFeatureViews[0];
    if (!view) throw new Error('no ODFV');
    return view;
  }

  it('lists sources sorted by name, reading embedded feature views as full projections', () => {
    const view = odfv({
      sources: {
        z_request: {
          requestDataSource: {
            type: 7,
            name: 'z_request',
            requestDataOptions: { schema: [{ name: 'x', valueType: 4 }] },
          },
        },
        a_view: {
          featureView: {
            spec: {
              name: 'stats',
              features: [
                { name: 'f1', valueType: 6 },
                { name: 'f2', valueType: 3 },
              ],
            },
          },
        },
        m_alias: {
          featureViewProjection: {
            featureViewName: 'stats',
            featureViewNameAlias: 'm_alias',
            featureColumns: [{ name: 'f1', valueType: 6 }],
            joinKeyMap: { driver_id: 'other_driver' },
          },
        },
      },
    });
    expect(view.sources).toEqual([
      {
        kind: 'featureView',
        name: 'a_view',
        projection: {
          featureViewName: 'stats',
          alias: '',
          features: [
            { name: 'f1', valueType: 'FLOAT' },
            { name: 'f2', valueType: 'INT32' },
          ],
          joinKeyMap: {},
        },
      },
      {
        kind: 'featureView',
        name: 'm_alias',
        projection: {
          featureViewName: 'stats',
          alias: 'm_alias',
          features: [{ name: 'f1', valueType: 'FLOAT' }],
          joinKeyMap: { driver_id: 'other_driver' },
        },
      },
      { kind: 'requestSource', name: 'z_request', schema: [{ name: 'x', valueType: 'INT64' }] },
    ]);
  });

  it('prefers feature_transformation, falls back to the old user_defined_function as pandas', () => {
    const current = odfv({
      mode: 'python',
      featureTransformation: {
        userDefinedFunction: { name: 'fn', bodyText: 'def fn(x):\n    return x\n', mode: 'python' },
      },
      userDefinedFunction: { name: 'old', bodyText: 'def old(df): ...' },
    });
    expect(current.mode).toBe('python');
    expect(current.transformation).toEqual({
      kind: 'udf',
      functionName: 'fn',
      sourceText: 'def fn(x):\n    return x\n',
    });

    const legacy = odfv({ userDefinedFunction: { name: 'old', bodyText: 'def old(df): ...' } });
    expect(legacy.mode).toBe('pandas');
    expect(legacy.transformation).toEqual({
      kind: 'udf',
      functionName: 'old',
      sourceText: 'def old(df): ...',
    });

    const emptyBody = odfv({
      featureTransformation: { userDefinedFunction: { name: 'fn', mode: 'pandas' } },
      userDefinedFunction: { name: 'old', bodyText: 'def old(df): ...' },
    });
    expect(emptyBody.transformation.functionName).toBe('old');

    const modeFromUdf = odfv({
      featureTransformation: { userDefinedFunction: { name: 'fn', bodyText: 'x', mode: 'python' } },
    });
    expect(modeFromUdf.mode).toBe('python');
  });

  it('reports substrait plans and views without any transformation', () => {
    expect(
      odfv({ mode: 'substrait', featureTransformation: { substraitTransformation: {} } }).transformation,
    ).toEqual({
      kind: 'substrait',
      functionName: '',
      sourceText: '',
    });
    expect(odfv({}).transformation.kind).toBe('none');
  });
});

describe('feature services and saved datasets', () => {
  it('keeps projections, the logging table, and saved-dataset storage exactly as stored', () => {
    const document = completeDocument({
      featureServices: [
        {
          spec: {
            name: 's',
            project: 'p',
            features: [{ featureViewName: 'v', featureViewNameAlias: 'w', joinKeyMap: { k: 'k2' } }],
            loggingConfig: { sampleRate: 1, redshiftDestination: { tableName: 'log_table' } },
          },
        },
        { spec: { name: 'unlogged', project: 'p', loggingConfig: { sampleRate: 1 } } },
      ],
      savedDatasets: [
        {
          spec: { name: 'd', project: 'p', storage: { redshiftStorage: { table: 't' } } },
          meta: { minEventTimestamp: { seconds: 0, nanos: 0 } },
        },
        { spec: { name: 'elsewhere', project: 'p', storage: {} } },
      ],
    });
    const model = toRegistryModel(document, 'p');
    expect(model.featureServices[0]).toMatchObject({
      loggingTable: 'log_table',
      projections: [{ featureViewName: 'v', alias: 'w', features: [], joinKeyMap: { k: 'k2' } }],
    });
    expect(model.featureServices[1]?.loggingTable).toBeUndefined();
    expect(model.savedDatasets[0]?.storage).toEqual({ table: 't', schema: '', database: '', query: '' });
    expect(model.savedDatasets[0]?.minEventTimestamp).toBe('1970-01-01T00:00:00Z');
    expect(model.savedDatasets[0]?.maxEventTimestamp).toBeUndefined();
    expect(model.savedDatasets[1]?.storage).toBeUndefined();
  });
});
