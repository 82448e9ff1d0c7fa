import { describe, expect, it } from 'vitest';
import { csvField, datasetToCsv, formatTimestamp } from './csv';
import {
  columnByName,
  CUSTOMER_IDS,
  customerDailyProfile,
  DATASET_END_MS,
  DATASET_START_MS,
  demoEntityFrame,
  demoTables,
  driverHourlyStats,
  driverTrips,
  globalDailyStats,
  HOUR_MS,
  orders,
  type Dataset,
} from './datasets';
import { Prng } from './prng';

function values(dataset: Dataset, name: string): unknown[] {
  return columnByName(dataset, name).values;
}

function rows(dataset: Dataset): unknown[][] {
  return Array.from({ length: dataset.rowCount }, (_, i) => dataset.columns.map((c) => c.values[i]));
}

describe('Prng', () => {
  it('repeats for a seed and differs between seeds', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const c = new Prng(8);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
    for (let i = 0; i < 1000; i++) {
      const n = a.int(3, 9);
      expect(n >= 3 && n < 9 && Number.isInteger(n)).toBe(true);
    }
  });
});

describe('datasets', () => {
  it('are deterministic and independent of the clock', () => {
    expect(demoTables()).toEqual(demoTables());
    expect(demoEntityFrame()).toEqual(demoEntityFrame());
    expect(driverHourlyStats(1)).not.toEqual(driverHourlyStats(2));
    expect(new Date(DATASET_END_MS).toISOString()).toBe('2026-01-10T00:00:00.000Z');
    expect(DATASET_END_MS - DATASET_START_MS).toBe(3 * 24 * HOUR_MS);
  });

  it('have columns of equal length matching rowCount', () => {
    for (const dataset of [...demoTables(), demoEntityFrame()]) {
      for (const column of dataset.columns)
        expect(column.values, `${dataset.name}.${column.name}`).toHaveLength(dataset.rowCount);
    }
  });

  it('driver_hourly_stats: 19 drivers x (72 hours + one 2021 row), plus backfill, tie and duplicate rows', () => {
    const data = driverHourlyStats();
    expect(data.rowCount).toBe(19 * 73 + 2 + 1 + 2);
    const drivers = values(data, 'driver_id') as number[];
    expect(new Set(drivers)).toEqual(new Set(Array.from({ length: 19 }, (_, i) => 5001 + i)));
    const events = values(data, 'event_timestamp') as number[];
    const created = values(data, 'created') as number[];
    const trips = values(data, 'avg_daily_trips') as number[];
    expect(events.filter((t) => t === data.notes.oldEventTimestampMs)).toHaveLength(19);
    expect(Math.max(...events)).toBe(DATASET_END_MS - HOUR_MS);

    for (const backfill of data.notes.backfills) {
      const same = events
        .map((t, i) => i)
        .filter((i) => events[i] === backfill.eventTimestampMs && drivers[i] === backfill.driverId);
      expect(same).toHaveLength(2);
      const [base, later] = same.map((i) => ({ created: created[i] as number, trips: trips[i] as number }));
      expect(later?.created).toBeGreaterThan(base?.created as number);
      expect(later?.trips).toBe(backfill.avgDailyTrips);
    }
    for (const tie of data.notes.createdTies) {
      const same = events
        .map((_, i) => i)
        .filter((i) => events[i] === tie.eventTimestampMs && drivers[i] === tie.driverId);
      expect(same).toHaveLength(2);
      expect(created[same[0] as number]).toBe(created[same[1] as number]);
      expect(trips[same[1] as number]).toBe(tie.avgDailyTrips);
    }
    const all = rows(data).map((r) => JSON.stringify(r));
    const duplicated = all[data.notes.duplicatedRowIndex] as string;
    expect(all.filter((r) => r === duplicated)).toHaveLength(3);
    expect(new Set(all).size).toBe(all.length - 2);

    for (const name of ['conv_rate', 'acc_rate']) {
      expect((values(data, name) as number[]).every((v) => v >= 0 && v < 1)).toBe(true);
    }
    expect(trips.filter((n) => n >= 1000)).toHaveLength(3);
  });

  it('customer_profile and global_daily_stats: one row per day of the three', () => {
    const customers = customerDailyProfile();
    expect(customers.rowCount).toBe(CUSTOMER_IDS.length * 3);
    expect(new Set(values(customers, 'event_timestamp'))).toEqual(
      new Set([0, 1, 2].map((d) => DATASET_START_MS + d * 24 * HOUR_MS)),
    );
    const global = globalDailyStats();
    expect(global.rowCount).toBe(3);
    expect(global.columns.map((c) => c.name)).toEqual([
      'event_timestamp',
      'num_rides',
      'avg_ride_length',
      'created',
    ]);
    expect((values(global, 'num_rides') as number[]).every((n) => n >= 50 && n < 100)).toBe(true);
  });

  it('orders: 20 orders from start to end in four notations of the same instants', () => {
    const data = orders();
    expect(values(data, 'order_id')).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
    const times = values(data, 'event_timestamp') as number[];
    expect(times[0]).toBe(DATASET_START_MS);
    expect(times[19]).toBe(DATASET_END_MS);
    const csv = datasetToCsv(data).trim().split('\n').slice(1);
    const written = csv.map((line) => line.split(',')[4] as string);
    expect(written.slice(0, 4)).toEqual([
      '2026-01-07 00:00:00',
      '2026-01-07T03:47:22.105Z',
      '2026-01-07T08:34:44.211+01:00',
      '2026-01-07T03:22:06.316-08:00',
    ]);
    written.forEach((text, i) => {
      const instant = Date.parse(text.includes('T') ? text : `${text.replace(' ', 'T')}Z`);
      expect(instant, text).toBe(times[i]);
    });
  });

  it('driver_trips: column names that field_mapping renames', () => {
    const data = driverTrips();
    expect(data.columns.map((c) => c.name)).toEqual(['event_timestamp', 'id', 'column_name', 'created']);
    expect(data.rowCount).toBe(190);
    expect(data.notes).toEqual({ fieldMapping: { id: 'driver_id', column_name: 'trips_today' } });
  });

  it('entity frame: rows outside TTL, unknown keys, at special source rows, at a TTL bound, duplicated', () => {
    const frame = demoEntityFrame();
    const drivers = values(frame, 'driver_id') as number[];
    const customers = values(frame, 'customer_id') as number[];
    const times = values(frame, 'event_timestamp') as number[];
    const stats = driverHourlyStats();
    const statsTimes = values(stats, 'event_timestamp') as number[];
    const statsDrivers = values(stats, 'driver_id') as number[];
    const latestDriverRow = (driver: number, at: number) =>
      Math.max(-Infinity, ...statsTimes.filter((t, i) => statsDrivers[i] === driver && t <= at));

    for (const row of frame.notes.outsideTtl) {
      const at = times[row] as number;
      expect(at - latestDriverRow(drivers[row] as number, at)).toBeGreaterThan(2 * HOUR_MS);
    }
    for (const row of frame.notes.ttlBoundary) {
      const at = times[row] as number;
      expect(at - latestDriverRow(drivers[row] as number, at)).toBe(2 * HOUR_MS);
    }
    const [unknownDriver, unknownCustomer] = frame.notes.unknownKeys;
    expect(statsDrivers).not.toContain(drivers[unknownDriver as number]);
    expect(CUSTOMER_IDS).not.toContain(customers[unknownCustomer as number]);
    for (const [copy, original] of frame.notes.duplicateOf) {
      expect(frame.columns.map((c) => c.values[copy])).toEqual(frame.columns.map((c) => c.values[original]));
    }
    const [tieRow] = frame.notes.createdTie;
    expect(times[tieRow as number]).toBe(stats.notes.createdTies[0]?.eventTimestampMs);
    expect(frame.columns.map((c) => c.name)).toEqual([
      'driver_id',
      'customer_id',
      'event_timestamp',
      'val_to_add',
      'previous_driver_id',
    ]);
  });
});

