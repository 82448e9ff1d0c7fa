/**
 * On-demand feature views through the Python subprocess: the demo repo's transformed_conv_rate (pandas mode)
 * and the same computation in python mode, on a generated 1M-row result shaped like the demo's, plus the cost
 * of starting Python and compiling the view.
 */
import * as arrow from 'apache-arrow';
import { fileURLToPath } from 'node:url';
import { loadRepoConfig } from '../core/config/load';
import { OnDemandSession } from '../core/odfv/apply';
import { planRetrieval } from '../core/plan/plan';
import type { RetrievalPlan } from '../core/plan/types';
import { loadRegistry } from '../core/registry/load';
import type { OnDemandFeatureView, RegistryModel } from '../core/registry/model';
import { defineBench } from './harness';

const ROWS = 1_000_000;
const DEMO = fileURLToPath(new URL('../assets/demo', import.meta.url));
const OUTPUTS = ['conv_rate_plus_100', 'conv_rate_plus_val_to_add', 'conv_rate_plus_100_rounded'];

/** The demo ODFV's computation in python mode (lists in, lists out). */
const PYTHON_SOURCE = `@on_demand_feature_view(sources=[driver_hourly_stats[["conv_rate"]], vals_to_add], mode="python")
def transformed_conv_rate_py(inputs):
    rates = inputs["conv_rate"]
    adds = inputs["val_to_add"]
    plus_100 = [None if r is None else r + 100 for r in rates]
    return {
        "conv_rate_plus_100": plus_100,
        "conv_rate_plus_val_to_add": [None if r is None or a is None else r + a for r, a in zip(rates, adds)],
        "conv_rate_plus_100_rounded": [None if p is None else round(p) for p in plus_100],
    }
`;

/** The SQL part of a demo result: entity columns, then conv_rate (10% nulls, as rows outside the TTL). */
function resultTable(plan: RetrievalPlan): arrow.Table {
  const driver = new BigInt64Array(ROWS);
  const customer = new BigInt64Array(ROWS);
  const ts = new BigInt64Array(ROWS);
  const add = new BigInt64Array(ROWS);
  const rate = new Float64Array(ROWS);
  const valid = new Uint8Array(Math.ceil(ROWS / 8));
  let x = 42;
  for (let i = 0; i < ROWS; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    driver[i] = BigInt(5001 + (i % 19));
    customer[i] = BigInt(1001 + (i % 19));
    ts[i] = BigInt(Date.UTC(2026, 0, 7)) * 1000n + BigInt(i) * 1_000_000n;
    add[i] = BigInt(i % 100);
    rate[i] = x / 2147483648;
    if (i % 10 !== 0) valid[i >> 3]! |= 1 << (i & 7);
  }
  const column = (type: arrow.DataType, data: ArrayBufferView, nullBitmap?: Uint8Array) =>
    arrow.makeVector(
      arrow.makeData({
        type,
        length: ROWS,
        data,
        nullBitmap,
        nullCount: nullBitmap ? ROWS / 10 : 0,
      } as never),
    );
  const vectors: Record<string, arrow.Vector> = {
    driver_id: column(new arrow.Int64(), driver),
    customer_id: column(new arrow.Int64(), customer),
    event_timestamp: column(new arrow.TimestampMicrosecond('UTC'), ts),
    val_to_add: column(new arrow.Int64(), add),
    previous_driver_id: column(new arrow.Int64(), driver),
    conv_rate: column(new arrow.Float64(), rate, valid),
  };
  const names = plan.outputColumns.filter((c) => c.kind !== 'onDemand').map((c) => c.name);
  return new arrow.Table(Object.fromEntries(names.map((name) => [name, vectors[name]!])));
}

function planFor(registry: RegistryModel, view: string): RetrievalPlan {
  return planRetrieval({
    registry,
    features: OUTPUTS.map((output) => `${view}:${output}`),
    entityColumns: [
      { name: 'driver_id', type: 'int64' },
      { name: 'customer_id', type: 'int64' },
      { name: 'event_timestamp', type: 'timestamp' },
      { name: 'val_to_add', type: 'int64' },
      { name: 'previous_driver_id', type: 'int64' },
    ],
    entityTable: { name: 'entities' },
  });
}

export default defineBench('odfv', async (bench) => {
  const demo = await loadRegistry(await loadRepoConfig(DEMO));
  const pandasView = demo.onDemandFeatureViews.find((v) => v.name === 'transformed_conv_rate')!;
  const pythonView: OnDemandFeatureView = {
    ...pandasView,
    name: 'transformed_conv_rate_py',
    mode: 'python',
    transformation: { kind: 'udf', functionName: 'transformed_conv_rate_py', sourceText: PYTHON_SOURCE },
  };
  const registry: RegistryModel = { ...demo, onDemandFeatureViews: [pandasView, pythonView] };

  const started = await bench.measure(
    'start Python, import pandas, compile the view',
    { runs: 3 },
    async () => {
      const session = await OnDemandSession.start([pandasView]);
      await session.close();
      return session;
    },
  );
  bench.note(
    'interpreter',
    `${started.python.executable} (Python ${started.python.version}, pandas ${started.python.pandas})`,
  );

  for (const [label, view] of [
    ['pandas mode', pandasView],
    ['python mode', pythonView],
  ] as const) {
    const plan = planFor(registry, view.name);
    const table = resultTable(plan);
    const session = await OnDemandSession.start([view]);
    try {
      await bench.measure(`${label}: ${view.name}, 1M rows in 10 batches`, { rows: ROWS, runs: 3 }, () =>
        session.applyToTable(table, plan),
      );
    } finally {
      await session.close();
    }
  }
});
