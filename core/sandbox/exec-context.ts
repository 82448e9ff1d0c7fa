/** What a statement needs while it runs in the worker. */
import type { PgSession } from './pg-session';
import type { TranslateOptions } from './redshift-sql';

/** The S3 stand-in as seen from the worker (the store lives on the main thread). */
export interface S3Access {
  list(bucket: string, prefix: string): Promise<{ key: string; size: number }[]>;
  get(bucket: string, key: string): Promise<Uint8Array>;
  put(bucket: string, key: string, body: Uint8Array, contentType: string): Promise<void>;
  delete(bucket: string, keys: string[]): Promise<void>;
}

/** An S3 error reported to the worker, with S3's error code. */
export class S3AccessError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'S3AccessError';
  }
}

/** The statement was cancelled (CancelStatement) between two of its steps. */
export class StatementCancelled extends Error {
  constructor() {
    super('Query cancelled on user request');
    this.name = 'StatementCancelled';
  }
}

export interface ExecContext {
  session: PgSession;
  s3: S3Access;
  cancelled(): boolean;
  translate: TranslateOptions;
  copyColumnListMapping: 'name' | 'position';
  unloadRowsPerFile: number;
}

export function throwIfCancelled(context: ExecContext): void {
  if (context.cancelled()) throw new StatementCancelled();
}

/** Redshift's wording for S3 errors met by COPY and UNLOAD. */
export function s3ErrorText(error: unknown, bucket: string, key: string): string {
  if (error instanceof S3AccessError) {
    if (error.code === 'NoSuchBucket')
      return `S3ServiceException:The specified bucket does not exist,Status 404,Error NoSuchBucket,Rid sandbox (bucket ${bucket})`;
    if (error.code === 'NoSuchKey')
      return `S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey,Rid sandbox (s3://${bucket}/${key})`;
    return `S3ServiceException:${error.message},Error ${error.code} (s3://${bucket}/${key})`;
  }
  return error instanceof Error ? error.message : String(error);
}
