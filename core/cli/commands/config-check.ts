import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isWorkbenchError } from '../../contract/errors';
import { CONFIG_FILE_NAME, loadRepoConfig } from '../../config/load';
import { summarizeRepoConfig } from '../../config/summary';
import { UsageError, type CliCommand } from '../command';
import { parseOptions, requireOption } from '../run';

export const configCheckCommand: CliCommand = {
  path: ['config', 'check'],
  summary: 'Validate feature_store.yaml for the Redshift offline store',
  usage:
    'config check --repo DIR\n' +
    '  --repo DIR  the Feast repository folder holding feature_store.yaml\n' +
    'Exit codes: 0 valid (prints a summary), 1 invalid (prints FILE:LINE:COLUMN: problem lines), 2 bad usage.',
  async run(args, io) {
    const { values } = parseOptions(args, { repo: { type: 'string' } });
    const repoDir = path.resolve(io.cwd, requireOption(values, 'repo'));
    const isDir = await stat(repoDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new UsageError(`--repo ${repoDir} is not a folder`);
    try {
      const config = await loadRepoConfig(repoDir, { env: io.env });
      io.stdout(`${CONFIG_FILE_NAME}: ${summarizeRepoConfig(config)}\n`);
      return 0;
    } catch (error) {
      if (isWorkbenchError(error) && error.detail.kind === 'ConfigInvalid') {
        for (const p of error.detail.problems) io.stdout(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
        return 1;
      }
      throw error;
    }
  },
};
