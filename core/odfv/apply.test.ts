/**
 * On-demand feature views computed in a real Python subprocess: Feast's calling conventions (pandas and python
 * mode, input names, output names), exact values both ways, type checks of the outputs, failures, timeouts,
 * cancellation and missing interpreters. The registry models are built here, with source text as Feast stores
 * it (`body_text`: the decorated function, decorator included).
 */

import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkbenchError, type EngineError } from '../contract/errors';
import type { EntityColumn } from '../frames/types';
import { driverHourlyStats, field, projection, universalRegistry } from '../plan/__fixtures__/registry';
import { planRetrieval } from '../plan/plan';
import type { RetrievalPlan } from '../plan/types';
import type { Field, OnDemandFeatureView, OnDemandSource, RegistryModel } from '../registry/model';
import { checkOnDemandViews, OnDemandSession, referencedOnDemandViews, type OnDemandOptions } from './apply';
import { startPython } from './python';
import { describeWithPython, pythonWithoutSitePackages, TEST_PYTHON } from './test-python';

const REQUEST_SOURCE: OnDemandSource = {
  kind: 'requestSource',
  name: 'vals_to_add',
  schema: [field('val_to_add', 'INT64')],
};
const CONV_RATE_SOURCE: OnDemandSource = {
  kind: 'featureView',
  name: 'driver_hourly_stats',
  projection: projection(driverHourlyStats, ['conv_rate']),
};

/** Feast's conv_rate_plus_100 (its universal test repo), stored as `feast apply` stores it. */
const CONV_RATE_PLUS_100 = `@on_demand_feature_view(
    sources=[driver_stats_fv[["conv_rate"]], vals_to_add],
    schema=[
        Field(name="conv_rate_plus_100", dtype=Float64),
        Field(name="conv_rate_plus_val_to_add", dtype=Float64),
        Field(name="conv_rate_plus_100_rounded", dtype=Int32),
    ],
)
def conv_rate_plus_100(features_df: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame()
    df["conv_rate_plus_100"] = features_df["conv_rate"] + 100
    df["conv_rate_plus_val_to_add"] = (
        features_df["conv_rate"] + features_df["val_to_add"]
    )
    df["conv_rate_plus_100_rounded"] = (
        df["conv_rate_plus_100"].astype("float").round().astype(pd.Int32Dtype())
    )
    return df
`;

interface ViewSpec {
  name: string;
  mode?: string;
  features: Field[];
  sources?: OnDemandSource[];
  body: string;
  functionName?: string;
}

/** An ODFV whose stored source is `@on_demand_feature_view(...)` followed by `body` (a def named like the view). */
function view(spec: ViewSpec): OnDemandFeatureView {
  const decorator = `@on_demand_feature_view(\n    sources=[driver_stats[["conv_rate"]], vals_to_add],\n    mode="${spec.mode ?? 'pandas'}",\n)\n`;
  return {
    name: spec.name,
    project: 'universal',
    features: spec.features,
    sources: spec.sources ?? [CONV_RATE_SOURCE, REQUEST_SOURCE],
    mode: spec.mode ?? 'pandas',
    transformation: {
      kind: 'udf',
      functionName: spec.functionName ?? spec.name,
      sourceText: spec.body.startsWith('@') ? spec.body : decorator + spec.body,
    },
    description: '',
    tags: {},
    owner: '',
  };
}

const CONV_RATE_VIEW: OnDemandFeatureView = view({
  name: 'conv_rate_plus_100',
  features: [
    field('conv_rate_plus_100', 'DOUBLE'),
    field('conv_rate_plus_val_to_add', 'DOUBLE'),
    field('conv_rate_plus_100_rounded', 'INT32'),
  ],
  body: CONV_RATE_PLUS_100,
});

const ENTITY_COLUMNS: EntityColumn[] = [
  { name: 'driver_id', type: 'int64' },
  { name: 'event_timestamp', type: 'timestamp' },
  { name: 'val_to_add', type: 'int64' },
];

const T0 = Date.UTC(2026, 0, 9, 12);

