// Runs Electron's own binary download (npm is told not to, via allowScripts) and never fails the install:
// on machines without access to Electron's download host the workbench still runs as a browser host.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

let electronDir;
try {
  electronDir = dirname(require.resolve('electron/package.json'));
} catch {
  // Production installs (--omit=dev) have no Electron: nothing to do.
  process.exit(0);
}

const installer = join(electronDir, 'install.js');
if (!existsSync(installer)) process.exit(0);

const result = spawnSync(process.execPath, [installer], {
  cwd: electronDir,
  encoding: 'utf8',
  timeout: 10 * 60 * 1000,
});
if (result.status === 0) {
  console.log('electron: binary installed');
} else {
  const reason = `${result.stderr ?? ''}${result.stdout ?? ''}`
    .split('\n')
    .find((line) => /error|ENOTFOUND|EAI_AGAIN|ECONN/i.test(line));
  console.warn(
    `electron: the Electron binary could not be downloaded (${reason?.trim() ?? `exit ${result.status}`}).\n` +
      'electron: the desktop shell will not start on this machine; `npm start` falls back to the browser host.',
  );
}
