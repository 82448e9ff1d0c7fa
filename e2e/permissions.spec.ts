/// <reference lib="dom" />
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** Pastes text into the policy editor the way a user does: through the clipboard and Ctrl+V. */
async function pastePolicy(app: Page, text: string): Promise<void> {
  await app
    .context()
    .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url()).origin });
  await app.evaluate((value) => navigator.clipboard.writeText(value), text);
  await app.getByTestId('policy-editor').locator('.view-lines').click();
  await app.keyboard.press('Control+a');
  await app.keyboard.press('Control+v');
}

const ACCOUNT = '123456789012';
/** Everything get_historical_features needs on the demo config except s3:PutObject. */
const WITHOUT_PUT = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DataApi',
      Effect: 'Allow',
      Action: [
        'redshift-data:ExecuteStatement',
        'redshift-data:BatchExecuteStatement',
        'redshift-data:DescribeTable',
      ],
      Resource: `arn:aws:redshift:us-west-2:${ACCOUNT}:cluster:feast-cluster`,
    },
    {
      Sid: 'Statements',
      Effect: 'Allow',
      Action: [
        'redshift-data:DescribeStatement',
        'redshift-data:GetStatementResult',
        'redshift-data:CancelStatement',
      ],
      Resource: '*',
    },
    {
      Sid: 'Credentials',
      Effect: 'Allow',
      Action: 'redshift:GetClusterCredentials',
      Resource: [
        `arn:aws:redshift:us-west-2:${ACCOUNT}:dbuser:feast-cluster/awsuser`,
        `arn:aws:redshift:us-west-2:${ACCOUNT}:dbname:feast-cluster/dev`,
      ],
    },
    {
      Sid: 'Staging',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetObject', 's3:DeleteObject'],
      Resource: ['arn:aws:s3:::feast-demo-bucket', 'arn:aws:s3:::feast-demo-bucket/*'],
    },
  ],
};

test('the minimal policy is shown for copying and passes its own check', async ({ app }) => {
  await app.getByTestId('tab-permissions').click();
  const minimal = app.getByTestId('minimal-policy-text');
  await expect(minimal).toContainText('"Version": "2012-10-17"');
  await expect(minimal).toContainText('arn:aws:s3:::feast-demo-bucket');
  await app.getByTestId('minimal-policy').getByRole('button', { name: 'Check it' }).click();
  await expect(app.getByTestId('policy-verdict')).toHaveText(
    'Every checked command is allowed (enforced mode).',
  );
  await expect(app.getByTestId('policy-command')).toHaveCount(6);
  for (const command of await app.getByTestId('policy-command').all()) {
    await expect(command).toHaveAttribute('data-allowed', 'true');
  }
});

test('a pasted policy is checked per command: the missing pair, its reason and the deciding statements', async ({
  app,
}) => {
  await app.getByTestId('tab-permissions').click();
  await app.getByTestId('policy-mode').selectOption('documented');
  await pastePolicy(app, JSON.stringify(WITHOUT_PUT, null, 2));
  await expect(app.getByTestId('policy-verdict')).toHaveText(
    'Some commands are not allowed (documented mode).',
  );
  const historical = app.locator('[data-testid="policy-command"][data-command="get_historical_features"]');
  await expect(historical).toHaveAttribute('data-allowed', 'false');
  await expect(historical.locator('.badge').first()).toHaveText(/missing/);
  // The documented table lists s3:PutObject on the bucket and on its objects: both are missing.
  const put = historical.locator('[data-testid="policy-pair"][data-action="s3:PutObject"]');
  await expect(put).toHaveCount(2);
  for (const row of await put.all()) {
    await expect(row).toHaveAttribute('data-decision', 'implicit_deny');
    await expect(row).toContainText('no statement matches');
  }
  // An allowed pair names the statement that allows it, with its Sid and line in the pasted document.
  const execute = historical.locator(
    '[data-testid="policy-pair"][data-action="redshift-data:ExecuteStatement"][data-resource$=":cluster:feast-cluster"]',
  );
  await expect(execute).toHaveAttribute('data-decision', 'allowed');
  await expect(execute).toContainText(/Allow statement 0 "DataApi" \(policy\.json, line \d+\)/);
});

test('invalid policy JSON is an error at its line, also marked in the editor', async ({ app }) => {
  await app.getByTestId('tab-permissions').click();
  await app.getByTestId('policy-file-input').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from(
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow" "Action": "s3:*"}\n  ]\n}\n',
    ),
  });
  const error = app.getByTestId('policy-error');
  await expect(error).toHaveAttribute('data-kind', 'InputInvalid');
  await expect(error).toContainText('broken.json, line 4');
  await expect(app.getByTestId('policy-editor').locator('.squiggly-error')).toBeAttached();
});
