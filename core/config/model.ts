/** feature_store.yaml, validated and typed. Positions live with the parsed document, not here. */

export type RegistryLocation =
  | { kind: 'file'; /** Absolute path. */ path: string }
  | { kind: 's3'; bucket: string; key: string; uri: string };

export interface RegistrySetting {
  /** The path as written in the file (with environment variables expanded, as Feast does). */
  path: string;
  location: RegistryLocation;
  /** Only when the file sets it; Feast's default is 600. */
  cacheTtlSeconds?: number;
  /** Read as the JSON that `feast registry-dump` prints (path ends in .json). */
  format: 'protobuf' | 'json';
}

export type RedshiftTarget =
  { kind: 'cluster'; clusterId: string; user: string } | { kind: 'serverless'; workgroup: string };

export interface RedshiftOfflineStoreConfig {
  type: 'redshift';
  region: string;
  database: string;
  /** Always without a trailing slash. */
  s3StagingLocation: string;
  /** A role ARN, or several separated by commas (Redshift role chaining). */
  iamRole: string;
  target: RedshiftTarget;
}

export interface RepoConfig {
  /** Absolute path of the folder holding feature_store.yaml. */
  repoDir: string;
  project: string;
  provider: string;
  registry: RegistrySetting;
  offlineStore: RedshiftOfflineStoreConfig;
  /** Other top-level Feast keys (online_store, entity_key_serialization_version, ...), kept as parsed. */
  extra: Record<string, unknown>;
}
