/**
 * The Electron build, checked without an Electron binary: the preload is one CommonJS file needing only
 * `electron`; the main bundle imports nothing but Node built-ins, electron and package dependencies (which
 * ship in node_modules); and the engine bundled with the main bundle's options runs the demo retrieval in
 * plain Node with the bundled sandbox worker, so PGlite's and parquet-wasm's files load from a bundle.
 */
import { builtinModules } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as HostModule from '../core/host/host';
import type { EngineHost } from '../core/host/host';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = path.join(root, 'out', `build-test-${process.pid}`);
let dataDir: string;

beforeAll(async () => {
  const { buildElectron } = (await import(
    pathToFileURL(path.join(root, 'scripts', 'build-electron.mjs')).href
  )) as {
    buildElectron(options: { outDir: string; extraMainEntries: Record<string, string> }): Promise<void>;
  };
  await buildElectron({ outDir, extraMainEntries: { 'engine-host': 'core/host/host.ts' } });
  dataDir = await mkdtemp(path.join(tmpdir(), 'fwb-build-'));
}, 120_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function importsOf(code: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /(?:^|\n)\s*import\s[^'"]*?from\s*["']([^"']+)["']/g,
    /(?:^|\n)\s*import\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.add(match[1]!);
  return [...found];
}

describe('Electron build', () => {
  it('builds a self-contained CommonJS preload that requires only electron', async () => {
    const code = await readFile(path.join(outDir, 'preload', 'index.cjs'), 'utf8');
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(importsOf(code)).toEqual(['electron']);
    expect(code).toContain('exposeInMainWorld("workbench"');
  });

  it('keeps the main bundle to built-ins, electron and declared dependencies', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const allowed = new Set(['electron', ...Object.keys(pkg.dependencies), ...builtinModules]);
    for (const file of ['index.js', 'sandbox-worker.js']) {
      const code = await readFile(path.join(outDir, 'main', file), 'utf8');
      for (const specifier of importsOf(code)) {
        const name = specifier
          .replace(/^node:/, '')
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/');
        expect(
          allowed.has(name) || builtinModules.includes(specifier.replace(/^node:/, '')),
          `${file} imports ${specifier}`,
        ).toBe(true);
      }
    }
  });

  it('runs the demo retrieval with the bundled engine and the bundled sandbox worker', async () => {
    const { createEngineHost, shippedDemoDir } = (await import(
      pathToFileURL(path.join(outDir, 'main', 'engine-host.js')).href
    )) as typeof HostModule;
    const host: EngineHost = createEngineHost({
      demoSourceDir: path.join(root, 'assets', 'demo'),
      demoDir: path.join(dataDir, 'demo'),
      workerUrl: pathToFileURL(path.join(outDir, 'main', 'sandbox-worker.js')),
    });
    try {
      await host.ready;
      expect(shippedDemoDir()).toBeTypeOf('string');
      const info = host.workspace.info();
      expect(info.problem).toBeUndefined();
      const signal = new AbortController().signal;
      const frame = await host.dispatcher.dispatch(
        'frames.open',
        {
          fileName: 'entities.csv',
          bytes: new Uint8Array(await readFile(path.join(root, 'assets', 'demo', 'entities.csv'))),
        },
        { signal },
      );
      if (!frame.ok) throw new Error(JSON.stringify(frame.error));
      const batches: Uint8Array[] = [];
      const run = await host.dispatcher.dispatch(
        'retrieval.run',
        {
          request: { features: ['driver_hourly_stats:conv_rate'] },
          frameId: (frame.value as { frameId: string }).frameId,
        },
        {
          signal,
          emit: (event) =>
            (event as { type: string }).type === 'batch' &&
            batches.push((event as { arrow: Uint8Array }).arrow),
        },
      );
      if (!run.ok) throw new Error(JSON.stringify(run.error));
      const rows = batches.reduce((n, bytes) => n + arrow.tableFromIPC(bytes).numRows, 0);
      expect(rows).toBe(31);
    } finally {
      await host.close();
    }
  }, 120_000);
});
