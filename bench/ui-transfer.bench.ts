/**
 * How a large result travels to the window: the host splits the Arrow table into IPC streams of at most 4 MB
 * (core/host/services.ts), the browser bridge frames each one (core/contract/wire.ts), the renderer decodes
 * and appends them, and the grid formats cells straight from the column vectors (renderer/src/lib/arrow-cells.ts).
 * Electron IPC moves the same chunks by structured clone (anchors.md C.2: about 8 MB in 25 ms).
 */
import * as arrow from 'apache-arrow';
import { decodeFrame, encodeFrame } from '../core/contract/wire';
import { arrowChunks, TRANSFER_CHUNK_BYTES } from '../core/host/services';
import { cellColumns } from '../renderer/src/lib/arrow-cells';
import { defineBench } from './harness';

const ROWS = 1_000_000;

function resultTable(rows: number): arrow.Table {
  const ids = new BigInt64Array(rows);
  const rates = new Float64Array(rows);
  const small = new Float32Array(rows);
  const times = new BigInt64Array(rows);
  const labels: string[] = new Array(rows);
  const base = 1_767_744_000_000_000n;
  for (let i = 0; i < rows; i++) {
    ids[i] = BigInt(5000 + (i % 20));
    rates[i] = (i % 997) / 997;
    small[i] = (i % 89) / 89;
    times[i] = base + BigInt(i) * 1_000_000n;
    labels[i] = `driver-${i % 5000}`;
  }
  return new arrow.Table({
    driver_id: arrow.makeVector(ids),
    conv_rate: arrow.makeVector(rates),
    acc_rate: arrow.makeVector(small),
    event_timestamp: arrow.makeVector(
      arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: rows, data: times }),
    ),
    label: arrow.vectorFromArray(labels, new arrow.Utf8()),
  });
}

export default defineBench('ui-transfer', async (bench) => {
  const table = resultTable(ROWS);
  const ipcBytes = arrow.tableToIPC(table, 'stream').byteLength;
  bench.note('result', `${ROWS} rows x 5 columns, ${(ipcBytes / 1e6).toFixed(1)} MB as Arrow IPC`);

  const chunks = await bench.measure(
    'host: split into <= 4 MB IPC streams',
    { runs: 5, bytes: ipcBytes, rows: ROWS },
    () => [...arrowChunks(table, TRANSFER_CHUNK_BYTES)],
  );
  bench.note('chunks', `${chunks.length} of at most ${TRANSFER_CHUNK_BYTES / 1024 / 1024} MB`);

  const frames = await bench.measure('bridge: frame every chunk (encode)', { runs: 5, bytes: ipcBytes }, () =>
    chunks.map((chunk, index) =>
      encodeFrame({ t: 'event', id: 'c1', event: { type: 'batch', index, arrow: chunk.bytes } }),
    ),
  );
  const decoded = await bench.measure('bridge: decode every frame', { runs: 5, bytes: ipcBytes }, () =>
    frames.map((frame) => (decodeFrame(frame) as { event: { arrow: Uint8Array } }).event.arrow),
  );

  const received = await bench.measure(
    'renderer: tableFromIPC + append, per chunk',
    { runs: 5, rows: ROWS },
    () => {
      let result: arrow.Table | undefined;
      for (const bytes of decoded) {
        const next = arrow.tableFromIPC(bytes);
        result = result ? result.concat(next) : next;
      }
      return result!;
    },
  );

  const columns = cellColumns(received);
  await bench.measure('grid: one screen of cells (40 rows x 5, mid-table)', { runs: 20, warmup: 3 }, () => {
    let length = 0;
    for (let row = 500_000; row < 500_040; row++)
      for (const column of columns) length += column.text(row)?.length ?? 0;
    return length;
  });
  await bench.measure('grid: format every cell of the result', { runs: 3, rows: ROWS }, () => {
    let length = 0;
    for (let row = 0; row < ROWS; row++)
      for (const column of columns) length += column.text(row)?.length ?? 0;
    return length;
  });
});
