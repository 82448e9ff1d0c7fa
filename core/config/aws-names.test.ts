import { describe, expect, it } from 'vitest';
import { checkAwsRegion, checkIamRoleArn, checkS3BucketName, isAwsRegion, parseS3Uri } from './aws-names';

describe('AWS regions', () => {
  it('accepts the regions of all partitions', () => {
    for (const region of [
      'us-east-1',
      'us-west-2',
      'eu-central-1',
      'eu-south-2',
      'ap-southeast-3',
      'ap-northeast-1',
      'ca-west-1',
      'me-central-1',
      'il-central-1',
      'mx-central-1',
      'sa-east-1',
      'af-south-1',
      'us-gov-west-1',
      'us-gov-east-1',
      'cn-north-1',
      'cn-northwest-1',
      'us-iso-east-1',
      'us-isob-east-1',
      'eusc-de-east-1',
    ])
      expect(isAwsRegion(region), region).toBe(true);
  });

  it('rejects other text, explaining common slips', () => {
    for (const text of ['', 'us-west', 'uswest2', 'us_west_2', 'us-west-2.amazonaws.com', 'local', 'oregon'])
      expect(isAwsRegion(text), text).toBe(false);
    expect(checkAwsRegion('us-east-1b')).toBe('that is an availability zone; its region is us-east-1');
    expect(checkAwsRegion('EU-WEST-1')).toBe('region names are lowercase: eu-west-1');
    expect(checkAwsRegion(' us-west-2')).toBe('remove the spaces around it');
    expect(checkAwsRegion('mars-1')).toBeUndefined();
  });
});

describe('S3 buckets and URIs', () => {
  it('accepts valid bucket names', () => {
    for (const name of ['abc', 'feast-bucket', 'my.bucket.name', '123bucket', 'a'.repeat(63)])
      expect(checkS3BucketName(name), name).toBeUndefined();
  });

  it('gives the rule a bucket name breaks', () => {
    expect(checkS3BucketName('ab')).toBe('bucket names are 3 to 63 characters long');
    expect(checkS3BucketName('a'.repeat(64))).toBe('bucket names are 3 to 63 characters long');
    expect(checkS3BucketName('MyBucket')).toBe('bucket names are lowercase');
    expect(checkS3BucketName('my_bucket')).toBe(
      'bucket names use only lowercase letters, digits, dots and hyphens',
    );
    expect(checkS3BucketName('-bucket')).toBe('bucket names start and end with a letter or a digit');
    expect(checkS3BucketName('bucket.')).toBe('bucket names start and end with a letter or a digit');
    expect(checkS3BucketName('my..bucket')).toBe('bucket names cannot contain two dots in a row');
    expect(checkS3BucketName('192.168.5.4')).toBe('bucket names cannot look like an IP address');
    expect(checkS3BucketName('xn--bucket')).toBe('bucket names cannot start with xn--');
  });

  it('splits s3:// URIs', () => {
    expect(parseS3Uri('s3://feast-bucket/a/b/')).toEqual({ ok: true, bucket: 'feast-bucket', key: 'a/b/' });
    expect(parseS3Uri('s3://feast-bucket')).toEqual({ ok: true, bucket: 'feast-bucket', key: '' });
    expect(parseS3Uri('feast-bucket/a')).toEqual({ ok: false, reason: 'write it as s3://feast-bucket/a' });
    expect(parseS3Uri('s3a://feast-bucket/a')).toEqual({ ok: false, reason: 'use s3:// rather than s3a://' });
    expect(parseS3Uri('/tmp/staging')).toEqual({ ok: false, reason: 'it must start with s3://' });
  });
});

describe('IAM role ARNs', () => {
  it('accepts role ARNs, with paths and chains', () => {
    for (const arn of [
      'arn:aws:iam::123456789012:role/redshift_s3_access_role',
      'arn:aws:iam::123456789012:role/service-role/team/Role+Name=1,x.y@z-w',
      'arn:aws-cn:iam::123456789012:role/r',
      'arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b',
    ])
      expect(checkIamRoleArn(arn), arn).toEqual({ ok: true });
  });

  it('says what is wrong with other ARNs', () => {
    expect(checkIamRoleArn('redshift_s3_access_role')).toEqual({ ok: false });
    expect(checkIamRoleArn('arn:aws:iam::123456789012')).toEqual({
      ok: false,
      reason: 'an ARN has six parts separated by colons',
    });
    expect(checkIamRoleArn('arn:azure:iam::123456789012:role/r')).toEqual({
      ok: false,
      reason: 'the partition must be aws, aws-cn or aws-us-gov',
    });
    expect(checkIamRoleArn('arn:aws:iam::123456789012:group/g')).toEqual({
      ok: false,
      reason: 'that is an IAM group; Redshift needs a role',
    });
    expect(checkIamRoleArn('arn:aws:iam::123456789012:role/')).toEqual({
      ok: false,
      reason: 'role names are 1 to 64 letters, digits or +=,.@_- characters',
    });
    expect(checkIamRoleArn('arn:aws:iam::123456789012:role/a//b')).toEqual({
      ok: false,
      reason: 'the role path has an empty or invalid part',
    });
    expect(checkIamRoleArn('arn:aws:iam::123456789012:role/good,arn:aws:iam::1:role/bad')).toEqual({
      ok: false,
      reason: 'the account ID must be 12 digits',
    });
  });
});
