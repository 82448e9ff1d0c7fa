/**
 * Request bodies as the AWS SDK sends them to S3: plain, or in the aws-chunked framing it uses for streams
 * (`<hex size>[;chunk-signature=...]\r\n<bytes>\r\n ... 0\r\n<trailer>:<value>\r\n\r\n`), with optional
 * checksum trailers or headers that we verify, as S3 does.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { crc32 } from 'node:zlib';
import { S3Error } from './s3-store';

export interface DecodedBody {
  body: Buffer;
  /** Checksums the client sent (header or trailer), by algorithm name in lower case, base64 values. */
  checksums: Record<string, string>;
}

/** True when the headers say the body uses the aws-chunked framing. */
export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  const encoding = String(headers['content-encoding'] ?? '');
  return sha.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
}

/** Removes the aws-chunked framing; returns the payload and the trailers. */
export function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) throw malformed('a chunk header is not terminated');
    const text = raw.subarray(at, end).toString('latin1');
    at = end + 2;
    return text;
  };
  for (;;) {
    const header = line();
    const size = parseInt(header.split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw malformed(`bad chunk size "${header}"`);
    if (size === 0) break;
    if (at + size + 2 > raw.length) throw malformed('a chunk is shorter than its declared size');
    chunks.push(raw.subarray(at, at + size));
    at += size;
    if (raw[at] !== 0x0d || raw[at + 1] !== 0x0a) throw malformed('a chunk is not followed by CRLF');
    at += 2;
  }
  while (at < raw.length) {
    const text = line();
    if (text === '') break;
    const colon = text.indexOf(':');
    if (colon > 0) trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(chunks), trailers };
}

function malformed(detail: string): S3Error {
  return new S3Error('IncompleteBody', 400, `The request body is not valid aws-chunked data: ${detail}`);
}

const CHECKSUM_PREFIX = 'x-amz-checksum-';

/** The payload of a request body and the checksums it carries, verified against the payload. */
export function decodeRequestBody(headers: IncomingHttpHeaders, raw: Buffer): DecodedBody {
  let body = raw;
  const checksums: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(CHECKSUM_PREFIX) && name !== 'x-amz-checksum-type' && typeof value === 'string')
      checksums[name.slice(CHECKSUM_PREFIX.length)] = value;
  }
  if (isAwsChunked(headers)) {
    const decoded = decodeAwsChunked(raw);
    body = decoded.body;
    for (const [name, value] of Object.entries(decoded.trailers)) {
      if (name.startsWith(CHECKSUM_PREFIX)) checksums[name.slice(CHECKSUM_PREFIX.length)] = value;
    }
    const declared = headers['x-amz-decoded-content-length'];
    if (declared !== undefined && Number(declared) !== body.length)
      throw new S3Error(
        'IncompleteBody',
        400,
        `You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${declared} declared, ${body.length} received).`,
      );
  }
  const md5 = headers['content-md5'];
  if (typeof md5 === 'string' && createHash('md5').update(body).digest('base64') !== md5)
    throw new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
  for (const [algorithm, expected] of Object.entries(checksums)) {
    const actual = computeChecksum(algorithm, body);
    if (actual !== undefined && actual !== expected)
      throw new S3Error(
        'BadDigest',
        400,
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
      );
  }
  return { body, checksums };
}

/** Base64 checksum as S3 computes it, for the algorithms Node can compute; undefined for the others. */
export function computeChecksum(algorithm: string, body: Uint8Array): string | undefined {
  switch (algorithm) {
    case 'crc32': {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc32(body) >>> 0);
      return out.toString('base64');
    }
    case 'sha1':
      return createHash('sha1').update(body).digest('base64');
    case 'sha256':
      return createHash('sha256').update(body).digest('base64');
    default:
      // crc32c and crc64nvme need tables Node does not ship; those bodies are accepted unverified.
      return undefined;
  }
}
