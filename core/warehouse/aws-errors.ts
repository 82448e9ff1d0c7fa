/** Turns AWS SDK exceptions into EngineErrors that say what happened, never a blanket "bad credentials". */

import { WorkbenchError, type EngineError } from '../contract/errors';

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export interface AwsCallContext {
  /** 'redshift-data' or 's3'. */
  service: string;
  /** The API operation, e.g. ExecuteStatement. */
  operation: string;
  /** The IAM action and resource the call needs, to name them when access is denied. */
  action?: string;
  resource?: string;
}

const ACCESS_DENIED =
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|Forbidden|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|ExpiredTokenException|UnrecognizedClientException|InvalidClientTokenId)$/;

/** Parses "... is not authorized to perform: <action> on resource: <arn>" out of an AWS message. */
function deniedPair(message: string): { action?: string; resource?: string } {
  const match = /perform:\s*(\S+?)(?:\s+on resource:\s*(\S+?))?(?:\s|$|\.$|,)/.exec(message);
  if (!match) return {};
  return { action: match[1], resource: match[2]?.replace(/[.,]$/, '') };
}

export function awsErrorToEngineError(error: unknown, context: AwsCallContext): EngineError {
  if (error instanceof WorkbenchError) return error.detail;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkError;
  const code = e.name && e.name !== 'Error' ? e.name : (e.Code ?? 'UnknownError');
  const message = e.message ?? String(error);
  const status = e.$metadata?.httpStatusCode;
  if (ACCESS_DENIED.test(code) || status === 403) {
    const parsed = deniedPair(message);
    return {
      kind: 'AccessDenied',
      action: parsed.action ?? context.action ?? `${context.service}:${context.operation}`,
      resource: parsed.resource ?? context.resource,
      message: `${code}: ${message}`,
    };
  }
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return {
      kind: 'AwsError',
      service: context.service,
      code: 'NoCredentials',
      message:
        `${message}. Configure AWS credentials (environment variables, ~/.aws/credentials, SSO) ` +
        'or pass --profile, or run against the local sandbox with --sandbox DATA_DIR',
    };
  }
  return {
    kind: 'AwsError',
    service: context.service,
    code,
    message: `${context.operation}: ${message}`,
    requestId: e.$metadata?.requestId,
  };
}

export function awsError(error: unknown, context: AwsCallContext): WorkbenchError {
  if (error instanceof WorkbenchError) return error;
  return new WorkbenchError(awsErrorToEngineError(error, context), { cause: error });
}
