/// <reference lib="dom" />
/**
 * The desktop app itself, through Playwright's Electron driver: the sandboxed window on the demo repo and a
 * retrieval through the preload. Needs Electron's binary (downloaded by `npm ci` where its host is reachable)
 * and a display (or xvfb-run); skips with the reason otherwise.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { checkFeature, chooseCsv, demoEntities, ROOT } from './fixtures';

function electronBinary(): string | undefined {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown;
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const display = process.platform !== 'linux' || !!process.env.DISPLAY || !!process.env.WAYLAND_DISPLAY;
const NO_BINARY =
  "Electron's binary is not installed (its download host is unreachable from this machine); the browser-host specs cover the same renderer and services";
const NO_DISPLAY = 'no display: run under xvfb-run to include the Electron specs';
// The list reporter does not print skip reasons: say it once, plainly.
if (!binary || !display) console.log(`e2e/electron.spec.ts skipped: ${!binary ? NO_BINARY : NO_DISPLAY}`);

test.describe('Electron desktop app', () => {
  test.skip(!binary, NO_BINARY);
  test.skip(!display, NO_DISPLAY);

  let app: ElectronApplication;
  let userData: string;

  test.beforeAll(async () => {
    userData = await mkdtemp(path.join(tmpdir(), 'fwb-electron-'));
    app = await electron.launch({
      executablePath: binary!,
      args: [ROOT, `--user-data-dir=${userData}`],
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
  });

  test.afterAll(async () => {
    await app?.close();
    await rm(userData, { recursive: true, force: true });
  });

  test('the window is sandboxed and sees only window.workbench', async () => {
    const win = await app.firstWindow();
    await expect(win.getByTestId('app')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
    const page = await win.evaluate(() => {
      const scope = globalThis as unknown as Record<string, unknown> & {
        workbench?: Record<string, unknown>;
      };
      return {
        require: typeof scope.require,
        process: typeof scope.process,
        ipcRenderer: typeof scope.ipcRenderer,
        url: location.href,
        sandboxed: scope.workbench?.sandboxed,
        members: Object.keys(scope.workbench ?? {}).sort(),
      };
    });
    expect(page).toMatchObject({ require: 'undefined', process: 'undefined', ipcRenderer: 'undefined' });
    expect(page.url).toBe('app://workbench/index.html');
    expect(page.sandboxed).toBe(true);
    expect(page.members).toEqual(
      [
        'cancel',
        'config',
        'frames',
        'iam',
        'plan',
        'registry',
        'results',
        'retrieval',
        'sandbox',
        'sandboxed',
        'session',
        'transport',
      ].sort(),
    );
    // New windows are refused; navigation away is refused.
    await win.evaluate(() => window.open('https://example.com'));
    await win.evaluate(() => (location.href = 'https://example.com'));
    await expect(win.getByTestId('app')).toBeVisible();
    expect(app.windows()).toHaveLength(1);
    expect(win.url()).toBe('app://workbench/index.html');
  });

  test('runs the demo retrieval through the preload', async () => {
    const win = await app.firstWindow();
    await chooseCsv(win, 'entities.csv', await demoEntities());
    await checkFeature(win, 'driver_hourly_stats:conv_rate');
    await win.keyboard.press('Control+Enter');
    await expect(win.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
    await expect(win.getByTestId('results-rows')).toHaveText('31 rows');
  });
});
