// Builds the Electron side into out/: the main process (ESM) and the sandbox's SQL worker next to it, with
// every package dependency left external (PGlite, parquet-wasm and the AWS SDK load their own files from
// node_modules at run time), and the preload as one self-contained CommonJS file (a sandboxed preload cannot
// load ES modules or node_modules). The renderer is built by Vite (`npm run build`).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Options shared by the main bundle and anything tested as its stand-in (electron/build.integration.test.ts). */
export function mainBundleOptions() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
    external: ['electron', ...Object.keys(pkg.dependencies ?? {})],
  };
}

/** Builds main, worker and preload under `outDir` (default out/); extra main-side entries can be added. */
export async function buildElectron({ outDir = join(root, 'out'), extraMainEntries = {} } = {}) {
  const options = mainBundleOptions();
  await Promise.all([
    build({
      ...options,
      entryPoints: {
        index: 'electron/main/index.ts',
        'sandbox-worker': 'core/sandbox/worker.ts',
        ...extraMainEntries,
      },
      outdir: join(outDir, 'main'),
    }),
    build({
      ...options,
      entryPoints: ['electron/preload/index.ts'],
      outfile: join(outDir, 'preload', 'index.cjs'),
      format: 'cjs',
      external: ['electron'],
    }),
  ]);
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  await buildElectron();
  console.log('built out/main/index.js, out/main/sandbox-worker.js, out/preload/index.cjs');
}
