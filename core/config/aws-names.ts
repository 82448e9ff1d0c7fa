/**
 * Shape checks for the AWS names in feature_store.yaml. Feast passes these through untouched and only fails
 * when AWS (or an assertion deep in a retrieval) rejects them; checking them here turns a late, cryptic failure
 * into a message at the line that needs fixing.
 *
 * Each check returns `undefined` when the value is acceptable, otherwise a short reason (a clause, lowercase,
 * no final period) that callers append to their own sentence.
 */

const REGION_DIRECTIONS = 'central|north|south|east|west|northeast|northwest|southeast|southwest';
// Partition prefixes are 2-4 letters, sometimes with a second qualifier: us-gov-west-1, us-isob-east-1,
// eusc-de-east-1, cn-northwest-1.
const REGION = new RegExp(`^[a-z]{2,4}(?:-[a-z]{2,4})?-(?:${REGION_DIRECTIONS})-[0-9]{1,2}$`);
const AVAILABILITY_ZONE = new RegExp(
  `^([a-z]{2,4}(?:-[a-z]{2,4})?-(?:${REGION_DIRECTIONS})-[0-9]{1,2})[a-z]$`,
);

export function checkAwsRegion(region: string): string | undefined {
  if (REGION.test(region)) return undefined;
  if (region.trim() !== region) return 'remove the spaces around it';
  const lower = region.toLowerCase();
  if (lower !== region && REGION.test(lower)) return `region names are lowercase: ${lower}`;
  const zone = AVAILABILITY_ZONE.exec(lower);
  if (zone) return `that is an availability zone; its region is ${zone[1]}`;
  return undefined;
}

export function isAwsRegion(region: string): boolean {
  return REGION.test(region);
}

/** General purpose bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
export function checkS3BucketName(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'bucket names are 3 to 63 characters long';
  if (/[A-Z]/.test(bucket) && /^[a-zA-Z0-9.-]+$/.test(bucket)) return 'bucket names are lowercase';
  if (/[^a-z0-9.-]/.test(bucket)) return 'bucket names use only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket))
    return 'bucket names start and end with a letter or a digit';
  if (bucket.includes('..')) return 'bucket names cannot contain two dots in a row';
  if (/^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(bucket)) return 'bucket names cannot look like an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-'])
    if (bucket.startsWith(prefix)) return `bucket names cannot start with ${prefix}`;
  return undefined;
}

export type S3UriParse = { ok: true; bucket: string; key: string } | { ok: false; reason: string };

/** Splits `s3://bucket/key`, checking the scheme and the bucket name (the key may be empty). */
export function parseS3Uri(uri: string): S3UriParse {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri);
  if (!scheme) {
    if (/^[a-z0-9][a-z0-9.-]*\//.test(uri)) return { ok: false, reason: `write it as s3://${uri}` };
    return { ok: false, reason: 'it must start with s3://' };
  }
  const name = scheme[1] ?? '';
  if (name !== 's3') {
    if (name.toLowerCase() === 's3') return { ok: false, reason: 'write the scheme in lowercase: s3://' };
    if (/^s3[an]$/i.test(name)) return { ok: false, reason: `use s3:// rather than ${name}://` };
    if (/^https?$/i.test(name))
      return { ok: false, reason: 'use the s3://bucket/prefix form, not an HTTP URL' };
    return { ok: false, reason: 'it must start with s3://' };
  }
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') return { ok: false, reason: 'the bucket name is missing' };
  const bucketProblem = checkS3BucketName(bucket);
  if (bucketProblem) return { ok: false, reason: `bucket "${bucket}": ${bucketProblem}` };
  return { ok: true, bucket, key };
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const PATH_SEGMENT = /^[\x21-\x2E\x30-\x7E]+$/;

function checkOneRoleArn(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return arn.trim() !== arn ? 'remove the spaces around it' : undefined;
  const parts = arn.split(':');
  if (parts.length < 6) return 'an ARN has six parts separated by colons';
  const [, partition, service, region, account] = parts;
  const resource = parts.slice(5).join(':');
  if (partition !== 'aws' && partition !== 'aws-cn' && partition !== 'aws-us-gov')
    return 'the partition must be aws, aws-cn or aws-us-gov';
  if (service !== 'iam') return `that is a ${service} ARN, not an IAM one`;
  if (region !== '') return 'IAM ARNs have no region (arn:aws:iam::<account>:role/<name>)';
  if (!/^[0-9]{12}$/.test(account ?? '')) return 'the account ID must be 12 digits';
  if (!resource.startsWith('role/')) {
    const kind = resource.split('/')[0] ?? '';
    return kind === '' ? 'the resource must be role/<name>' : `that is an IAM ${kind}; Redshift needs a role`;
  }
  const segments = resource.slice('role/'.length).split('/');
  const name = segments.pop() ?? '';
  if (!ROLE_NAME.test(name)) return 'role names are 1 to 64 letters, digits or +=,.@_- characters';
  if (segments.some((segment) => !PATH_SEGMENT.test(segment)))
    return 'the role path has an empty or invalid part';
  if (resource.length - 'role/'.length - name.length > 512)
    return 'the role path is longer than 512 characters';
  return undefined;
}

const ROLE_ARN =
  /^arn:(?:aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role\/(?:[\x21-\x2E\x30-\x7E]+\/)*[\w+=,.@-]{1,64}$/;

/**
 * `iam_role` goes into `IAM_ROLE '<value>'` of COPY and UNLOAD, where Redshift also accepts a chain of roles
 * separated by commas; each link must be a role ARN.
 */
export function checkIamRoleArn(value: string): { ok: true } | { ok: false; reason?: string } {
  const links = value.split(',');
  // IAM paths may contain commas, so a comma only separates roles when an ARN follows it.
  const chain = links.length > 1 && links.slice(1).every((link) => link.trimStart().startsWith('arn:'));
  for (const link of chain ? links : [value]) {
    if (ROLE_ARN.test(link)) continue;
    const reason = checkOneRoleArn(link);
    return reason === undefined ? { ok: false } : { ok: false, reason };
  }
  return { ok: true };
}
