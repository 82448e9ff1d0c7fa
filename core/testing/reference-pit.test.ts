/** The oracle itself, checked against values worked out by hand (no SQL involved). */

import { describe, expect, it } from 'vitest';
import {
  referencePointInTime,
  referenceWinner,
  type ReferenceRow,
  type ReferenceView,
} from './reference-pit';

const T = '2021-04-12T10:00:00Z';

function view(rows: ReferenceRow[], overrides: Partial<ReferenceView> = {}): ReferenceView {
  return {
    name: 'v',
    joinKeys: [{ entityColumn: 'id', sourceColumn: 'src_id' }],
    timestampColumn: 'ts',
    createdTimestampColumn: 'created',
    ttlSeconds: 3600,
    features: [
      { sourceColumn: 'x', outputName: 'x', tieBreak: true },
      { sourceColumn: 'blob', outputName: 'blob', tieBreak: false },
    ],
    rows,
    ...overrides,
  };
}

const winnerX = (v: ReferenceView, entity: ReferenceRow, filter = false) =>
  referenceWinner(v, entity, 'ts', filter)?.x ?? null;

describe('referenceWinner', () => {
  it('keeps both TTL bounds inclusive and TTL 0 unbounded', () => {
    const rows = [
      { src_id: 1, ts: '2021-04-12 09:00:00', created: null, x: 1 },
      { src_id: 2, ts: '2021-04-12 08:59:59', created: null, x: 2 },
      { src_id: 3, ts: '2021-04-12 10:00:00', created: null, x: 3 },
      { src_id: 3, ts: '2021-04-12 10:00:00.000001', created: null, x: 4 },
    ];
    expect(winnerX(view(rows), { id: 1, ts: T })).toBe(1);
    expect(winnerX(view(rows), { id: 2, ts: T })).toBeNull();
    expect(winnerX(view(rows, { ttlSeconds: 0 }), { id: 2, ts: T })).toBe(2);
    expect(winnerX(view(rows), { id: 3, ts: T })).toBe(3);
  });

  it('breaks ties on created (NULL last), then on the smallest tie-break value (NULL last)', () => {
    const rows = [
      { src_id: 1, ts: '2021-04-12 09:30:00', created: null, x: 1 },
      { src_id: 1, ts: '2021-04-12 09:30:00', created: '2021-04-12 09:31:00', x: 5 },
      { src_id: 1, ts: '2021-04-12 09:30:00', created: '2021-04-12 09:31:00', x: 3 },
      { src_id: 1, ts: '2021-04-12 09:30:00', created: '2021-04-12 09:31:00', x: null },
      { src_id: 1, ts: '2021-04-12 09:00:00', created: '2021-04-12 09:59:00', x: 0 },
    ];
    expect(winnerX(view(rows), { id: 1, ts: T })).toBe(3);
    // Order of the rows does not matter.
    expect(winnerX(view([...rows].reverse()), { id: 1, ts: T })).toBe(3);
  });

  it('orders text by UTF-8 bytes and ignores values that cannot be ordered', () => {
    const rows = ['z', '😀', 'é', 'B'].map((x, i) => ({ src_id: 1, ts: T, created: null, x, blob: `b${i}` }));
    expect(winnerX(view(rows), { id: 1, ts: T })).toBe('B');
    expect(winnerX(view(rows.slice(0, 3)), { id: 1, ts: T })).toBe('z');
    expect(winnerX(view([rows[1]!, rows[2]!]), { id: 1, ts: T })).toBe('é');
    // U+FF5E sorts before U+1F600 in UTF-8 bytes, but after it in JavaScript's UTF-16 order.
    const wide = ['\u{1F600}', '\uFF5E'].map((x) => ({ src_id: 1, ts: T, created: null, x }));
    expect(winnerX(view(wide), { id: 1, ts: T })).toBe('\uFF5E');
    // Rows equal in every orderable value: the first one seen wins, whatever its blob.
    const tied = [
      { src_id: 1, ts: T, created: null, x: 1, blob: 'first' },
      { src_id: 1, ts: T, created: null, x: 1, blob: 'second' },
    ];
    expect(referenceWinner(view(tied), { id: 1, ts: T }, 'ts', false)?.blob).toBe('first');
  });

  it('with the created filter drops rows created after the entity timestamp and keeps NULL ones', () => {
    const rows = [
      { src_id: 1, ts: '2021-04-12 09:30:00', created: '2021-04-12 10:00:01', x: 1 },
      { src_id: 1, ts: '2021-04-12 09:20:00', created: null, x: 2 },
      { src_id: 1, ts: '2021-04-12 09:10:00', created: '2021-04-12 10:00:00', x: 3 },
    ];
    expect(winnerX(view(rows), { id: 1, ts: T })).toBe(1);
    expect(winnerX(view(rows), { id: 1, ts: T }, true)).toBe(2);
    expect(winnerX(view(rows.slice(0, 1).concat(rows.slice(2))), { id: 1, ts: T }, true)).toBe(3);
  });

  it('matches keys by value across number and bigint, never on NULL, and reads offsets', () => {
    const rows = [{ src_id: 7n, ts: '2021-04-12 09:30:00', created: null, x: 1 }];
    expect(winnerX(view(rows), { id: 7, ts: '2021-04-12T11:00:00+01:00' })).toBe(1);
    expect(winnerX(view([{ ...rows[0]!, src_id: null }]), { id: null, ts: T })).toBeNull();
    expect(winnerX(view(rows), { id: 7, ts: null })).toBeNull();
  });
});

describe('referencePointInTime', () => {
  it('gives one row per entity row, in order, duplicates included, NULL features without a match', () => {
    const rows = [{ src_id: 1, ts: '2021-04-12 09:30:00', created: null, x: 1, blob: 'b' }];
    const out = referencePointInTime({
      entityRows: [
        { id: 1, ts: T, extra: 'a' },
        { id: 9, ts: T, extra: 'b' },
        { id: 1, ts: T, extra: 'c' },
      ],
      entityColumns: ['id', 'ts', 'extra'],
      entityTimestampColumn: 'ts',
      views: [view(rows)],
      filterByCreatedTimestamp: false,
    });
    expect(out).toEqual([
      { id: 1, ts: T, extra: 'a', x: 1, blob: 'b' },
      { id: 9, ts: T, extra: 'b', x: null, blob: null },
      { id: 1, ts: T, extra: 'c', x: 1, blob: 'b' },
    ]);
  });
});
