/** Entity frame figures: CSV parse, Parquet write/read, output writers, on a generated 1M x 5 frame. */
import { readCsvEntityFrame } from '../core/frames/csv';
import { defineBench } from './harness';

const ROWS = 1_000_000;

/** A deterministic xorshift generator, so every run parses the same bytes. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const OFFSETS = ['Z', '+01:00', '-08:00', '+0530', '+02'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo, foxtrot', 'golf "g"', 'hotel', 'ünïcödé'];

/**
 * driver_id (int64 IDs, some above 2^53), conv_rate (float), event_timestamp (mixed offsets, some with
 * microseconds), label (strings, some needing quotes), active (bool).
 */
export function generateEntityCsv(rows: number): Uint8Array {
  const next = random(42);
  const lines: string[] = ['driver_id,conv_rate,event_timestamp,label,active'];
  const base = Date.UTC(2021, 3, 12, 10, 59, 42) / 1000;
  for (let r = 0; r < rows; r++) {
    const id = r % 10 === 0 ? `${9007199254740993n + BigInt(r)}` : `${1000 + r}`;
    const rate = (next() * 1000).toFixed(6);
    const seconds = base + Math.floor(next() * 86400 * 365);
    const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
    const micros = r % 3 === 0 ? `.${String(Math.floor(next() * 1e6)).padStart(6, '0')}` : '';
    const ts = `${iso}${micros}${OFFSETS[r % OFFSETS.length]}`;
    const word = WORDS[r % WORDS.length]!;
    const label = word.includes(',') || word.includes('"') ? `"${word.replaceAll('"', '""')}"` : word;
    lines.push(`${id},${rate},${ts},${label},${next() < 0.5 ? 'true' : 'false'}`);
  }
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

export default defineBench('frames', async (bench) => {
  const csv = generateEntityCsv(ROWS);
  bench.note('csv input', `${(csv.length / 1e6).toFixed(1)} MB, ${ROWS} rows x 5 columns`);
  await bench.measure('csv parse -> arrow', { bytes: csv.length, rows: ROWS }, () =>
    readCsvEntityFrame(csv, { file: 'bench.csv' }),
  );
});
