/**
 * Shared fixtures: one browser host per worker (a private copy of the demo repo, the embedded sandbox, test
 * hooks on), Debian's Chromium with no network access, and a page that has loaded the workbench. Every request
 * that does not go to 127.0.0.1 is aborted and recorded; a test fails if any was attempted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test as base, chromium, expect, type Browser, type Page } from '@playwright/test';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEMO_DIR = path.join(ROOT, 'assets', 'demo');
export const CHROMIUM = process.env.FWB_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep Chromium from calling home (updates, sync, metrics, safe browsing lists...). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--no-first-run',
  '--no-default-browser-check',
  '--metrics-recording-only',
];

export interface Host {
  url: string;
  origin: string;
  token: string;
  repoDir: string;
  /** Calls a test-only route of the host (sandbox fault knobs). */
  hook(name: string, body?: unknown): Promise<void>;
}

async function startHost(): Promise<{ host: Host; stop(): Promise<void> }> {
  const demoDir = path.join(await mkdtemp(path.join(tmpdir(), 'fwb-e2e-')), 'demo');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'core', 'host', 'serve.ts'),
      '--json',
      '--test-hooks',
      '--demo-dir',
      demoDir,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const info = await new Promise<{ url: string; origin: string; token: string; repoDir: string }>(
    (resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`the host printed ${line}`));
        }
      });
      child.once('exit', (code) =>
        reject(new Error(`the host exited (${code}) before it was ready:\n${stderr}`)),
      );
    },
  );
  const host: Host = {
    ...info,
    async hook(name, body = {}) {
      const response = await fetch(`${info.origin}/__test__/${name}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${info.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`hook ${name}: ${response.status} ${await response.text()}`);
    },
  };
  return {
    host,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(path.dirname(demoDir), { recursive: true, force: true });
    },
  };
}

export const test = base.extend<{ app: Page; blocked: string[] }, { host: Host; chromiumBrowser: Browser }>({
  host: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their dependencies
    async ({}, use) => {
      const { host, stop } = await startHost();
      await use(host);
      await stop();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  chromiumBrowser: [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their dependencies
    async ({}, use) => {
      if (!existsSync(CHROMIUM)) {
        throw new Error(`${CHROMIUM} is missing: run scripts/setup-system.sh (apt-get install chromium)`);
      }
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their dependencies
  blocked: async ({}, use) => {
    await use([]);
  },
  app: async ({ host, chromiumBrowser, blocked }, use, testInfo) => {
    const context = await chromiumBrowser.newContext({
      viewport: testInfo.project.use.viewport ?? { width: 1400, height: 900 },
      acceptDownloads: true,
    });
    // Nothing but the loopback host: every other request is aborted and recorded.
    await context.route(
      (url) =>
        !['127.0.0.1', 'localhost'].includes(url.hostname) && !['data:', 'blob:'].includes(url.protocol),
      (route) => {
        blocked.push(route.request().url());
        return route.abort('blockedbyclient');
      },
    );
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(host.url);
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await use(page);
    await context.close();
    expect(blocked, 'requests outside 127.0.0.1').toEqual([]);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/** The demo entity frame's bytes. */
export async function demoEntities(): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path.join(DEMO_DIR, 'entities.csv'));
}

/** Loads a CSV through the Entity frame tab's file input. */
export async function chooseCsv(page: Page, name: string, bytes: Buffer): Promise<void> {
  await page.getByTestId('tab-frame').click();
  await page.getByTestId('frame-file-input').setInputFiles({ name, mimeType: 'text/csv', buffer: bytes });
}

/** Checks a feature in the registry tree. */
export async function checkFeature(page: Page, ref: string): Promise<void> {
  await page.getByRole('checkbox', { name: ref, exact: true }).check();
}

/** Visible text of a Monaco editor (only the rendered lines). */
export async function editorText(page: Page, testId: string): Promise<string> {
  // Monaco renders spaces as no-break spaces.
  return (await page.getByTestId(testId).locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
}
