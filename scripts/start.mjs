// `npm start`: the workbench on the demo repo against the embedded sandbox. The desktop app where Electron's
// binary is installed (and a display exists); otherwise the browser host on 127.0.0.1, which serves the same
// renderer and engine and prints the address to open. Builds out/ first when it is missing or stale.
//
//   npm start                      desktop app, or the browser host when Electron cannot start here
//   npm start -- --browser         always the browser host
//   npm start -- --repo DIR        open another Feast repo (both modes)
//   npm start -- --profile NAME    reach AWS with a named profile instead of the sandbox (browser host)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const forceBrowser = args.includes('--browser');
const passThrough = args.filter((arg) => arg !== '--browser');

/** Newest modification time under the given paths (files and folders, recursively). */
function newest(paths) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const info = statSync(path);
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules') visit(join(path, entry));
    } else if (!/\.test\.ts$/.test(path)) {
      latest = Math.max(latest, info.mtimeMs);
    }
  };
  for (const path of paths) visit(join(root, path));
  return latest;
}

function ensureBuilt() {
  const outputs = ['out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs'].map((p) =>
    join(root, p),
  );
  const built = outputs.every((p) => existsSync(p))
    ? Math.min(...outputs.map((p) => statSync(p).mtimeMs))
    : 0;
  const sources = newest([
    'renderer',
    'core',
    'electron',
    'vite.config.ts',
    'scripts/build-electron.mjs',
    'package.json',
  ]);
  if (built > sources) return;
  console.log(
    built === 0 ? 'Building the workbench (first start)...' : 'Sources changed: rebuilding the workbench...',
  );
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
  const electron = spawnSync(process.execPath, [join(root, 'scripts', 'build-electron.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (electron.status !== 0) process.exit(electron.status ?? 1);
}

/** Electron's executable, or why it cannot be used. */
function electronBinary() {
  try {
    const binary = createRequire(import.meta.url)('electron');
    if (typeof binary === 'string' && existsSync(binary)) return { binary };
  } catch {
    // The npm package is there but its binary download failed (see scripts/install-electron.mjs).
  }
  return { reason: "Electron's binary is not installed on this machine (npm could not download it)" };
}

function hasDisplay() {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function run(command, commandArgs, env = process.env) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', env });
  // Ctrl+C reaches the child through the terminal; wait for it to finish cleaning up.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(signal ? 130 : (code ?? 0)));
}

ensureBuilt();

const electron = forceBrowser ? { reason: 'the browser host was asked for (--browser)' } : electronBinary();
if (electron.binary && hasDisplay()) {
  const repoIndex = passThrough.indexOf('--repo');
  const env = { ...process.env };
  if (repoIndex >= 0 && passThrough[repoIndex + 1]) env.FWB_REPO = resolve(passThrough[repoIndex + 1]);
  console.log('Starting the Feature Workbench desktop app...');
  run(electron.binary, [root], env);
} else {
  const reason = electron.reason ?? 'there is no display to open a window on';
  console.log(`${reason}, so the workbench starts as a browser host instead:`);
  console.log('the same app, served on 127.0.0.1 for a browser on this machine.\n');
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  run(process.execPath, [tsx, join(root, 'core', 'host', 'serve.ts'), '--open', ...passThrough]);
}
