/**
 * For tests that run Python: finds python3 with pandas the way the engine does. Without one, such suites are
 * skipped with the reason in their name, except under FWB_REQUIRE_SYSTEM_DEPS=1 (CI), where they fail.
 */

import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { isWorkbenchError } from '../contract/errors';
import { startPython, type PythonInfo } from './python';

async function probe(): Promise<{ info?: PythonInfo; reason?: string }> {
  try {
    const { process, info } = await startPython(true, {}, undefined, 'the tests');
    await process.close();
    return { info };
  } catch (error) {
    return { reason: isWorkbenchError(error) ? error.message : String(error) };
  }
}

export const TEST_PYTHON = await probe();

/** `describe` that needs python3 with pandas (see the module comment). */
export function describeWithPython(name: string, body: () => void): void {
  if (TEST_PYTHON.info) {
    describe(name, body);
  } else if (process.env.FWB_REQUIRE_SYSTEM_DEPS === '1') {
    describe(name, () => {
      it('needs python3 with pandas (FWB_REQUIRE_SYSTEM_DEPS=1)', () => {
        throw new Error(`${TEST_PYTHON.reason}; scripts/setup-system.sh installs it`);
      });
    });
  } else {
    describe.skip(`${name} [skipped: ${TEST_PYTHON.reason}]`, body);
  }
}

/**
 * An executable that runs the test Python without its site packages (`-S`): Python without pandas, for the
 * missing-dependency tests.
 */
export async function pythonWithoutSitePackages(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fwb-nopandas-'));
  const file = path.join(dir, 'python-without-pandas');
  await writeFile(file, `#!/bin/sh\nexec '${TEST_PYTHON.info!.executable}' -S "$@"\n`);
  await chmod(file, 0o755);
  return file;
}
