/**
 * Deterministic datasets modelled on Feast's own test generators (driver_test_data.py: driver hourly stats,
 * customer daily profile, orders, global daily stats, a field-mapping source), with a seeded PRNG and a fixed
 * end time instead of `now()`, so every run and every machine sees the same rows. They feed the demo repo's
 * data/ folder and the integration tests.
 *
 * The special rows Feast's semantics hinge on are built in on purpose and listed in each dataset's `notes`:
 * backfilled rows (same event time, later created time), created-time ties, exact duplicate rows, an old row
 * years before the rest, and timestamps written in mixed time-zone notations.
 */

import { Prng } from './prng';

/** 2026-01-10T00:00:00Z: the fixed "now" of every dataset. */
export const DATASET_END_MS = Date.UTC(2026, 0, 10);
/** Three days before the end, as in Feast's generators. */
export const DATASET_START_MS = DATASET_END_MS - 3 * 86_400_000;
export const DEFAULT_SEED = 20260110;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const DRIVER_IDS: readonly number[] = Array.from({ length: 19 }, (_, i) => 5001 + i);
export const CUSTOMER_IDS: readonly number[] = Array.from({ length: 19 }, (_, i) => 1001 + i);

/** How a timestamp is written in text: UTC with Z, a fixed offset, or naive (UTC wall clock, no zone). */
export type TimestampNotation = 'Z' | '+01:00' | '-08:00' | 'naive';

export type Column =
  | { name: string; type: 'int64' | 'int32' | 'float32' | 'float64'; values: (number | null)[] }
  | { name: string; type: 'bool'; values: (boolean | null)[] }
  | { name: string; type: 'string'; values: (string | null)[] }
  | {
      name: string;
      type: 'timestamp';
      /** Epoch milliseconds (UTC). */
      values: (number | null)[];
      /** Per-row notation for text output; 'Z' for every row when absent. */
      notations?: TimestampNotation[];
    };

export type ColumnType = Column['type'];

export interface Dataset {
  /** Table name: the sandbox loads `<name>.csv` as public.<name>. */
  name: string;
  columns: Column[];
  rowCount: number;
  /** What is special about particular rows, for tests that rely on it. */
  notes: Record<string, unknown>;
}

/** The column called `name`; throws when the dataset has none. */
export function columnByName(dataset: Dataset, name: string): Column {
  const found = dataset.columns.find((c) => c.name === name);
  if (!found) throw new RangeError(`dataset ${dataset.name} has no column ${name}`);
  return found;
}

