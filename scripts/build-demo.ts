/**
 * Writes the generated files of the demo feature repo (assets/demo/data/*.csv, data/registry.db,
 * entities.csv). Deterministic: re-running gives identical bytes. `--check` only compares and exits 1 when a
 * committed file is out of date.
 *
 *   npx tsx scripts/build-demo.ts [--check]
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoGeneratedFiles } from '../core/testing/demo-repo';

export const DEMO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'demo');

function bytesOf(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? new TextEncoder().encode(content) : content;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Paths (relative to the demo dir) whose committed bytes differ from a fresh build. */
export async function staleDemoFiles(dir = DEMO_DIR): Promise<string[]> {
  const stale: string[] = [];
  for (const file of demoGeneratedFiles()) {
    const current = await readFile(join(dir, file.path)).catch(() => undefined);
    if (!current || !same(new Uint8Array(current), bytesOf(file.content))) stale.push(file.path);
  }
  return stale;
}

export async function writeDemoFiles(dir = DEMO_DIR): Promise<string[]> {
  const written: string[] = [];
  for (const file of demoGeneratedFiles()) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytesOf(file.content));
    written.push(file.path);
  }
  return written;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--check')) {
    const stale = await staleDemoFiles();
    if (stale.length === 0) {
      console.log('assets/demo is up to date');
      return 0;
    }
    console.error(`out of date (run npx tsx scripts/build-demo.ts): ${stale.join(', ')}`);
    return 1;
  }
  for (const path of await writeDemoFiles()) console.log(`wrote assets/demo/${path}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