describe('CSV output', () => {
  it('formats timestamps in each notation', () => {
    const instant = Date.UTC(2026, 0, 7, 0, 0, 0, 5);
    expect(formatTimestamp(instant)).toBe('2026-01-07T00:00:00.005Z');
    expect(formatTimestamp(instant, '+01:00')).toBe('2026-01-07T01:00:00.005+01:00');
    expect(formatTimestamp(instant, '-08:00')).toBe('2026-01-06T16:00:00.005-08:00');
    expect(formatTimestamp(Date.UTC(2026, 0, 7), 'naive')).toBe('2026-01-07 00:00:00');
  });

  it('quotes fields only when needed and writes nulls as empty fields', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    const dataset: Dataset = {
      name: 't',
      rowCount: 2,
      notes: {},
      columns: [
        { name: 'id', type: 'int64', values: [1, null] },
        { name: 'label', type: 'string', values: ['x,y', null] },
        { name: 'ok', type: 'bool', values: [true, false] },
        { name: 'at', type: 'timestamp', values: [Date.UTC(2026, 0, 1), null] },
        { name: 'ratio', type: 'float64', values: [0.25, 1e-7] },
      ],
    };
    expect(datasetToCsv(dataset)).toBe(
      'id,label,ok,at,ratio\n1,"x,y",true,2026-01-01T00:00:00Z,0.25\n,,false,,1e-7\n',
    );
  });
});
