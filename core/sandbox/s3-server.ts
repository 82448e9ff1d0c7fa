/**
 * The S3 REST API over node:http, path-style (`/<bucket>/<key>`) and virtual-hosted (`<bucket>.localhost`),
 * backed by an {@link S3Store}. Signatures are not checked. Errors are S3's XML error documents.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeRequestBody } from './aws-chunked';
import type { Faults, S3Operation } from './faults';
import { S3Error, type S3Store, type StoredObject } from './s3-store';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** Bodies larger than this are refused (a PutObject may be up to 5 GB in S3; tests need far less). */
const MAX_BODY = 1024 * 1024 * 1024;

interface S3Request {
  method: string;
  bucket?: string;
  key?: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"\r]/g, (c) =>
    c === '<'
      ? '&lt;'
      : c === '>'
        ? '&gt;'
        : c === '&'
          ? '&amp;'
          : c === "'"
            ? '&apos;'
            : c === '"'
              ? '&quot;'
              : '&#13;',
  );
}

function xmlUnescape(text: string): string {
  return text.replace(
    /&(lt|gt|amp|apos|quot|#(\d+)|#x([0-9a-fA-F]+));/g,
    (_m, name: string, dec?: string, hex?: string) => {
      if (dec) return String.fromCodePoint(Number(dec));
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      return { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }[name] ?? '';
    },
  );
}

/** Every `<tag>value</tag>` inside `xml`, unescaped. */
function xmlValues(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(xmlUnescape(m[1]!));
  return out;
}

function xmlBlocks(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1]!);
  return out;
}

/** Which S3 operation a request is, from its method, path and sub-resources. */
export function s3Operation(request: S3Request): S3Operation | undefined {
  const { method, bucket, key, query } = request;
  if (!bucket) return method === 'GET' ? 'ListBuckets' : undefined;
  const plain = [...query.keys()].every((k) => k === 'x-id');
  if (key === undefined) {
    if (method === 'PUT' && plain) return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE' && plain) return 'DeleteBucket';
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
    if (method === 'GET') {
      if (query.get('list-type') === '2') return 'ListObjectsV2';
      if (query.has('location')) return 'GetBucketLocation';
      if (query.has('uploads')) return 'ListMultipartUploads';
      const known = ['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type', 'x-id'];
      if ([...query.keys()].every((k) => known.includes(k))) return 'ListObjects';
    }
    return undefined;
  }
  switch (method) {
    case 'PUT':
      if (query.has('uploadId') && query.has('partNumber'))
        return request.headers['x-amz-copy-source'] ? undefined : 'UploadPart';
      if (!plain) return undefined;
      return request.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    case 'GET':
      return query.has('uploadId') || [...query.keys()].some((k) => !['x-id', 'partNumber'].includes(k))
        ? undefined
        : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      return undefined;
    default:
      return undefined;
  }
}

/** Splits the request target into bucket and key, path-style or from a `<bucket>.<host>` Host header. */
export function parseS3Target(req: IncomingMessage): S3Request {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const path = url.pathname;
  let bucket: string | undefined;
  let key: string | undefined;
  const hostBucket = /^(.+)\.(localhost|127\.0\.0\.1)$/.exec(host)?.[1];
  if (hostBucket) {
    bucket = hostBucket;
    key = path.length > 1 ? decodePath(path.slice(1)) : undefined;
  } else {
    const rest = path.slice(1);
    const slash = rest.indexOf('/');
    if (rest.length > 0) {
      bucket = decodePath(slash < 0 ? rest : rest.slice(0, slash));
      key = slash < 0 || slash === rest.length - 1 ? undefined : decodePath(rest.slice(slash + 1));
    }
  }
  return { method: req.method ?? 'GET', bucket, key, query: url.searchParams, headers: req.headers };
}

function decodePath(text: string): string {
  return text
    .split('/')
    .map((segment) => decodeURIComponent(segment))
    .join('/');
}

export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function httpDate(date: Date): string {
  return date.toUTCString();
}

function isoDate(date: Date): string {
  return date.toISOString();
}

function metadataFrom(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') out[name.slice(11)] = value;
  }
  return out;
}

function objectHeaders(object: StoredObject): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: object.etag,
    'Last-Modified': httpDate(object.lastModified),
    'Content-Type': object.contentType,
    'Accept-Ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

