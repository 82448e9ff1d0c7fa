/// <reference lib="dom" />
import { chooseCsv, demoEntities, expect, test } from './fixtures';

test('choosing the demo entities CSV shows the typed preview, the timestamp column and how zones were read', async ({
  app,
}) => {
  await chooseCsv(app, 'entities.csv', await demoEntities());
  await expect(app.getByTestId('frame-name')).toHaveText('entities.csv');
  await expect(app.getByTestId('frame-rows')).toHaveText('31 rows');
  await expect(app.getByTestId('frame-timestamp-column')).toHaveText('event_timestamp');
  await expect(app.getByTestId('frame-timezones')).toHaveText(
    '31 rows had offsets, 0 were naive: read as UTC',
  );
  await expect(app.getByTestId('frame-column')).toHaveText([
    'driver_id: int64',
    'customer_id: int64',
    'event_timestamp: timestamp',
    'val_to_add: int64',
    'previous_driver_id: int64',
  ]);
  // The preview grid: typed headers, the first row's values, timestamps in UTC with the offset shown.
  const grid = app.getByTestId('frame-grid');
  await expect(grid.getByTestId('grid-column')).toHaveCount(5);
  await expect(grid.locator('[data-column="event_timestamp"]')).toContainText('timestamp[us, UTC]');
  const first = grid.locator('[data-row="0"]');
  await expect(first).toContainText('5016');
  await expect(first).toContainText('2026-01-07 00:00:00+00:00');
  // The hint goes away once a frame is loaded.
  await expect(app.getByTestId('hint')).toHaveCount(0);
});

test('dropping a CSV anywhere on the window loads it, naive and dated timestamps are counted', async ({
  app,
}) => {
  const csv =
    'driver_id,event_timestamp\n5001,2026-01-08T10:00:00\n5002,2026-01-08T11:00:00+01:00\n5003,2026-01-09\n';
  const dataTransfer = await app.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
    return transfer;
  }, csv);
  await app.dispatchEvent('[data-testid="registry-tree"]', 'dragenter', { dataTransfer });
  await expect(app.getByTestId('drop-overlay')).toBeVisible();
  await app.dispatchEvent('[data-testid="registry-tree"]', 'drop', { dataTransfer });
  await expect(app.getByTestId('drop-overlay')).toHaveCount(0);
  await expect(app.getByTestId('frame-name')).toHaveText('dropped.csv');
  await expect(app.getByTestId('frame-rows')).toHaveText('3 rows');
  await expect(app.getByTestId('frame-timezones')).toHaveText(
    '1 row had an offset, 1 was naive: read as UTC, 1 was a date only: midnight UTC',
  );
});

test('a malformed CSV shows the problem with its line number and column, details one click away', async ({
  app,
}) => {
  const csv = 'driver_id,event_timestamp\n5001,2026-01-08T10:00:00Z\n5002,not a time,extra\n';
  await chooseCsv(app, 'broken.csv', Buffer.from(csv));
  const error = app.getByTestId('frame-error');
  await expect(error).toBeVisible();
  await expect(error).toHaveAttribute('data-kind', 'InputInvalid');
  await expect(error).toContainText('broken.csv, line 3');
  await expect(error).toContainText('Fix the file and open it again.');
  await error.getByRole('button', { name: 'Details' }).click();
  await expect(error.locator('.error-details')).toContainText('"kind": "InputInvalid"');
});
