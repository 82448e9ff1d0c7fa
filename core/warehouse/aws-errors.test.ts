/** AWS SDK exceptions as EngineErrors: what was refused and why, never Feast's blanket "incorrect credentials". */

import { describe, expect, it } from 'vitest';
import { describeEngineError, WorkbenchError } from '../contract/errors';
import { awsError, awsErrorToEngineError, type AwsCallContext } from './aws-errors';

const EXECUTE: AwsCallContext = {
  service: 'redshift-data',
  operation: 'ExecuteStatement',
  action: 'redshift-data:ExecuteStatement',
};

function sdkError(name: string, message: string, status = 400, requestId = 'req-1'): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, requestId } });
}

describe('awsErrorToEngineError', () => {
  it('reads the refused action and resource out of an access-denied message', () => {
    const error = sdkError(
      'AccessDeniedException',
      'User: arn:aws:iam::123456789012:user/ana is not authorized to perform: redshift-data:ExecuteStatement on resource: arn:aws:redshift:us-west-2:123456789012:cluster:feast-cluster because no identity-based policy allows the redshift-data:ExecuteStatement action',
    );
    const detail = awsErrorToEngineError(error, EXECUTE);
    expect(detail).toMatchObject({
      kind: 'AccessDenied',
      action: 'redshift-data:ExecuteStatement',
      resource: 'arn:aws:redshift:us-west-2:123456789012:cluster:feast-cluster',
    });
    expect(describeEngineError(detail)).toMatch(
      /^AccessDenied: redshift-data:ExecuteStatement on arn:aws:redshift/,
    );
  });

  it('falls back to the call context when the message names no action', () => {
    const detail = awsErrorToEngineError(sdkError('AccessDenied', 'Access Denied', 403), {
      service: 's3',
      operation: 'PutObject',
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::bucket/key',
    });
    expect(detail).toMatchObject({
      kind: 'AccessDenied',
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::bucket/key',
    });
  });

  it('treats expired or unknown credentials and any 403 as access problems', () => {
    for (const name of ['ExpiredTokenException', 'UnrecognizedClientException', 'InvalidClientTokenId']) {
      expect(awsErrorToEngineError(sdkError(name, 'no'), EXECUTE).kind).toBe('AccessDenied');
    }
    expect(awsErrorToEngineError(sdkError('SomethingNew', 'Forbidden', 403), EXECUTE).kind).toBe(
      'AccessDenied',
    );
  });

  it('says how to provide credentials when none are found', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const detail = awsErrorToEngineError(error, EXECUTE);
    expect(detail).toMatchObject({ kind: 'AwsError', code: 'NoCredentials' });
    expect(describeEngineError(detail)).toMatch(/--profile.*--sandbox/);
  });

  it('keeps any other service error with its code, operation, message and request id', () => {
    const detail = awsErrorToEngineError(
      sdkError('ValidationException', 'Cannot process a SQL statement larger than 100 KB.'),
      EXECUTE,
    );
    expect(detail).toEqual({
      kind: 'AwsError',
      service: 'redshift-data',
      code: 'ValidationException',
      message: 'ExecuteStatement: Cannot process a SQL statement larger than 100 KB.',
      requestId: 'req-1',
    });
    expect(describeEngineError(detail)).not.toMatch(/credential/i);
  });

  it('passes WorkbenchErrors through unchanged', () => {
    const original = new WorkbenchError({ kind: 'Throttled', operation: 'x', attempts: 3 });
    expect(awsError(original, EXECUTE)).toBe(original);
    const wrapped = awsError(sdkError('ValidationException', 'bad'), EXECUTE);
    expect(wrapped.detail.kind).toBe('AwsError');
    expect(wrapped.cause).toBeInstanceOf(Error);
  });
});
