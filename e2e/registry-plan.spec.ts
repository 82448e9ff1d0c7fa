import { checkFeature, demoEntities, chooseCsv, editorText, expect, test } from './fixtures';

test('first start opens the demo repo on the sandbox with the hint and the registry tree', async ({
  app,
}) => {
  await expect(app.getByTestId('hint')).toHaveText(
    /Drop a CSV of entity keys and timestamps here, pick features on the left, press Ctrl\+Enter\./,
  );
  await expect(app.getByTestId('top-repo')).toContainText('driver_ranking');
  await expect(app.getByTestId('top-connection')).toHaveValue('sandbox');
  await expect(app.getByTestId('top-target')).toContainText('Redshift cluster feast-cluster as awsuser');
  for (const view of [
    'driver_hourly_stats',
    'customer_profile',
    'global_stats',
    'order_outcomes',
    'driver_trips',
  ]) {
    await expect(app.getByTestId(`tree-view-${view}`)).toBeVisible();
  }
  await expect(app.getByTestId('tree-view-transformed_conv_rate')).toBeVisible();
  await expect(app.getByTestId('tree-service-driver_activity')).toBeVisible();
});

test('search filters the tree to matching views and features', async ({ app }) => {
  await app.getByTestId('registry-search').fill('trips');
  await expect(app.getByTestId('tree-feature-driver_hourly_stats:avg_daily_trips')).toBeVisible();
  await expect(app.getByTestId('tree-view-driver_trips')).toBeVisible();
  await expect(app.getByTestId('tree-view-customer_profile')).toHaveCount(0);
  await expect(app.getByTestId('tree-feature-driver_hourly_stats:conv_rate')).toHaveCount(0);
  await app.getByTestId('registry-search').fill('');
  await expect(app.getByTestId('tree-view-customer_profile')).toBeVisible();
});

test('checking features updates the Plan live: SQL, steps per view and size', async ({ app }) => {
  await app.getByTestId('tab-plan').click();
  await expect(app.getByTestId('plan-empty')).toBeVisible();

  await checkFeature(app, 'customer_profile:current_balance');
  await expect(app.getByTestId('plan-group')).toHaveCount(1);
  await expect(app.getByTestId('plan-group').first()).toHaveAttribute('data-view', 'customer_profile');
  await expect.poll(() => editorText(app, 'plan-sql')).toContain('"customer_profile__keys"');
  await expect(app.getByTestId('plan-assumed')).toContainText('customer_id, event_timestamp');
  const firstBytes = Number(await app.getByTestId('plan-size').getAttribute('data-bytes'));
  await expect(app.getByTestId('plan-size')).toContainText('of the 100 KB a Data API statement may hold');

  await checkFeature(app, 'driver_hourly_stats:conv_rate');
  await expect(app.getByTestId('plan-group')).toHaveCount(2);
  await expect(app.getByTestId('plan-steps')).toContainText('at most 2 h older');
  await expect
    .poll(async () => Number(await app.getByTestId('plan-size').getAttribute('data-bytes')))
    .toBeGreaterThan(firstBytes);

  // Unchecking removes the view again.
  await app.getByRole('checkbox', { name: 'customer_profile:current_balance', exact: true }).uncheck();
  await expect(app.getByTestId('plan-group')).toHaveCount(1);
  await expect.poll(() => editorText(app, 'plan-sql')).toContain('"driver_hourly_stats__keys"');
});

test('with an entity frame the plan reads it: the steps name the frame time range', async ({ app }) => {
  await chooseCsv(app, 'entities.csv', await demoEntities());
  await expect(app.getByTestId('frame-rows')).toHaveText('31 rows');
  await checkFeature(app, 'driver_hourly_stats:conv_rate');
  await app.getByTestId('tab-plan').click();
  await expect(app.getByTestId('plan-assumed')).toHaveCount(0);
  await expect(app.getByTestId('plan-steps')).toContainText('2026-01-06');
  // EXPLAIN on demand: the frame is staged in the sandbox and the plan comes back as an operator tree.
  await app.getByTestId('plan-explain').click();
  const tree = app.getByTestId('plan-explain-tree');
  await expect(tree).toContainText('operator');
  await expect(tree).toContainText('Seq Scan on driver_hourly_stats');
});

test('a feature service can be used instead of single features', async ({ app }) => {
  await app.getByTestId('tree-service-driver_activity').getByRole('button', { name: 'Use' }).click();
  await expect(app.getByTestId('selection-summary')).toContainText('Feature service driver_activity');
  await app.getByTestId('tab-plan').click();
  await expect(app.getByTestId('plan-group')).toHaveCount(4);
  await expect(app.getByTestId('plan-steps')).toContainText('previous_driver_trips');
});

test('Ctrl+K opens the command palette: commands by name, Enter runs, Esc closes', async ({ app }) => {
  await app.keyboard.press('Control+k');
  await expect(app.getByTestId('palette')).toBeVisible();
  await app.getByTestId('palette-input').fill('service driver_activity');
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('palette')).toHaveCount(0);
  await expect(app.getByTestId('selection-summary')).toContainText('Feature service driver_activity');
  await app.keyboard.press('Control+k');
  await app.getByTestId('palette-input').fill('go to plan');
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('tab-plan')).toHaveAttribute('aria-selected', 'true');
  await expect(app.getByTestId('plan-group')).toHaveCount(4);
  await app.keyboard.press('Control+k');
  await app.keyboard.press('Escape');
  await expect(app.getByTestId('palette')).toHaveCount(0);
});
