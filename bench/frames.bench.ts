/** Entity frame figures: CSV parse, Parquet write/read, output writers, on a generated 1M x 5 frame. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsvEntityFrame } from '../core/frames/csv';
import { tableToCsv } from '../core/frames/csv-encode';
import { arrowToParquet, parquetToArrow, readParquetBatches } from '../core/frames/parquet';
import { writeTableToFile } from '../core/frames/write';
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
 * microseconds), label (50,000 distinct strings, some needing quotes), active (bool).
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
    const word = `${WORDS[r % WORDS.length]!} ${r % 50000}`;
    const label = word.includes(',') || word.includes('"') ? `"${word.replaceAll('"', '""')}"` : word;
    lines.push(`${id},${rate},${ts},${label},${next() < 0.5 ? 'true' : 'false'}`);
  }
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

export default defineBench('frames', async (bench) => {
  const csv = generateEntityCsv(ROWS);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  bench.note(
    'input',
    `${mb(csv.length)} CSV, ${ROWS} rows x 5 columns (int64, float64, timestamp, string, bool)`,
  );

  const frame = await bench.measure('csv parse -> arrow', { bytes: csv.length, rows: ROWS }, () =>
    readCsvEntityFrame(csv, { file: 'bench.csv' }),
  );
  bench.note('inferred types', frame.columns.map((c) => `${c.name}:${c.type}`).join(', '));

  const parquet = await bench.measure('parquet write (snappy)', { rows: ROWS }, () =>
    arrowToParquet(frame.table),
  );
  bench.note('parquet size (snappy)', mb(parquet.length));
  await bench.measure('parquet write (zstd)', { rows: ROWS, runs: 3 }, () =>
    arrowToParquet(frame.table, { compression: 'zstd' }),
  );
  await bench.measure('parquet read (whole table)', { bytes: parquet.length, rows: ROWS }, () =>
    parquetToArrow(parquet),
  );
  await bench.measure('parquet read (record batches)', { bytes: parquet.length, rows: ROWS }, async () => {
    let rows = 0;
    for await (const batch of readParquetBatches(parquet)) rows += batch.numRows;
    return rows;
  });

  const csvOut = await bench.measure('csv write (encode only)', { rows: ROWS }, () =>
    tableToCsv(frame.table),
  );
  bench.note('csv output', mb(csvOut.length));

  const dir = mkdtempSync(join(tmpdir(), 'fwb-bench-'));
  try {
    for (const format of ['csv', 'parquet', 'arrow'] as const) {
      const path = join(dir, `out.${format}`);
      const result = await bench.measure(`writeTableToFile .${format}`, { rows: ROWS, runs: 3 }, () =>
        writeTableToFile(path, frame.table),
      );
      bench.note(`.${format} file`, mb(result.bytes));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
