import { readFile } from 'node:fs/promises';
import { checkFeature, chooseCsv, demoEntities, expect, test } from './fixtures';

test('Ctrl+Enter runs the retrieval on the sandbox: the grid shows 31 rows with the right header', async ({
  app,
}) => {
  await chooseCsv(app, 'entities.csv', await demoEntities());
  await checkFeature(app, 'driver_hourly_stats:conv_rate');
  await checkFeature(app, 'driver_hourly_stats:avg_daily_trips');
  await checkFeature(app, 'customer_profile:current_balance');
  await app.keyboard.press('Control+Enter');

  await expect(app.getByTestId('run-status')).toHaveText('done');
  await expect(app.getByTestId('results-rows')).toHaveText('31 rows');
  await expect(app.getByTestId('results-columns')).toHaveText('8 columns');
  const grid = app.getByTestId('results-grid');
  await expect(grid.getByTestId('grid-column')).toHaveText([
    /^driver_id/,
    /^customer_id/,
    /^event_timestamp/,
    /^val_to_add/,
    /^previous_driver_id/,
    /^conv_rate/,
    /^avg_daily_trips/,
    /^current_balance/,
  ]);
  // Nulls per feature, from the engine's Arrow null counts.
  const chips = app.getByTestId('results-null-chip');
  await expect(chips).toHaveText(['conv_rate: 3 null', 'avg_daily_trips: 3 null', 'current_balance: 2 null']);
  // Row order is the entity frame's; the first row as the CLI writes it, the float32 shown as stored.
  const first = grid.locator('[data-row="0"]');
  await expect(first).toContainText('5016');
  await expect(first).toContainText('2026-01-07 00:00:00+00:00');
  await expect(first).toContainText('0.4857');
  await expect(first).toContainText('282');
  // Row 21 is outside the driver view's 2 h TTL: its driver features are SQL NULL, shown as null.
  await grid.evaluate((el) => (el.scrollTop = 20 * 26));
  const outside = grid.locator('[data-row="20"]');
  await expect(outside.locator('[data-null="true"]')).toHaveCount(2);
  await expect(outside).toContainText('0.7682');

  // The strip shows every phase done, the rows and a statement id; the run goes to the history.
  for (const phase of ['upload', 'copy', 'unload', 'download', 'decode', 'cleanup']) {
    await expect(app.locator(`[data-phase="${phase}"]`)).toHaveAttribute('data-state', 'done');
  }
  await expect(app.getByTestId('run-rows')).toHaveText('31 rows');
  await expect(app.getByTestId('run-statement')).toContainText(/statement [0-9a-f-]{36}/);
  await app.getByTestId('run-history-toggle').click();
  await expect(app.getByTestId('run-history').locator('li')).toHaveCount(1);
  await expect(app.getByTestId('run-history')).toContainText('3 features for entities.csv · 31 rows');
});

test('results export to CSV through the engine', async ({ app }) => {
  await chooseCsv(app, 'entities.csv', await demoEntities());
  await checkFeature(app, 'customer_profile:current_balance');
  await app.keyboard.press('Control+Enter');
  await expect(app.getByTestId('run-status')).toHaveText('done');
  const downloading = app.waitForEvent('download');
  await app.getByTestId('export-csv').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^training-set-[0-9a-f]+\.csv$/);
  const text = await readFile((await download.path())!, 'utf8');
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe(
    'driver_id,customer_id,event_timestamp,val_to_add,previous_driver_id,current_balance',
  );
  expect(lines).toHaveLength(32);
  expect(lines[1]).toBe('5016,1014,2026-01-07T00:00:00Z,0,5008,0.4781');
  await expect(app.getByTestId('export-note')).toContainText('31 rows');
});

test('Ctrl+Enter without an entity frame says what is missing instead of running', async ({ app }) => {
  await checkFeature(app, 'customer_profile:current_balance');
  await app.keyboard.press('Control+Enter');
  await expect(app.getByTestId('toast')).toContainText('Drop a CSV of entity keys and timestamps first');
  await expect(app.getByTestId('run-strip')).not.toHaveAttribute('data-status', /.+/);
});