/** Four entity rows; conv_rate null on row 1 (no driver row in the TTL window), val_to_add null on row 2. */
function baseColumns(): Record<string, arrow.Vector> {
  return {
    driver_id: arrow.vectorFromArray([5001n, 5002n, 9007199254740993n, 5004n], new arrow.Int64()),
    event_timestamp: arrow.vectorFromArray(
      [0, 1, 2, 3].map((i) => new Date(T0 + i * 3_600_000)),
      new arrow.TimestampMicrosecond('UTC'),
    ),
    val_to_add: arrow.vectorFromArray([1n, 2n, null, 4n], new arrow.Int64()),
    conv_rate: arrow.vectorFromArray([0.5, null, 0.25, 1.5], new arrow.Float64()),
    acc_rate: arrow.vectorFromArray([0.125, 0.5, null, 1], new arrow.Float64()),
  };
}

function registryWith(...views: OnDemandFeatureView[]): RegistryModel {
  return universalRegistry({ onDemandFeatureViews: views, featureServices: [] });
}

function planFor(
  registry: RegistryModel,
  features: string[],
  fullFeatureNames = false,
  entityColumns: EntityColumn[] = ENTITY_COLUMNS,
): RetrievalPlan {
  return planRetrieval({ registry, features, entityColumns, entityTable: { name: 'e' }, fullFeatureNames });
}

/** The SQL part of a result: the plan's non-ODFV columns, in order, from `columns` by short name. */
function sqlResult(plan: RetrievalPlan, columns: Record<string, arrow.Vector>): arrow.Table {
  const vectors: Record<string, arrow.Vector> = {};
  for (const column of plan.outputColumns) {
    if (column.kind === 'onDemand') continue;
    const short = column.kind === 'feature' ? column.feature : column.name;
    vectors[column.name] = columns[short] ?? columns[column.name]!;
  }
  return new arrow.Table(vectors);
}

/** Plain JS values of a column: bigint stays bigint, NaN stays NaN, nulls are null. */
function values(table: arrow.Table, name: string): unknown[] {
  const vector = table.getChild(name);
  if (!vector) throw new Error(`no column ${name} in ${table.schema.fields.map((f) => f.name).join(', ')}`);
  return Array.from({ length: table.numRows }, (_, i) => {
    const value: unknown = vector.get(i);
    return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : (value ?? null);
  });
}

async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (isWorkbenchError(error)) return error.detail;
    throw error;
  }
  throw new Error('expected an EngineError');
}

/** Starts a session for the views, applies the plan to `columns`, closes the session. */
async function compute(
  views: OnDemandFeatureView[],
  features: string[],
  columns: Record<string, arrow.Vector> = baseColumns(),
  options: { fullFeatureNames?: boolean; onDemand?: OnDemandOptions; entityColumns?: EntityColumn[] } = {},
): Promise<arrow.Table> {
  const plan = planFor(registryWith(...views), features, options.fullFeatureNames, options.entityColumns);
  const session = await OnDemandSession.start(views, options.onDemand ?? {});
  try {
    return await session.applyToTable(sqlResult(plan, columns), plan);
  } finally {
    await session.close();
  }
}

/**
 * One session for several single-output views named bad0, bad1...: the driver keeps running after a view fails,
 * so each case costs a batch, not a Python start. Returns each case's error.
 */
async function errorsOf(
  cases: { mode?: string; valueType: Field['valueType']; body: string }[],
): Promise<EngineError[]> {
  const views = cases.map((c, i) =>
    view({
      name: `bad${i}`,
      mode: c.mode ?? 'pandas',
      features: [field('out', c.valueType)],
      body: c.body.replace('def bad(', `def bad${i}(`),
    }),
  );
  const registry = registryWith(...views);
  const session = await OnDemandSession.start(views);
  try {
    const errors: EngineError[] = [];
    for (const [i] of cases.entries()) {
      const plan = planFor(registry, [`bad${i}:out`]);
      errors.push(await engineError(session.applyToTable(sqlResult(plan, baseColumns()), plan)));
    }
    return errors;
  } finally {
    await session.close();
  }
}

