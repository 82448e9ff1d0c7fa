// `npm start`: the workbench on the demo repo against the embedded sandbox. Until the desktop shell lands this
// runs a real retrieval through the `fwb` command line (SDK -> HTTP -> sandbox) and shows the training set.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out', 'demo-training-set.csv');
mkdirSync(dirname(out), { recursive: true });

const args = [
  'retrieve',
  '--repo',
  'assets/demo',
  '--sandbox',
  'assets/demo/data',
  '--entities',
  'assets/demo/entities.csv',
  '--feature-service',
  'driver_activity',
  '--out',
  relative(root, out),
];
console.log(`fwb ${args.join(' ')}\n`);
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const run = spawnSync(process.execPath, [tsx, join(root, 'core', 'cli', 'main.ts'), ...args], {
  cwd: root,
  stdio: 'inherit',
});
if (run.status !== 0) process.exit(run.status ?? 1);

// A preview of the first rows, aligned, so the result is visible without opening the file.
const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
const rows = lines.slice(0, 11).map((line) => line.split(','));
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
console.log('');
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
console.log(`\n${lines.length - 1} rows in ${relative(process.cwd(), out)}`);
