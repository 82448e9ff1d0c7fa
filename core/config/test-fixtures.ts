/** feature_store.yaml texts shared by the config tests (the two examples of Feast's Redshift documentation). */

export const PROVISIONED_YAML = `project: my_feature_repo
registry: data/registry.db
provider: aws
offline_store:
  type: redshift
  region: us-west-2
  cluster_id: feast-cluster
  database: feast-database
  user: redshift-user
  s3_staging_location: s3://feast-bucket/redshift
  iam_role: arn:aws:iam::123456789012:role/redshift_s3_access_role
`;

export const SERVERLESS_YAML = `project: my_feature_repo
registry: data/registry.db
provider: aws
offline_store:
  type: redshift
  region: us-west-2
  workgroup: feast-workgroup
  database: feast-database
  s3_staging_location: s3://feast-bucket/redshift
  iam_role: arn:aws:iam::123456789012:role/redshift_s3_access_role
`;

/** Replaces exactly one occurrence of `from`, failing loudly if the fixture does not contain it. */
export function variant(text: string, from: string, to: string): string {
  const index = text.indexOf(from);
  if (index === -1 || text.indexOf(from, index + 1) !== -1)
    throw new Error(`fixture must contain "${from}" once`);
  return text.slice(0, index) + to + text.slice(index + from.length);
}
