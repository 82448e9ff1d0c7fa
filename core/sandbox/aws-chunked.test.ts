import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeChecksum, decodeAwsChunked, decodeRequestBody } from './aws-chunked';

function frame(chunks: Buffer[], trailers: Record<string, string>, signed: boolean): Buffer {
  const parts: Buffer[] = [];
  const signature = signed ? `;chunk-signature=${'a'.repeat(64)}` : '';
  for (const chunk of chunks)
    parts.push(Buffer.from(`${chunk.length.toString(16)}${signature}\r\n`), chunk, Buffer.from('\r\n'));
  parts.push(Buffer.from(`0${signature}\r\n`));
  for (const [name, value] of Object.entries(trailers)) parts.push(Buffer.from(`${name}:${value}\r\n`));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

describe('aws-chunked bodies', () => {
  it('recovers the payload exactly, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 8 }),
        fc.boolean(),
        (arrays, signed) => {
          const chunks = arrays.map((a) => Buffer.from(a));
          const payload = Buffer.concat(chunks);
          const decoded = decodeAwsChunked(
            frame(chunks, { 'x-amz-checksum-crc32': computeChecksum('crc32', payload)! }, signed),
          );
          expect(decoded.body.equals(payload)).toBe(true);
          expect(decoded.trailers['x-amz-checksum-crc32']).toBe(computeChecksum('crc32', payload));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('verifies the checksum trailer and the decoded length, as S3 does', () => {
    const payload = Buffer.from('hello world');
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(payload.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    const good = frame([payload], { 'x-amz-checksum-crc32': computeChecksum('crc32', payload)! }, false);
    expect(decodeRequestBody(headers, good).body.toString()).toBe('hello world');
    const corrupted = frame(
      [payload],
      { 'x-amz-checksum-crc32': computeChecksum('crc32', Buffer.from('other'))! },
      false,
    );
    expect(() => decodeRequestBody(headers, corrupted)).toThrow(/did not match/);
    expect(() => decodeRequestBody({ ...headers, 'x-amz-decoded-content-length': '99' }, good)).toThrow(
      /x-amz-decoded-content-length/,
    );
    expect(() => decodeAwsChunked(Buffer.from('zz\r\nabc'))).toThrow(/chunk size/);
  });

  it('checks plain bodies against checksum headers and Content-MD5', () => {
    const body = Buffer.from('plain');
    expect(
      decodeRequestBody({ 'x-amz-checksum-sha256': computeChecksum('sha256', body)! }, body).body,
    ).toEqual(body);
    expect(() => decodeRequestBody({ 'x-amz-checksum-crc32': 'AAAAAA==' }, body)).toThrow(/CRC32/);
    expect(() => decodeRequestBody({ 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' }, body)).toThrow(
      /Content-MD5/,
    );
  });
});
