import { checkFeature, chooseCsv, demoEntities, expect, test } from './fixtures';

test('Esc during a run cancels it in Redshift: the strip ends cancelled, cleanup ran, the next run works', async ({
  app,
  host,
}) => {
  // A test-only knob of the sandbox: UNLOAD statements stay STARTED for a minute unless cancelled.
  await host.hook('sandbox-delay', { ms: 60_000, match: 'UNLOAD' });
  try {
    await chooseCsv(app, 'entities.csv', await demoEntities());
    await checkFeature(app, 'driver_hourly_stats:conv_rate');
    await app.keyboard.press('Control+Enter');
    await expect(app.getByTestId('run-status')).toHaveText('running');
    await expect(app.locator('[data-phase="unload"]')).toHaveAttribute('data-state', 'running');
    await expect(app.getByTestId('run-statement')).toContainText(/statement [0-9a-f-]{36}/);
    await expect(app.getByTestId('run-cancel')).toBeVisible();

    await app.keyboard.press('Escape');
    await expect(app.getByTestId('run-status')).toHaveText('cancelled');
    await expect(app.getByTestId('run-cancelled')).toContainText('Cancelled during');
    await expect(app.getByTestId('run-cancelled')).toContainText('removed the staging objects');
    await expect(app.locator('[data-phase="cleanup"]')).toHaveAttribute('data-state', 'done');
    await expect(app.getByTestId('run-cancel')).toHaveCount(0);
  } finally {
    await host.hook('sandbox-reset');
  }
  // The same request runs to the end once the knob is gone; the history keeps both runs.
  await app.keyboard.press('Control+Enter');
  await expect(app.getByTestId('run-status')).toHaveText('done');
  await expect(app.getByTestId('results-rows')).toHaveText('31 rows');
  await app.getByTestId('run-history-toggle').click();
  await expect(app.getByTestId('run-history').locator('li')).toHaveCount(2);
  await expect(app.getByTestId('run-history').locator('li').nth(1)).toHaveAttribute(
    'data-status',
    'cancelled',
  );
});

test('the Cancel button does the same as Esc', async ({ app, host }) => {
  await host.hook('sandbox-delay', { ms: 60_000, match: 'UNLOAD' });
  try {
    await chooseCsv(app, 'entities.csv', await demoEntities());
    await checkFeature(app, 'customer_profile:current_balance');
    await app.keyboard.press('Control+Enter');
    await expect(app.locator('[data-phase="unload"]')).toHaveAttribute('data-state', 'running');
    await app.getByTestId('run-cancel').click();
    await expect(app.getByTestId('run-status')).toHaveText('cancelled');
  } finally {
    await host.hook('sandbox-reset');
  }
});