describe('views the workbench cannot run (no Python needed)', () => {
  it('refuses substrait mode and a registry without source text, before starting anything', async () => {
    const substrait = { ...CONV_RATE_VIEW, mode: 'substrait' };
    expect(await engineError(OnDemandSession.start([substrait]))).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringMatching(/conv_rate_plus_100 uses mode "substrait"; .*pandas and python/),
    });
    const noSource = {
      ...CONV_RATE_VIEW,
      transformation: { kind: 'udf' as const, functionName: 'f', sourceText: '' },
    };
    expect(() => checkOnDemandViews([noSource])).toThrow(/no stored Python source text \(body_text\)/);
  });

  it('finds the views a request names, directly or through a feature service', () => {
    const registry = universalRegistry({
      onDemandFeatureViews: [CONV_RATE_VIEW],
      featureServices: [
        {
          name: 'svc',
          project: 'universal',
          projections: [
            projection(driverHourlyStats, ['acc_rate']),
            { featureViewName: 'conv_rate_plus_100', alias: '', features: [], joinKeyMap: {} },
          ],
          description: '',
          tags: {},
          owner: '',
        },
      ],
    });
    expect(referencedOnDemandViews(registry, { featureService: 'svc' })).toEqual([CONV_RATE_VIEW]);
    expect(
      referencedOnDemandViews(registry, {
        features: ['driver_hourly_stats:conv_rate', 'conv_rate_plus_100:conv_rate_plus_100'],
      }),
    ).toEqual([CONV_RATE_VIEW]);
    expect(referencedOnDemandViews(registry, { features: ['driver_hourly_stats:conv_rate'] })).toEqual([]);
  });

  it('names the interpreter tried when FWB_PYTHON points nowhere', async () => {
    const error = await engineError(
      startPython(true, { env: { FWB_PYTHON: '/nonexistent/python3' } }, undefined, 'the view v'),
    );
    expect(error).toMatchObject({
      kind: 'DependencyMissing',
      what: 'Python 3 with pandas (to run the view v)',
    });
    expect((error as { fix: string }).fix).toMatch(
      /^tried \/nonexistent\/python3 \(FWB_PYTHON\): not found\. Point FWB_PYTHON at an interpreter that has pandas, or install pandas for it \(Debian\/Ubuntu: `sudo apt-get install python3-pandas`/,
    );
  });
});

