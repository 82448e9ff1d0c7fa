import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isWorkbenchError } from '../../contract/errors';
import { loadRepoConfig } from '../../config/load';
import { loadRegistry, registrySourceName } from '../../registry/load';
import { formatRegistryOutline } from '../../registry/outline';
import { UsageError, type CliCommand } from '../command';
import { parseOptions, requireOption } from '../run';

export const registryShowCommand: CliCommand = {
  path: ['registry', 'show'],
  summary: 'Show the Feast registry of a feature repo (entities, sources, views, services, ODFVs, datasets)',
  usage:
    'registry show --repo DIR [--json]\n' +
    '  --repo DIR  the Feast repository folder holding feature_store.yaml; its `registry:` names the\n' +
    '              registry.db (or registry-dump .json), on disk or at s3://\n' +
    "  --json      print the workbench's registry model for the project as JSON\n" +
    'Exit codes: 0 shown, 1 the registry cannot be read (missing, corrupt, S3 refused),\n' +
    '2 bad usage or an invalid feature_store.yaml.',
  async run(args, io) {
    const { values } = parseOptions(args, { repo: { type: 'string' }, json: { type: 'boolean' } });
    const repoDir = path.resolve(io.cwd, requireOption(values, 'repo'));
    const isDir = await stat(repoDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new UsageError(`--repo ${repoDir} is not a folder`);
    let config;
    try {
      config = await loadRepoConfig(repoDir, { env: io.env });
    } catch (error) {
      if (isWorkbenchError(error) && error.detail.kind === 'ConfigInvalid') {
        for (const p of error.detail.problems) io.stderr(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
        return 2;
      }
      throw error;
    }
    const model = await loadRegistry(config, { signal: io.signal });
    if (values.json) {
      io.stdout(`${JSON.stringify(model, null, 2)}\n`);
    } else {
      io.stdout(formatRegistryOutline(model, registrySourceName(config)));
    }
    return 0;
  },
};
