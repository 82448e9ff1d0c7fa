import { defineConfig } from '@playwright/test';

/**
 * End-to-end specs. The browser host (core/host/serve.ts) runs the real engine on the demo repo against the
 * embedded sandbox; Debian's Chromium drives the real renderer bundle (out/renderer, built by `npm run build`).
 * Every spec blocks non-loopback requests (e2e/fixtures.ts). Electron specs skip where no Electron binary exists.
 * No browser is ever downloaded: the executable is /usr/bin/chromium (override with FWB_CHROMIUM).
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts/,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  // One worker: each worker starts its own host (engine + sandbox), and the machines this runs on have 2 cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI
    ? [['list'], ['html', { open: 'never', outputFolder: 'out/e2e-report' }]]
    : [['list']],
  outputDir: 'out/e2e-results',
  use: {
    viewport: { width: 1400, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
