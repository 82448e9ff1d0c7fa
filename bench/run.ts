/**
 * `npm run bench [-- <name>...] [--runs N]`: runs bench/<name>.bench.ts (all of them when no name is given)
 * and prints a table of figures. Add a benchmark by adding a `*.bench.ts` file whose default export is
 * `defineBench(...)` from ./harness.
 */
import '../core/cli/quiet-warnings';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRecorder, formatTable, isBenchSuite, type Measurement, type Note } from './harness';

const SUFFIX = '.bench.ts';

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench [-- <name>...] [--runs N]`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names: string[] = [];
  let runs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--runs') {
      runs = Number(args[++i]);
      if (!Number.isInteger(runs) || runs < 1) usage('--runs needs a positive integer');
    } else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else names.push(arg.endsWith(SUFFIX) ? arg.slice(0, -SUFFIX.length) : arg.replace(/^bench\//, ''));
  }
  const dir = dirname(fileURLToPath(import.meta.url));
  const available = readdirSync(dir)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
  for (const name of names) {
    if (!available.includes(name))
      usage(`no benchmark "${name}" (available: ${available.join(', ') || 'none'})`);
  }
  const selected = names.length > 0 ? names : available;
  const measurements: Measurement[] = [];
  const notes: Note[] = [];
  let failed = false;
  for (const name of selected) {
    const module: { default?: unknown } = await import(pathToFileURL(join(dir, `${name}${SUFFIX}`)).href);
    if (!isBenchSuite(module.default)) {
      console.error(`bench/${name}${SUFFIX}: the default export must be defineBench(...)`);
      failed = true;
      continue;
    }
    console.error(`running ${name}...`);
    const recorder = createRecorder(module.default.name, runs, (line) => console.error(line));
    try {
      await module.default.run(recorder);
    } catch (error) {
      console.error(`bench ${name} failed:`, error);
      failed = true;
    }
    measurements.push(...recorder.measurements);
    notes.push(...recorder.notes);
  }
  console.log(formatTable(measurements, notes));
  if (failed) process.exitCode = 1;
}

await main();
