/// <reference lib="dom" />
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { editorText, expect, test } from './fixtures';

/** Puts the cursor at the end of a line of the YAML editor (1-based), scrolled into view at the top. */
async function endOfLine(app: Page, line: number): Promise<void> {
  const editor = app.getByTestId('config-editor');
  await editor.locator('.view-line').first().click();
  await app.keyboard.press('Control+Home');
  for (let i = 1; i < line; i++) await app.keyboard.press('ArrowDown');
  await app.keyboard.press('End');
}

async function replaceLineTail(app: Page, line: number, remove: number, text: string): Promise<void> {
  await endOfLine(app, line);
  for (let i = 0; i < remove; i++) await app.keyboard.press('Backspace');
  await app.keyboard.type(text);
}

test('a YAML mistake is marked at its line as you type, with the engine message', async ({ app }) => {
  await app.getByTestId('tab-config').click();
  await expect(app.getByTestId('config-valid')).toContainText('Valid: project driver_ranking');
  // Line 15 is "  region: us-west-2"; make it a number.
  await replaceLineTail(app, 15, 'us-west-2'.length, '42');
  const problem = app.getByTestId('config-problem');
  await expect(problem).toHaveCount(1);
  await expect(problem).toHaveAttribute('data-line', '15');
  await expect(problem).toContainText('region');
  await expect(app.getByTestId('config-state')).toHaveText('unsaved changes');
  // Monaco draws the marker on line 15: the squiggle sits at the same height as the line with the edit.
  const editor = app.getByTestId('config-editor');
  const squiggle = editor.locator('.squiggly-error').first();
  await expect(squiggle).toBeAttached();
  const squiggleTop = await squiggle.evaluate((el) => (el.parentElement as HTMLElement).style.top);
  const lineTop = await editor
    .locator('.view-line', { hasText: 'region: 42' })
    .evaluate((el) => (el as HTMLElement).style.top);
  expect(squiggleTop).toBe(lineTop);
  // Fixing it clears the marker.
  await replaceLineTail(app, 15, 2, 'eu-west-1');
  await expect(app.getByTestId('config-valid')).toContainText('in eu-west-1');
  await expect(editor.locator('.squiggly-error')).toHaveCount(0);
});

test('Ctrl+S saves through the engine, keeps comments, and the session uses the new config', async ({
  app,
  host,
}) => {
  const file = path.join(host.repoDir, 'feature_store.yaml');
  const original = await readFile(file, 'utf8');
  await app.getByTestId('tab-config').click();
  try {
    // Line 18 is "  database: dev".
    await replaceLineTail(app, 18, 'dev'.length, 'analytics');
    await app.keyboard.press('Control+s');
    await expect(app.getByTestId('config-state')).toHaveText('saved');
    await expect(app.getByTestId('config-note')).toContainText('The workbench now uses it.');
    await expect(app.getByTestId('top-target')).toContainText('analytics');
    expect(await readFile(file, 'utf8')).toBe(
      original.replace('  database: dev\n', '  database: analytics\n'),
    );

    // A save with a mistake writes the file but keeps the last valid config in use.
    await replaceLineTail(app, 18, 'analytics'.length, '');
    await app.keyboard.press('Control+s');
    await expect(app.getByTestId('config-note')).toContainText('keeps using the last valid configuration');
    await expect(app.getByTestId('top-target')).toContainText('analytics');

    // Fixing it and saving again makes it current; the file is byte for byte the original.
    await replaceLineTail(app, 18, 0, 'dev');
    await app.keyboard.press('Control+s');
    await expect(app.getByTestId('config-note')).toContainText('The workbench now uses it.');
    await expect(app.getByTestId('top-target')).toContainText('· dev');
    expect(await readFile(file, 'utf8')).toBe(original);
  } finally {
    // Other specs share this host's repo copy: leave the file as it was, whatever happened above.
    await writeFile(file, original);
  }
});

test('switching to a Serverless workgroup edits the YAML in place, comments kept, nothing saved', async ({
  app,
  host,
}) => {
  const file = path.join(host.repoDir, 'feature_store.yaml');
  const before = await readFile(file, 'utf8');
  await app.getByTestId('top-target').click();
  const panel = app.getByTestId('target-panel');
  await panel.getByLabel('Serverless workgroup').check();
  await panel.getByRole('textbox').fill('feast-wg');
  await panel.getByRole('button', { name: 'Apply to the editor' }).click();
  await expect(app.getByTestId('config-note')).toContainText('comments kept');
  await expect(app.getByTestId('config-state')).toHaveText('unsaved changes');
  const text = await editorText(app, 'config-editor');
  expect(text).toContain('workgroup: feast-wg');
  expect(text).not.toMatch(/^\s*(cluster_id|user):/m);
  expect(text).toContain('# Where entity frames are uploaded (COPY)');
  await expect(app.getByTestId('config-valid')).toContainText('Serverless workgroup feast-wg');
  expect(await readFile(file, 'utf8')).toBe(before);
});
