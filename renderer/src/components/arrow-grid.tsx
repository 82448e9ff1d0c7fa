import type * as arrow from 'apache-arrow';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef } from 'react';
import { cellColumns, type CellColumn } from '../lib/arrow-cells';

const ROW_HEIGHT = 26;
const ROW_NUMBER_WIDTH = 56;

export interface ArrowGridProps {
  table: arrow.Table;
  /** Extra text under a column's name (e.g. its feature view). */
  columnNotes?: Record<string, string>;
  testId?: string;
  ariaLabel: string;
}

/**
 * A virtualized grid over an Arrow table: only the visible rows and columns are in the DOM, and each cell's
 * text comes from the column vector (see arrow-cells.ts). Nulls are a distinct token, empty strings an empty
 * but marked cell; numbers are right-aligned.
 */
export function ArrowGrid({ table, columnNotes, testId, ariaLabel }: ArrowGridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const columns = useMemo(
    () =>
      cellColumns(table).map((column) => {
        // Room for the header's second line: type, source view and null count.
        const note = columnNotes?.[column.name];
        const header = `${column.typeLabel}${note ? ` · ${note}` : ''}${column.nullCount > 0 ? ` · ${column.nullCount} null` : ''}`;
        return { ...column, width: Math.min(360, Math.max(column.width, header.length * 6.5 + 20)) };
      }),
    [table, columnNotes],
  );
  const offsets = useMemo(() => {
    const out: number[] = [];
    let x = ROW_NUMBER_WIDTH;
    for (const column of columns) {
      out.push(x);
      x += column.width;
    }
    out.push(x);
    return out;
  }, [columns]);
  const totalWidth = offsets[offsets.length - 1] ?? ROW_NUMBER_WIDTH;

  const rows = useVirtualizer({
    count: table.numRows,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const cols = useVirtualizer({
    horizontal: true,
    count: columns.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => columns[i]?.width ?? 120,
    paddingStart: ROW_NUMBER_WIDTH,
    overscan: 3,
  });
  const visibleColumns = cols.getVirtualItems();

  return (
    <div
      className="grid"
      ref={scroller}
      data-testid={testId}
      role="grid"
      aria-label={ariaLabel}
      aria-rowcount={table.numRows + 1}
      aria-colcount={columns.length}
    >
      <div
        className="grid-canvas"
        style={{ width: totalWidth, height: rows.getTotalSize() + ROW_HEIGHT * 2 }}
      >
        <div className="grid-header" role="row" style={{ width: totalWidth }}>
          <div className="grid-rownum grid-header-cell" style={{ width: ROW_NUMBER_WIDTH }}>
            #
          </div>
          {visibleColumns.map((item) => {
            const column = columns[item.index]!;
            return (
              <div
                key={item.key}
                role="columnheader"
                className={`grid-header-cell ${column.align}`}
                data-testid="grid-column"
                data-column={column.name}
                style={{ left: offsets[item.index], width: column.width }}
                title={`${column.name}: ${column.typeLabel}, ${column.nullCount} nulls`}
              >
                <span className="grid-column-name">{column.name}</span>
                <span className="grid-column-type">
                  {column.typeLabel}
                  {columnNotes?.[column.name] ? ` · ${columnNotes[column.name]}` : ''}
                  {column.nullCount > 0 ? ` · ${column.nullCount} null` : ''}
                </span>
              </div>
            );
          })}
        </div>
        {rows.getVirtualItems().map((row) => (
          <div
            key={row.key}
            role="row"
            className={`grid-row ${row.index % 2 ? 'odd' : ''}`}
            data-testid="grid-row"
            data-row={row.index}
            style={{ transform: `translateY(${row.start + ROW_HEIGHT * 2}px)`, width: totalWidth }}
          >
            <div className="grid-rownum" style={{ width: ROW_NUMBER_WIDTH }}>
              {row.index + 1}
            </div>
            {visibleColumns.map((item) => (
              <Cell
                key={item.key}
                column={columns[item.index]!}
                row={row.index}
                left={offsets[item.index]!}
              />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

function Cell({ column, row, left }: { column: CellColumn; row: number; left: number }) {
  const text = column.text(row);
  const style = { left, width: column.width };
  if (text === null) {
    return (
      <div role="gridcell" className="grid-cell null" style={style} data-null="true" title="NULL (no value)">
        null
      </div>
    );
  }
  if (text === '') {
    return (
      <div role="gridcell" className="grid-cell empty" style={style} data-empty="true" title="empty string">
        {''}
      </div>
    );
  }
  return (
    <div role="gridcell" className={`grid-cell ${column.align}`} style={style} title={text}>
      {text}
    </div>
  );
}
