import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../command';
import { runCli } from '../run';

function io(cwd: string, controller: AbortController) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIO = {
    stdout: (text) => void (out.stdout += text),
    stderr: (text) => void (out.stderr += text),
    cwd,
    env: {},
    signal: controller.signal,
  };
  return { out, cli };
}

describe('fwb serve', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fwb-serve-'));
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>workbench</title>');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('serves the renderer on 127.0.0.1 with a token until the signal aborts', async () => {
    const controller = new AbortController();
    const { out, cli } = io(root, controller);
    const exit = runCli(['serve', '--json', '--static', '.', '--demo-dir', 'demo'], cli);
    while (!out.stdout.includes('"url"')) {
      if (out.stderr) throw new Error(out.stderr);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { url, origin, token, repoDir } = JSON.parse(out.stdout) as Record<string, string>;
    expect(url).toBe(`${origin}/#token=${token}`);
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(repoDir).toBe(path.join(root, 'demo'));
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>workbench</title>');
    controller.abort();
    expect(await exit).toBe(0);
  }, 120_000);

  it('is a usage error (exit 2) with a bad port or without a built renderer', async () => {
    const controller = new AbortController();
    const bad = io(root, controller);
    expect(await runCli(['serve', '--port', 'eighty'], bad.cli)).toBe(2);
    expect(bad.out.stderr).toContain('--port');
    const missing = io(path.join(root, 'nowhere'), controller);
    expect(await runCli(['serve', '--static', '.'], missing.cli)).toBe(1);
    expect(missing.out.stderr).toContain('build the renderer first');
  });
});