function numbers(dataset: Dataset, name: string): number[] {
  return columnByName(dataset, name).values as number[];
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** Evenly spaced instants from start to end, both included, rounded to milliseconds (pandas date_range). */
function spaced(start: number, end: number, periods: number): number[] {
  return Array.from({ length: periods }, (_, i) => Math.round(start + ((end - start) * i) / (periods - 1)));
}

function column<T extends Column>(value: T): T {
  return value;
}

export type DriverHourlyNotes = {
  /** A second row for the same driver and event time, created a day later with different values: it wins. */
  backfills: { driverId: number; eventTimestampMs: number; avgDailyTrips: number }[];
  /** A second row with the same driver, event time AND created time: a residual tie Feast does not break. */
  createdTies: { driverId: number; eventTimestampMs: number; avgDailyTrips: number }[];
  /** Row index that appears three times in total (two exact copies appended, as Feast's generator does). */
  duplicatedRowIndex: number;
  duplicatedRow: { driverId: number; eventTimestampMs: number };
  /** The one old row per driver, far before the rest (Feast adds 2021-04-12T07:00:00Z). */
  oldEventTimestampMs: number;
  /** Base rows are created this long after their event time. */
  createdLagMs: number;
};

/**
 * driver_hourly_stats: drivers 5001..5019, hourly rows in [start, end) plus one old row each, conv_rate and
 * acc_rate in [0, 1), avg_daily_trips in [0, 1000), created 5 minutes after the event. Special rows: see
 * {@link DriverHourlyNotes}; backfill and tie rows have avg_daily_trips >= 1000, so they stand out.
 */
export function driverHourlyStats(seed = DEFAULT_SEED): Dataset & { notes: DriverHourlyNotes } {
  const random = new Prng(seed);
  const createdLagMs = 5 * 60_000;
  const oldEventTimestampMs = Date.UTC(2021, 3, 12, 7);
  const times: number[] = [];
  for (let t = DATASET_START_MS; t < DATASET_END_MS; t += HOUR_MS) times.push(t);
  times.push(oldEventTimestampMs);

  const event: number[] = [];
  const driver: number[] = [];
  const conv: number[] = [];
  const acc: number[] = [];
  const trips: number[] = [];
  const created: number[] = [];
  const add = (t: number, id: number, c: number, a: number, n: number, createdAt: number) => {
    event.push(t);
    driver.push(id);
    conv.push(c);
    acc.push(a);
    trips.push(n);
    created.push(createdAt);
  };
  for (const id of DRIVER_IDS) {
    for (const t of times)
      add(t, id, round4(random.next()), round4(random.next()), random.int(0, 1000), t + createdLagMs);
  }

  const backfillTime = DATASET_END_MS - 12 * HOUR_MS;
  const backfills = [5001, 5002].map((driverId, i) => ({
    driverId,
    eventTimestampMs: backfillTime,
    avgDailyTrips: 1001 + i,
  }));
  for (const b of backfills) {
    add(
      b.eventTimestampMs,
      b.driverId,
      round4(random.next()),
      round4(random.next()),
      b.avgDailyTrips,
      b.eventTimestampMs + DAY_MS,
    );
  }
  const tieTime = DATASET_END_MS - 11 * HOUR_MS;
  const createdTies = [{ driverId: 5003, eventTimestampMs: tieTime, avgDailyTrips: 2001 }];
  for (const tie of createdTies) {
    add(
      tie.eventTimestampMs,
      tie.driverId,
      round4(random.next()),
      round4(random.next()),
      tie.avgDailyTrips,
      tie.eventTimestampMs + createdLagMs,
    );
  }

  const duplicatedRowIndex = Math.floor(event.length / 2);
  for (let copy = 0; copy < 2; copy++) {
    const i = duplicatedRowIndex;
    add(
      event[i] as number,
      driver[i] as number,
      conv[i] as number,
      acc[i] as number,
      trips[i] as number,
      created[i] as number,
    );
  }

  return {
    name: 'driver_hourly_stats',
    rowCount: event.length,
    columns: [
      column({ name: 'event_timestamp', type: 'timestamp', values: event }),
      column({ name: 'driver_id', type: 'int64', values: driver }),
      column({ name: 'conv_rate', type: 'float32', values: conv }),
      column({ name: 'acc_rate', type: 'float32', values: acc }),
      column({ name: 'avg_daily_trips', type: 'int64', values: trips }),
      column({ name: 'created', type: 'timestamp', values: created }),
    ],
    notes: {
      backfills,
      createdTies,
      duplicatedRowIndex,
      duplicatedRow: {
        driverId: driver[duplicatedRowIndex] as number,
        eventTimestampMs: event[duplicatedRowIndex] as number,
      },
      oldEventTimestampMs,
      createdLagMs,
    },
  };
}

/** customer_profile: customers 1001..1019, one row per day in [start, end), created an hour after the event. */
export function customerDailyProfile(seed = DEFAULT_SEED + 1): Dataset {
  const random = new Prng(seed);
  const event: number[] = [];
  const customer: number[] = [];
  const balance: number[] = [];
  const passengers: number[] = [];
  const lifetime: number[] = [];
  const created: number[] = [];
  for (const id of CUSTOMER_IDS) {
    for (let t = DATASET_START_MS; t < DATASET_END_MS; t += DAY_MS) {
      event.push(t);
      customer.push(id);
      balance.push(round4(random.next()));
      passengers.push(round4(random.next()));
      lifetime.push(random.int(0, 1000));
      created.push(t + HOUR_MS);
    }
  }
  return {
    name: 'customer_profile',
    rowCount: event.length,
    columns: [
      column({ name: 'event_timestamp', type: 'timestamp', values: event }),
      column({ name: 'customer_id', type: 'int64', values: customer }),
      column({ name: 'current_balance', type: 'float32', values: balance }),
      column({ name: 'avg_passenger_count', type: 'float32', values: passengers }),
      column({ name: 'lifetime_trip_count', type: 'int32', values: lifetime }),
      column({ name: 'created', type: 'timestamp', values: created }),
    ],
    notes: {},
  };
}

/** The notation of row i in the mixed-notation columns, cycling like Feast's tz flavours. */
export const MIXED_NOTATIONS: readonly TimestampNotation[] = ['naive', 'Z', '+01:00', '-08:00'];

/**
 * orders: order_id 100..119 with a random driver and customer, order_is_success 0/1, event times evenly spaced
 * from start to end (both included) and written in four notations in turn: naive, Z, +01:00, -08:00 (all the
 * same instants; naive means UTC). No created column.
 */
export function orders(seed = DEFAULT_SEED + 2): Dataset {
  const random = new Prng(seed);
  const count = 20;
  const times = spaced(DATASET_START_MS, DATASET_END_MS, count);
  const orderIds: number[] = [];
  const drivers: number[] = [];
  const customers: number[] = [];
  const success: number[] = [];
  for (let i = 0; i < count; i++) {
    orderIds.push(100 + i);
    drivers.push(random.pick(DRIVER_IDS));
    customers.push(random.pick(CUSTOMER_IDS));
    success.push(random.int(0, 2));
  }
  return {
    name: 'orders',
    rowCount: count,
    columns: [
      column({ name: 'order_id', type: 'int64', values: orderIds }),
      column({ name: 'driver_id', type: 'int64', values: drivers }),
      column({ name: 'customer_id', type: 'int64', values: customers }),
      column({ name: 'order_is_success', type: 'int32', values: success }),
      column({
        name: 'event_timestamp',
        type: 'timestamp',
        values: times,
        notations: times.map((_, i) => MIXED_NOTATIONS[i % MIXED_NOTATIONS.length] as TimestampNotation),
      }),
    ],
    notes: { notations: 'row i is written in MIXED_NOTATIONS[i % 4]' },
  };
}

/** global_daily_stats: entityless, one row per day in [start, end). */
export function globalDailyStats(seed = DEFAULT_SEED + 3): Dataset {
  const random = new Prng(seed);
  const event: number[] = [];
  const rides: number[] = [];
  const length: number[] = [];
  const created: number[] = [];
  for (let t = DATASET_START_MS; t < DATASET_END_MS; t += DAY_MS) {
    event.push(t);
    rides.push(random.int(50, 100));
    length.push(round4(random.next()));
    created.push(t + HOUR_MS);
  }
  return {
    name: 'global_daily_stats',
    rowCount: event.length,
    columns: [
      column({ name: 'event_timestamp', type: 'timestamp', values: event }),
      column({ name: 'num_rides', type: 'int32', values: rides }),
      column({ name: 'avg_ride_length', type: 'float32', values: length }),
      column({ name: 'created', type: 'timestamp', values: created }),
    ],
    notes: {},
  };
}

/**
 * driver_trips: a source whose column names differ from the feature view's names. `id` is the driver
 * (mapped to join key driver_id) and `column_name` the value (mapped to feature trips_today); 10 evenly
 * spaced times from start to end per driver, created 10 minutes after the event.
 */
export function driverTrips(seed = DEFAULT_SEED + 4): Dataset {
  const random = new Prng(seed);
  const times = spaced(DATASET_START_MS, DATASET_END_MS, 10);
  const event: number[] = [];
  const ids: number[] = [];
  const values: number[] = [];
  const created: number[] = [];
  for (const id of DRIVER_IDS) {
    for (const t of times) {
      event.push(t);
      ids.push(id);
      values.push(random.int(1, 100));
      created.push(t + 10 * 60_000);
    }
  }
  return {
    name: 'driver_trips',
    rowCount: event.length,
    columns: [
      column({ name: 'event_timestamp', type: 'timestamp', values: event }),
      column({ name: 'id', type: 'int64', values: ids }),
      column({ name: 'column_name', type: 'int32', values: values }),
      column({ name: 'created', type: 'timestamp', values: created }),
    ],
    notes: { fieldMapping: { id: 'driver_id', column_name: 'trips_today' } },
  };
}

/** Every source table of the demo repo, in a fixed order. */
export function demoTables(): Dataset[] {
  return [driverHourlyStats(), customerDailyProfile(), orders(), globalDailyStats(), driverTrips()];
}

export type EntityFrameNotes = {
  /** Row indexes and why they are there. */
  outsideTtl: number[];
  unknownKeys: number[];
  backfill: number[];
  createdTie: number[];
  /** At the event time of the row that driver_hourly_stats holds three identical copies of. */
  exactDuplicateSourceRow: number[];
  ttlBoundary: number[];
  duplicateOf: [number, number][];
};

/**
 * The demo's entity frame: one row per order (timestamps in Z notation), plus rows chosen to exercise
 * retrieval: outside every driver TTL window, unknown driver and customer ids, at a backfilled, a tied and a
 * triplicated driver row, exactly at a TTL boundary (inclusive), and an exact duplicate entity row. `previous_driver_id` feeds
 * the driver_activity service's `join_key_map` projection.
 */
export function demoEntityFrame(seed = DEFAULT_SEED + 5): Dataset & { notes: EntityFrameNotes } {
  const random = new Prng(seed);
  const base = orders();
  const orderDrivers = numbers(base, 'driver_id');
  const orderCustomers = numbers(base, 'customer_id');
  const orderTimes = numbers(base, 'event_timestamp');
  const driverNotes = driverHourlyStats().notes;

  const drivers: number[] = [];
  const previous: number[] = [];
  const customers: number[] = [];
  const times: number[] = [];
  const vals: number[] = [];
  const add = (driver: number, customer: number, t: number): number => {
    drivers.push(driver);
    previous.push(random.pick(DRIVER_IDS));
    customers.push(customer);
    times.push(t);
    vals.push(drivers.length - 1);
    return drivers.length - 1;
  };
  for (let i = 0; i < base.rowCount; i++)
    add(orderDrivers[i] as number, orderCustomers[i] as number, orderTimes[i] as number);

  const notes: EntityFrameNotes = {
    outsideTtl: [],
    unknownKeys: [],
    backfill: [],
    createdTie: [],
    exactDuplicateSourceRow: [],
    ttlBoundary: [],
    duplicateOf: [],
  };
  // Six hours after the last hourly row: outside the driver view's 2 h TTL, inside the customer's 2 days.
  notes.outsideTtl.push(add(5005, 1005, DATASET_END_MS + 6 * HOUR_MS));
  // Before every row of the last three days; only the 2021 row is older, far outside any TTL.
  notes.outsideTtl.push(add(5006, 1006, DATASET_START_MS - 3 * HOUR_MS));
  notes.unknownKeys.push(add(9001, 1007, DATASET_END_MS - 5 * HOUR_MS));
  notes.unknownKeys.push(add(5007, 4242, DATASET_END_MS - 5 * HOUR_MS));
  for (const b of driverNotes.backfills)
    notes.backfill.push(add(b.driverId, 1008, b.eventTimestampMs + 30 * 60_000));
  for (const t of driverNotes.createdTies) notes.createdTie.push(add(t.driverId, 1009, t.eventTimestampMs));
  const dup = driverNotes.duplicatedRow;
  notes.exactDuplicateSourceRow.push(add(dup.driverId, 1012, dup.eventTimestampMs));
  // The last hourly row is at end - 1 h; end + 1 h is exactly its TTL bound, which Feast includes.
  notes.ttlBoundary.push(add(5010, 1010, DATASET_END_MS + HOUR_MS));
  const original = add(5011, 1011, DATASET_END_MS - 2 * HOUR_MS);
  const copy = add(5011, 1011, DATASET_END_MS - 2 * HOUR_MS);
  previous[copy] = previous[original] as number;
  vals[copy] = vals[original] as number;
  notes.duplicateOf.push([copy, original]);

  return {
    name: 'entities',
    rowCount: drivers.length,
    columns: [
      column({ name: 'driver_id', type: 'int64', values: drivers }),
      column({ name: 'customer_id', type: 'int64', values: customers }),
      column({ name: 'event_timestamp', type: 'timestamp', values: times }),
      column({ name: 'val_to_add', type: 'int64', values: vals }),
      column({ name: 'previous_driver_id', type: 'int64', values: previous }),
    ],
    notes,
  };
}
