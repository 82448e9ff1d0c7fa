import type { RedshiftTarget, RepoConfig } from './model';

export function describeRedshiftTarget(target: RedshiftTarget): string {
  return target.kind === 'cluster'
    ? `Redshift cluster ${target.clusterId} as ${target.user}`
    : `Redshift Serverless workgroup ${target.workgroup}`;
}

/** One line naming what a valid config points at, e.g. for `fwb config check`. */
export function summarizeRepoConfig(config: RepoConfig): string {
  const store = config.offlineStore;
  return (
    `project ${config.project}, ${describeRedshiftTarget(store.target)} in ${store.region}, ` +
    `database ${store.database}, registry ${config.registry.path}`
  );
}
