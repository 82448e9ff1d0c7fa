/**
 * The real AWS SDK v3 clients, built from feature_store.yaml plus connection options. The same clients talk
 * to AWS and to the local sandbox; only the endpoints differ.
 */

import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { RepoConfig } from '../config/model';
import { preserveLargeLongValues } from './exact-longs';

export interface ConnectionOptions {
  /** Named profile from ~/.aws/config and ~/.aws/credentials; default chain when absent. */
  profile?: string;
  /** Explicit credentials (the sandbox's dummy keys); default chain when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Endpoint overrides; AWS_ENDPOINT_URL_REDSHIFT_DATA / AWS_ENDPOINT_URL_S3 also work, through the SDK. */
  endpoints?: { redshiftData?: string; s3?: string };
  /** Path-style S3 addressing, needed by local stand-ins. */
  forcePathStyle?: boolean;
  /** Overrides offline_store.region (the sandbox accepts any). */
  region?: string;
}

export interface AwsClients {
  redshiftData: RedshiftDataClient;
  s3: S3Client;
  /** Short description for progress and errors, e.g. "sandbox http://127.0.0.1:4566" or "aws us-west-2". */
  description: string;
  destroy(): void;
}

export function createAwsClients(config: RepoConfig, options: ConnectionOptions = {}): AwsClients {
  const region = options.region ?? config.offlineStore.region;
  const common = {
    region,
    // Retries live in withRetries() so that attempts are counted once and errors can name them.
    maxAttempts: 1,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const redshiftData = new RedshiftDataClient({
    ...common,
    ...(options.endpoints?.redshiftData ? { endpoint: options.endpoints.redshiftData } : {}),
  });
  preserveLargeLongValues(redshiftData);
  const s3 = new S3Client({
    ...common,
    ...(options.endpoints?.s3 ? { endpoint: options.endpoints.s3 } : {}),
    ...(options.forcePathStyle ? { forcePathStyle: true } : {}),
    // Checksums only where S3 requires them: stand-ins and some S3-compatible stores mishandle the rest.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const where = options.endpoints?.redshiftData
    ? `endpoint ${options.endpoints.redshiftData}`
    : `aws ${region}`;
  return {
    redshiftData,
    s3,
    description: where,
    destroy() {
      redshiftData.destroy();
      s3.destroy();
    },
  };
}

/** Connection options for the embedded sandbox: its loopback endpoints and dummy keys (it checks no signature). */
export function sandboxConnection(endpoints: {
  dataApiEndpoint: string;
  s3Endpoint: string;
}): ConnectionOptions {
  return {
    endpoints: { redshiftData: endpoints.dataApiEndpoint, s3: endpoints.s3Endpoint },
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    forcePathStyle: true,
  };
}