export interface S3Context {
  store: S3Store;
  faults: Faults;
  log?: (line: string) => void;
}

/** Answers one S3 request. */
export async function handleS3Request(
  req: IncomingMessage,
  res: ServerResponse,
  context: S3Context,
): Promise<void> {
  const requestId = randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase();
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', requestId);
  const request = parseS3Target(req);
  const operation = s3Operation(request);
  const send = (status: number, body: string | Buffer = '', headers: Record<string, string> = {}) => {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    const type = typeof body === 'string' && body.length > 0 ? { 'Content-Type': 'application/xml' } : {};
    res.writeHead(status, { 'Content-Length': String(payload.length), ...type, ...headers });
    res.end(request.method === 'HEAD' ? undefined : payload);
  };
  const sendError = (error: S3Error) => {
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(error.code)}</Code>` +
      `<Message>${xmlEscape(error.message)}</Message>` +
      (error.resource !== undefined ? `<Resource>${xmlEscape(error.resource)}</Resource>` : '') +
      `<RequestId>${requestId}</RequestId></Error>`;
    send(error.status, request.method === 'HEAD' ? '' : xml);
  };
  try {
    if (!operation) {
      await readBody(req);
      throw new S3Error(
        'NotImplemented',
        501,
        `A header or query you provided implies functionality that the sandbox does not implement: ${request.method} ${req.url}`,
      );
    }
    const verdict = context.faults.onRequest(operation);
    if (verdict.drop === 'before') {
      req.socket.destroy();
      return;
    }
    if (verdict.throttle) {
      await readBody(req);
      throw new S3Error('SlowDown', 503, 'Please reduce your request rate.');
    }
    const injected = context.faults.takeS3Failure(operation);
    if (injected) {
      await readBody(req);
      throw new S3Error(injected.code, injected.status, injected.message);
    }
    const result = await perform(operation, request, req, context.store);
    if (verdict.drop === 'after') {
      req.socket.destroy();
      return;
    }
    send(result.status, result.body ?? '', result.headers ?? {});
  } catch (error) {
    if (error instanceof S3Error) sendError(error);
    else {
      context.log?.(`s3: internal error: ${error instanceof Error ? error.stack : String(error)}`);
      sendError(new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.'));
    }
  }
}

interface S3Result {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

async function perform(
  operation: S3Operation,
  request: S3Request,
  req: IncomingMessage,
  store: S3Store,
): Promise<S3Result> {
  const bucket = request.bucket!;
  const key = request.key!;
  const { query, headers } = request;
  switch (operation) {
    case 'ListBuckets': {
      const buckets = store
        .listBuckets()
        .map(
          (b) =>
            `<Bucket><Name>${xmlEscape(b.name)}</Name><CreationDate>${isoDate(b.created)}</CreationDate></Bucket>`,
        )
        .join('');
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="${XMLNS}"><Owner><ID>sandbox</ID><DisplayName>sandbox</DisplayName></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
      };
    }
    case 'CreateBucket':
      await readBody(req);
      store.createBucket(bucket);
      return { status: 200, headers: { Location: `/${bucket}` } };
    case 'HeadBucket':
      if (!store.hasBucket(bucket))
        throw new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', bucket);
      return { status: 200, headers: { 'x-amz-bucket-region': 'us-east-1' } };
    case 'DeleteBucket':
      store.deleteBucket(bucket);
      return { status: 204 };
    case 'GetBucketLocation':
      if (!store.hasBucket(bucket))
        throw new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', bucket);
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${XMLNS}"/>`,
      };
    case 'ListObjectsV2':
      return listObjects(store, bucket, query, 2);
    case 'ListObjects':
      return listObjects(store, bucket, query, 1);
    case 'ListMultipartUploads': {
      const uploads = store
        .listUploads(bucket)
        .map(
          (u) =>
            `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${u.uploadId}</UploadId><Initiated>${isoDate(u.initiated)}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
        )
        .join('');
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="${XMLNS}"><Bucket>${xmlEscape(bucket)}</Bucket><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`,
      };
    }
    case 'PutObject': {
      const { body, checksums } = decodeRequestBody(headers, await readBody(req));
      if (headers['if-none-match'] === '*' && store.getObject(bucket, key))
        throw new S3Error(
          'PreconditionFailed',
          412,
          'At least one of the pre-conditions you specified did not hold',
          key,
        );
      const object = store.putObject(bucket, key, body, {
        contentType: headerString(headers['content-type']) ?? 'application/octet-stream',
        metadata: metadataFrom(headers),
      });
      return { status: 200, headers: { ETag: object.etag, ...checksumHeaders(checksums) } };
    }
    case 'CopyObject': {
      await readBody(req);
      const source = decodeURIComponent(String(headers['x-amz-copy-source']))
        .replace(/^\//, '')
        .split('?')[0]!;
      const slash = source.indexOf('/');
      if (slash < 1)
        throw new S3Error('InvalidArgument', 400, 'Copy Source must mention the source bucket and key');
      const replace = String(headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
      const object = store.copyObject(
        { bucket: source.slice(0, slash), key: source.slice(slash + 1) },
        { bucket, key },
        replace
          ? { contentType: headerString(headers['content-type']), metadata: metadataFrom(headers) }
          : undefined,
      );
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<CopyObjectResult xmlns="${XMLNS}"><ETag>${xmlEscape(object.etag)}</ETag><LastModified>${isoDate(object.lastModified)}</LastModified></CopyObjectResult>`,
      };
    }
    case 'GetObject':
    case 'HeadObject':
      return getObject(store, bucket, key, headers, operation === 'HeadObject');
    case 'DeleteObject':
      await readBody(req);
      store.deleteObject(bucket, key);
      return { status: 204 };
    case 'DeleteObjects': {
      const xml = (await readBody(req)).toString('utf8');
      const keys = xmlBlocks(xml, 'Object').map((block) => xmlValues(block, 'Key')[0] ?? '');
      if (keys.length > 1000)
        throw new S3Error(
          'MalformedXML',
          400,
          'The XML you provided was not well-formed or did not validate against our published schema',
        );
      const quiet = xmlValues(xml, 'Quiet')[0] === 'true';
      const deleted = keys.map((k) => {
        store.deleteObject(bucket, k);
        return quiet ? '' : `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`;
      });
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="${XMLNS}">${deleted.join('')}</DeleteResult>`,
      };
    }
    case 'CreateMultipartUpload': {
      await readBody(req);
      const uploadId = store.createUpload(bucket, key, {
        contentType: headerString(headers['content-type']),
        metadata: metadataFrom(headers),
      });
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult xmlns="${XMLNS}"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      };
    }
    case 'UploadPart': {
      const { body, checksums } = decodeRequestBody(headers, await readBody(req));
      const etag = store.uploadPart(
        bucket,
        key,
        query.get('uploadId')!,
        Number(query.get('partNumber')),
        body,
      );
      return { status: 200, headers: { ETag: etag, ...checksumHeaders(checksums) } };
    }
    case 'CompleteMultipartUpload': {
      const xml = (await readBody(req)).toString('utf8');
      const parts = xmlBlocks(xml, 'Part').map((block) => ({
        partNumber: Number(xmlValues(block, 'PartNumber')[0]),
        etag: xmlValues(block, 'ETag')[0] ?? '',
      }));
      const object = store.completeUpload(bucket, key, query.get('uploadId')!, parts);
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult xmlns="${XMLNS}"><Location>/${xmlEscape(bucket)}/${xmlEscape(key)}</Location><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(object.etag)}</ETag></CompleteMultipartUploadResult>`,
      };
    }
    case 'AbortMultipartUpload':
      await readBody(req);
      store.abortUpload(bucket, key, query.get('uploadId')!);
      return { status: 204 };
  }
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function checksumHeaders(checksums: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(checksums).map(([name, value]) => [`x-amz-checksum-${name}`, value]),
  );
}

function getObject(
  store: S3Store,
  bucket: string,
  key: string,
  headers: IncomingMessage['headers'],
  head: boolean,
): S3Result {
  const object = store.requireObject(bucket, key);
  const ifMatch = headerString(headers['if-match']);
  if (
    ifMatch !== undefined &&
    ifMatch !== '*' &&
    ifMatch.replaceAll('"', '') !== object.etag.replaceAll('"', '')
  )
    throw new S3Error(
      'PreconditionFailed',
      412,
      'At least one of the pre-conditions you specified did not hold',
      key,
    );
  const ifNoneMatch = headerString(headers['if-none-match']);
  if (
    ifNoneMatch !== undefined &&
    (ifNoneMatch === '*' || ifNoneMatch.replaceAll('"', '') === object.etag.replaceAll('"', ''))
  )
    return { status: 304, headers: { ETag: object.etag } };
  const range = headerString(headers.range);
  const size = object.body.length;
  if (range !== undefined) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] !== '' || m[2] !== '')) {
      let start: number;
      let end: number;
      if (m[1] === '') {
        start = Math.max(0, size - Number(m[2]));
        end = size - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      }
      if (start >= size || start > end)
        throw new S3Error('InvalidRange', 416, 'The requested range is not satisfiable', key);
      const slice = object.body.subarray(start, end + 1);
      return {
        status: 206,
        body: head ? Buffer.alloc(0) : slice,
        headers: {
          ...objectHeaders(object),
          'Content-Range': `bytes ${start}-${end}/${size}`,
          ...(head ? { 'Content-Length': String(slice.length) } : {}),
        },
      };
    }
  }
  return {
    status: 200,
    body: head ? Buffer.alloc(0) : object.body,
    headers: { ...objectHeaders(object), ...(head ? { 'Content-Length': String(size) } : {}) },
  };
}

function listObjects(store: S3Store, bucket: string, query: URLSearchParams, version: 1 | 2): S3Result {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeysText = query.get('max-keys');
  const maxKeys = maxKeysText === null ? 1000 : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw new S3Error('InvalidArgument', 400, 'Provided max-keys not an integer or within integer range');
  const urlEncode = query.get('encoding-type') === 'url';
  const enc = (text: string) => xmlEscape(urlEncode ? encodeURIComponent(text).replaceAll('%2F', '/') : text);
  let after: string | undefined;
  let afterPrefix: string | undefined;
  const token = query.get('continuation-token');
  if (version === 2 && token !== null) {
    const decoded = decodeContinuation(token);
    after = decoded.item;
    afterPrefix = decoded.isPrefix ? decoded.item : undefined;
  } else if (version === 2) after = query.get('start-after') ?? undefined;
  else {
    after = query.get('marker') ?? undefined;
    if (after !== undefined && delimiter !== '' && after.endsWith(delimiter)) afterPrefix = after;
  }
  const page = store.list(bucket, { prefix, delimiter, maxKeys, after, afterPrefix });
  const contents = page.objects
    .map(
      (o) =>
        `<Contents><Key>${enc(o.key)}</Key><LastModified>${isoDate(o.lastModified)}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  const prefixes = page.commonPrefixes
    .map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`)
    .join('');
  const common =
    `<Name>${xmlEscape(bucket)}</Name><Prefix>${enc(prefix)}</Prefix>` +
    (delimiter !== '' ? `<Delimiter>${enc(delimiter)}</Delimiter>` : '') +
    `<MaxKeys>${maxKeys}</MaxKeys>` +
    (urlEncode ? '<EncodingType>url</EncodingType>' : '') +
    `<IsTruncated>${page.isTruncated}</IsTruncated>`;
  let paging: string;
  if (version === 2) {
    paging =
      `<KeyCount>${page.objects.length + page.commonPrefixes.length}</KeyCount>` +
      (token !== null ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : '') +
      (query.get('start-after') !== null
        ? `<StartAfter>${enc(query.get('start-after')!)}</StartAfter>`
        : '') +
      (page.isTruncated && page.last
        ? `<NextContinuationToken>${encodeContinuation(page.last)}</NextContinuationToken>`
        : '');
  } else {
    paging =
      `<Marker>${enc(query.get('marker') ?? '')}</Marker>` +
      (page.isTruncated && page.last && delimiter !== ''
        ? `<NextMarker>${enc(page.last.item)}</NextMarker>`
        : '');
  }
  return {
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${XMLNS}">${common}${paging}${contents}${prefixes}</ListBucketResult>`,
  };
}

function encodeContinuation(last: { item: string; isPrefix: boolean }): string {
  return Buffer.from(JSON.stringify([last.item, last.isPrefix])).toString('base64');
}

function decodeContinuation(token: string): { item: string; isPrefix: boolean } {
  try {
    const [item, isPrefix] = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as [unknown, unknown];
    if (typeof item === 'string' && typeof isPrefix === 'boolean') return { item, isPrefix };
  } catch {
    // fall through
  }
  throw new S3Error('InvalidArgument', 400, 'The continuation token provided is incorrect');
}