describeWithPython('on-demand feature views in Python', () => {
  let noPandas: string;
  beforeAll(async () => {
    noPandas = await pythonWithoutSitePackages();
  });

  it("computes Feast's conv_rate_plus_100 with a request source, appended with the declared types", async () => {
    const result = await compute(
      [CONV_RATE_VIEW],
      [
        'conv_rate_plus_100:conv_rate_plus_100',
        'conv_rate_plus_100:conv_rate_plus_val_to_add',
        'conv_rate_plus_100:conv_rate_plus_100_rounded',
      ],
    );
    expect(result.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'driver_id: Int64',
      'event_timestamp: Timestamp<MICROSECOND, UTC>',
      'val_to_add: Int64',
      // Feast adds the view's input feature to the retrieval (and so to the output).
      'conv_rate: Float64',
      'conv_rate_plus_100: Float64',
      'conv_rate_plus_val_to_add: Float64',
      'conv_rate_plus_100_rounded: Int32',
    ]);
    expect(values(result, 'conv_rate_plus_100')).toEqual([100.5, null, 100.25, 101.5]);
    expect(values(result, 'conv_rate_plus_val_to_add')).toEqual([1.5, null, null, 5.5]);
    // numpy rounds half to even; the nullable Int32 keeps the null.
    expect(values(result, 'conv_rate_plus_100_rounded')).toEqual([100, null, 100, 102]);
    expect(values(result, 'driver_id')).toEqual([5001n, 5002n, 9007199254740993n, 5004n]);
  });

  it('names outputs view__feature with full feature names; the function still reads the short names', async () => {
    const result = await compute(
      [CONV_RATE_VIEW],
      ['conv_rate_plus_100:conv_rate_plus_100', 'driver_hourly_stats:acc_rate'],
      baseColumns(),
      { fullFeatureNames: true },
    );
    expect(result.schema.fields.map((f) => f.name)).toEqual([
      'driver_id',
      'event_timestamp',
      'val_to_add',
      'driver_hourly_stats__acc_rate',
      'driver_hourly_stats__conv_rate',
      'conv_rate_plus_100__conv_rate_plus_100',
    ]);
    expect(values(result, 'conv_rate_plus_100__conv_rate_plus_100')).toEqual([100.5, null, 100.25, 101.5]);
  });

  it('accepts outputs the function names view__feature, as Feast renames them', async () => {
    const prefixed = view({
      name: 'prefixed',
      features: [field('doubled', 'DOUBLE')],
      body: 'def prefixed(df):\n    return pd.DataFrame({"prefixed__doubled": df["conv_rate"] * 2})\n',
    });
    const result = await compute([prefixed], ['prefixed:doubled']);
    expect(values(result, 'doubled')).toEqual([1, null, 0.5, 3]);
  });

  it('gives the function the whole result under both input names, as a DataFrame with to_pandas dtypes', async () => {
    const dtypes = view({
      name: 'dtypes',
      features: [field('described', 'STRING')],
      body:
        'def dtypes(df):\n' +
        '    text = ";".join(f"{c}={df[c].dtype}" for c in df.columns)\n' +
        '    return pd.DataFrame({"described": [text] * len(df)})\n',
    });
    const columns = {
      ...baseColumns(),
      flag: arrow.vectorFromArray([true, false, true, false], new arrow.Bool()),
      maybe: arrow.vectorFromArray([true, null, false, true], new arrow.Bool()),
      label: arrow.vectorFromArray(['a', null, 'é', 'd'], new arrow.Utf8()),
      small: arrow.vectorFromArray([1, 2, 3, 4], new arrow.Int32()),
      single: arrow.vectorFromArray([0.5, 1, 2, null], new arrow.Float32()),
    };
    const entityColumns: EntityColumn[] = [
      ...ENTITY_COLUMNS,
      { name: 'flag', type: 'bool' },
      { name: 'maybe', type: 'bool' },
      { name: 'label', type: 'string' },
      { name: 'small', type: 'int64' },
      { name: 'single', type: 'float64' },
    ];
    const result = await compute([dtypes], ['dtypes:described'], columns, { entityColumns });
    expect(values(result, 'described')[0]).toBe(
      [
        'driver_id=int64',
        'event_timestamp=datetime64[ns, UTC]',
        'val_to_add=float64',
        'flag=bool',
        'maybe=object',
        'label=object',
        'small=int32',
        'single=float32',
        'conv_rate=float64',
        'driver_hourly_stats__conv_rate=float64',
      ].join(';'),
    );
  });

  it('python mode: a dict of lists with the values to_pydict gives, exactly', async () => {
    const reprs = view({
      name: 'reprs',
      mode: 'python',
      features: [field('seen', 'STRING')],
      body:
        'def reprs(inputs):\n' +
        '    keys = sorted(inputs)\n' +
        '    rows = zip(*(inputs[k] for k in keys))\n' +
        '    return {"seen": [repr(dict(zip(keys, row))) for row in rows]}\n',
    });
    const columns = {
      ...baseColumns(),
      conv_rate: arrow.vectorFromArray([-0, NaN, Infinity, 0.1], new arrow.Float64()),
      label: arrow.vectorFromArray(['x', null, 'ü"\'', ''], new arrow.Utf8()),
      flag: arrow.vectorFromArray([true, null, false, true], new arrow.Bool()),
    };
    const entityColumns: EntityColumn[] = [
      ...ENTITY_COLUMNS,
      { name: 'label', type: 'string' },
      { name: 'flag', type: 'bool' },
    ];
    const result = await compute([reprs], ['reprs:seen'], columns, { entityColumns });
    const seen = values(result, 'seen') as string[];
    expect(seen[0]).toBe(
      "{'conv_rate': -0.0, 'driver_hourly_stats__conv_rate': -0.0, 'driver_id': 5001, " +
        "'event_timestamp': datetime.datetime(2026, 1, 9, 12, 0, tzinfo=datetime.timezone.utc), 'flag': True, " +
        "'label': 'x', 'val_to_add': 1}",
    );
    expect(seen[1]).toContain("'conv_rate': nan, ");
    expect(seen[1]).toContain("'flag': None, 'label': None, ");
    expect(seen[2]).toContain("'conv_rate': inf, ");
    expect(seen[2]).toContain("'driver_id': 9007199254740993, ");
    expect(seen[2]).toContain(`'label': 'ü"\\'', 'val_to_add': None}`);
    expect(seen[3]).toContain("'conv_rate': 0.1, ");
  });

  it('python mode keeps NaN as a value; pandas mode makes it null, as pyarrow.from_pandas does', async () => {
    const body = (name: string, mode: string) =>
      mode === 'python'
        ? `def ${name}(inputs):\n    return {"out": [float("nan"), None, 1.5, float("-inf")]}\n`
        : `def ${name}(df):\n    return pd.DataFrame({"out": [float("nan"), None, 1.5, float("-inf")]})\n`;
    const python = view({
      name: 'py',
      mode: 'python',
      features: [field('out', 'DOUBLE')],
      body: body('py', 'python'),
    });
    const pandas = view({ name: 'pdv', features: [field('out', 'DOUBLE')], body: body('pdv', 'pandas') });
    expect(values(await compute([python], ['py:out']), 'out')).toEqual([NaN, null, 1.5, -Infinity]);
    expect(values(await compute([pandas], ['pdv:out']), 'out')).toEqual([null, null, 1.5, -Infinity]);
  });

  it('converts every supported output type exactly', async () => {
    const typed = view({
      name: 'typed',
      mode: 'python',
      features: [
        field('i32', 'INT32'),
        field('i64', 'INT64'),
        field('f32', 'FLOAT'),
        field('text', 'STRING'),
        field('flag', 'BOOL'),
        field('blob', 'BYTES'),
        field('aware', 'UNIX_TIMESTAMP'),
        field('naive', 'UNIX_TIMESTAMP'),
      ],
      body:
        'def typed(inputs):\n' +
        '    import datetime as dt\n' +
        '    utc = dt.timezone.utc\n' +
        '    plus1 = dt.timezone(dt.timedelta(hours=1))\n' +
        '    return {\n' +
        '        "i32": [-2**31, 2**31 - 1, None, 7.0],\n' +
        '        "i64": [-2**63, 2**63 - 1, 2**53 + 1, None],\n' +
        '        "f32": [0.1, None, 3, -1e38],\n' +
        '        "text": ["", "naïve ✓", None, "x" * 300],\n' +
        '        "flag": [True, False, None, True],\n' +
        '        "blob": [b"\\x00\\xff", b"", None, bytearray(b"ab")],\n' +
        '        "aware": [dt.datetime(2026, 1, 9, 13, 0, 0, 123456, tzinfo=plus1), None,\n' +
        '                  dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=utc), dt.datetime(2026, 1, 1, tzinfo=utc)],\n' +
        '        "naive": [dt.datetime(2026, 1, 9, 12), None, None, dt.datetime(1, 1, 1)],\n' +
        '    }\n',
    });
    const features = typed.features.map((f) => `typed:${f.name}`);
    const result = await compute([typed], features);
    expect(result.schema.fields.slice(-8).map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'i32: Int32',
      'i64: Int64',
      'f32: Float32',
      'text: Utf8',
      'flag: Bool',
      'blob: Binary',
      'aware: Timestamp<MICROSECOND, UTC>',
      'naive: Timestamp<MICROSECOND, UTC>',
    ]);
    expect(values(result, 'i32')).toEqual([-(2 ** 31), 2 ** 31 - 1, null, 7]);
    expect(values(result, 'i64')).toEqual([-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, null]);
    expect(values(result, 'f32')).toEqual([Math.fround(0.1), null, 3, Math.fround(-1e38)]);
    expect(values(result, 'text')).toEqual(['', 'naïve ✓', null, 'x'.repeat(300)]);
    expect(values(result, 'flag')).toEqual([true, false, null, true]);
    expect(values(result, 'blob')).toEqual(['00ff', '', null, '6162']);
    const micros = (name: string) => {
      const data = result.getChild(name)!.data[0]!;
      return Array.from({ length: 4 }, (_, i) =>
        data.getValid(i) ? (data.values as BigInt64Array)[i] : null,
      );
    };
    expect(micros('aware')).toEqual([
      BigInt(Date.UTC(2026, 0, 9, 12)) * 1000n + 123456n,
      null,
      -1n,
      BigInt(Date.UTC(2026, 0, 1)) * 1000n,
    ]);
    expect(micros('naive')).toEqual([BigInt(T0) * 1000n, null, null, -62135596800000000n]);
  });

  it('names the feature and the first bad row when an output does not fit its declared type', async () => {
    const cases: { mode?: string; body: string; valueType: Field['valueType']; message: RegExp }[] = [
      {
        valueType: 'INT32',
        body: 'def bad(df):\n    return pd.DataFrame({"out": [1, 2, 2**31, 2**40]})\n',
        message:
          /^output out is declared INT32, but entity row 2 \(driver_id=9007199254740993, event_timestamp=2026-01-09T14:00:00.000Z, val_to_add=null\) holds 2147483648 \(int64\): outside the INT32 range$/,
      },
      {
        valueType: 'INT64',
        body: 'def bad(df):\n    return pd.DataFrame({"out": [1.0, 3.5, 4.0, 5.5]})\n',
        message:
          /^output out is declared INT64, but entity row 1 \(driver_id=5002, .*\) holds 3\.5 \(float64\): not an integer$/,
      },
      {
        valueType: 'DOUBLE',
        body: 'def bad(df):\n    return pd.DataFrame({"out": [1.0, None, "abc", "x"]})\n',
        message: /^output out is declared DOUBLE, but entity row 2 .* holds 'abc' \(str\): not a number$/,
      },
      {
        valueType: 'BOOL',
        body: 'def bad(df):\n    return pd.DataFrame({"out": [True, 1, False, True]})\n',
        message: /^output out is declared BOOL, but entity row 1 .* holds 1 \(int\): not a bool$/,
      },
      {
        valueType: 'STRING',
        body: 'def bad(df):\n    return pd.DataFrame({"out": ["a", "b", "c", 4]})\n',
        message: /^output out is declared STRING, but entity row 3 .* holds 4 \(int\): not a string$/,
      },
      {
        // In a DataFrame, pandas itself would turn the text into a timestamp.
        mode: 'python',
        valueType: 'UNIX_TIMESTAMP',
        body: 'def bad(inputs):\n    return {"out": [pd.Timestamp("2026-01-01"), None, "2026-01-02", None]}\n',
        message:
          /^output out is declared UNIX_TIMESTAMP, but entity row 2 .* holds '2026-01-02' \(str\): not a timestamp$/,
      },
    ];
    const errors = await errorsOf(cases);
    cases.forEach(({ message }, i) => {
      expect(errors[i], `case ${i}`).toMatchObject({ kind: 'TransformFailed', name: `bad${i}` });
      expect((errors[i] as { message: string }).message, `case ${i}`).toMatch(message);
    });
  });

  it('python mode: a string for a DOUBLE output is named with its row', async () => {
    const bad = view({
      name: 'bad',
      mode: 'python',
      features: [field('out', 'DOUBLE')],
      body: 'def bad(inputs):\n    return {"out": [1, 2.5, "3", 4]}\n',
    });
    expect(await engineError(compute([bad], ['bad:out']))).toMatchObject({
      kind: 'TransformFailed',
      message: expect.stringMatching(
        /^output out is declared DOUBLE, but entity row 2 .* holds '3' \(str\): not a number$/,
      ),
    });
  });

  it('refuses results of the wrong shape, naming what came back', async () => {
    const cases: [string, string, RegExp][] = [
      [
        'pandas',
        'def bad(df):\n    return [1, 2, 3, 4]\n',
        /returned list; a pandas-mode view must return a pandas DataFrame/,
      ],
      [
        'pandas',
        'def bad(df):\n    return pd.DataFrame({"other": [1, 2, 3, 4]})\n',
        /returned no column out \(it returned: other\)/,
      ],
      [
        'pandas',
        'def bad(df):\n    return pd.DataFrame({"out": [1.0]})\n',
        /returned 1 rows for 4 input rows/,
      ],
      ['python', 'def bad(inputs):\n    return {"out": 1.0}\n', /returned float for out; expected a list/],
      [
        'python',
        'def bad(inputs):\n    return {"out": [1.0, 2.0]}\n',
        /returned 2 values of out for 4 input rows/,
      ],
      [
        'python',
        'def bad(inputs):\n    return None\n',
        /returned NoneType; a python-mode view must return a dict of lists/,
      ],
    ];
    const errors = await errorsOf(cases.map(([mode, body]) => ({ mode, body, valueType: 'DOUBLE' })));
    cases.forEach(([, , message], i) => {
      expect(errors[i], `case ${i}`).toMatchObject({
        kind: 'TransformFailed',
        name: `bad${i}`,
        message: expect.stringMatching(message),
      });
    });
  });

  it('shows the traceback with the stored source lines and what the function printed when it raises', async () => {
    const boom = view({
      name: 'boom',
      features: [field('out', 'DOUBLE')],
      body:
        'def boom(df):\n' +
        '    print("looking at", len(df), "rows")\n' +
        '    ratio = 1 / 0\n' +
        '    return df\n',
    });
    const error = await engineError(compute([boom], ['boom:out']));
    expect(error).toMatchObject({
      kind: 'TransformFailed',
      name: 'boom',
      message: 'the transformation raised ZeroDivisionError: division by zero (rows 0-3)',
    });
    const output = (error as { output: string }).output;
    // Line 7 of the stored text (the decorator spans lines 1-4): line numbers are the registry's.
    expect(output).toContain('File "<on-demand feature view boom>", line 7, in boom\n    ratio = 1 / 0\n');
    expect(output).not.toContain('fwb_odfv_driver');
    expect(output).toMatch(/output of the transformation:\nlooking at 4 rows$/);
  });

  it('explains a NameError: module-level imports of the feature repo are not stored', async () => {
    const needsMath = view({
      name: 'needs_math',
      features: [field('out', 'DOUBLE')],
      body: 'def needs_math(df):\n    return pd.DataFrame({"out": df["conv_rate"].map(math.sqrt)})\n',
    });
    expect(await engineError(compute([needsMath], ['needs_math:out']))).toMatchObject({
      kind: 'TransformFailed',
      message: expect.stringMatching(
        /raised NameError: name 'math' is not defined \(the registry stores only the function's own source: .* import them inside the function\)/,
      ),
    });
  });

  it('reports a source that does not compile, or lacks the function, when starting', async () => {
    const broken = view({
      name: 'broken',
      features: [field('out', 'DOUBLE')],
      body: 'def broken(df)\n    return df\n',
    });
    expect(await engineError(OnDemandSession.start([broken]))).toMatchObject({
      kind: 'TransformFailed',
      name: 'broken',
      message: expect.stringMatching(/^its stored source text is not valid Python: .* \(line 5\)$/),
    });
    const renamed = view({
      name: 'renamed',
      features: [field('out', 'DOUBLE')],
      body: 'def something_else(df):\n    return df\n',
    });
    expect(await engineError(OnDemandSession.start([renamed]))).toMatchObject({
      kind: 'TransformFailed',
      message: 'its stored source text defines no function named renamed (it defines: something_else)',
    });
  });

  it('strips a decorator whose arguments hold parentheses and quotes, from indented source', async () => {
    const source = [
      '    @on_demand_feature_view(  # a comment with a ) in it',
      '        sources=[driver_stats[["conv_rate"]]],',
      '        description="""tricky ) text',
      '        over (two lines""",',
      "        tags={'a': ')'},",
      '    )',
      '    @another.decorator',
      '    def tricky(df: pd.DataFrame) -> pd.DataFrame:',
      '        return pd.DataFrame({"out": df["conv_rate"] + np.float64(1)})',
      '',
    ].join('\n');
    const tricky = view({ name: 'tricky', features: [field('out', 'DOUBLE')], body: source });
    tricky.transformation.sourceText = source;
    expect(values(await compute([tricky], ['tricky:out']), 'out')).toEqual([1.5, null, 1.25, 2.5]);
  });

  it('gives later views the outputs of earlier ones, and batches give the same result', async () => {
    const first = view({
      name: 'first',
      features: [field('plus_one', 'DOUBLE')],
      body: 'def first(df):\n    return pd.DataFrame({"plus_one": df["conv_rate"] + 1})\n',
    });
    const second = view({
      name: 'second',
      mode: 'python',
      features: [field('times_two', 'DOUBLE')],
      body:
        'def second(inputs):\n' +
        '    return {"times_two": [None if v is None else v * 2 for v in inputs["plus_one"]]}\n',
    });
    const features = ['first:plus_one', 'second:times_two'];
    const whole = await compute([first, second], features);
    expect(values(whole, 'plus_one')).toEqual([1.5, null, 1.25, 2.5]);
    // pandas' NaN became a null, which python mode sees as None.
    expect(values(whole, 'times_two')).toEqual([3, null, 2.5, 5]);
    const batched = await compute([first, second], features, baseColumns(), { onDemand: { batchRows: 3 } });
    expect(batched.batches.length).toBe(1);
    expect(values(batched, 'times_two')).toEqual(values(whole, 'times_two'));
  });

  it('appends typed empty columns to a zero-row result', async () => {
    const empty = Object.fromEntries(
      Object.entries(baseColumns()).map(([name, vector]) => [name, vector.slice(0, 0)]),
    );
    const result = await compute([CONV_RATE_VIEW], ['conv_rate_plus_100:conv_rate_plus_100_rounded'], empty);
    expect(result.numRows).toBe(0);
    expect(String(result.schema.fields.at(-1)!.type)).toBe('Int32');
  });

  it('stops a batch that runs past the deadline, and a cancelled one', async () => {
    const slow = view({
      name: 'slow',
      features: [field('out', 'DOUBLE')],
      body: 'def slow(df):\n    import time\n    time.sleep(60)\n    return df\n',
    });
    expect(
      await engineError(compute([slow], ['slow:out'], baseColumns(), { onDemand: { timeoutMs: 300 } })),
    ).toMatchObject({
      kind: 'TimedOut',
      seconds: 0.3,
      operation: expect.stringMatching(/^computing slow for rows 0-3 in Python/),
    });

    const plan = planFor(registryWith(slow), ['slow:out']);
    const session = await OnDemandSession.start([slow]);
    const controller = new AbortController();
    const pending = session.applyToTable(sqlResult(plan, baseColumns()), plan, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect(await engineError(pending)).toMatchObject({ kind: 'Cancelled' });
    await session.close();
  });

  it('reports a Python without pandas for pandas views, and runs python views with it', async () => {
    const error = await engineError(
      compute([CONV_RATE_VIEW], ['conv_rate_plus_100:conv_rate_plus_100'], baseColumns(), {
        onDemand: { python: noPandas },
      }),
    );
    expect(error).toMatchObject({
      kind: 'DependencyMissing',
      what: 'Python 3 with pandas (to run the on-demand feature view conv_rate_plus_100)',
    });
    expect((error as { fix: string }).fix).toContain(
      `tried ${noPandas} (--python, Python ${TEST_PYTHON.info!.version}): cannot import pandas (ModuleNotFoundError: No module named 'pandas')`,
    );
    const plain = view({
      name: 'plain',
      mode: 'python',
      features: [field('out', 'INT64')],
      body: 'def plain(inputs):\n    return {"out": [d * 2 for d in inputs["driver_id"]]}\n',
    });
    const result = await compute([plain], ['plain:out'], baseColumns(), { onDemand: { python: noPandas } });
    expect(values(result, 'out')).toEqual([10002n, 10004n, 18014398509481986n, 10008n]);
  });
});

afterAll(() => undefined);
