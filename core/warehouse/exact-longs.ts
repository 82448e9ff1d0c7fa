/**
 * GetStatementResult returns int8 cells as JSON numbers ({"longValue": 9007199254740993}) and the SDK parses
 * them with JSON.parse, which rounds anything above 2^53. This middleware sees the raw response body before
 * the SDK parses it and rewrites such cells to {"stringValue": "<digits>"}; the result decoder knows the
 * column is int8 from ColumnMetadata and reads the digits exactly.
 */

import { Readable } from 'node:stream';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';

const LARGE_LONG = /"longValue"\s*:\s*(-?\d{16,})/g;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Rewrites longValue cells that JSON.parse would round. Exported for tests. */
export function rewriteLargeLongValues(json: string): string {
  return json.replace(LARGE_LONG, (whole, digits: string) => {
    const value = BigInt(digits);
    const unsafe = value > MAX_SAFE || value < -MAX_SAFE;
    return unsafe ? `"stringValue":"${digits}"` : whole;
  });
}

async function readAll(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

const OPERATIONS_WITH_RECORDS = new Set(['GetStatementResultCommand']);

export function preserveLargeLongValues(client: RedshiftDataClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (!OPERATIONS_WITH_RECORDS.has(String(context.commandName))) return result;
      const response = result.response as { statusCode?: number; body?: unknown };
      if (response.statusCode !== 200 || response.body === undefined) return result;
      const text = (await readAll(response.body)).toString('utf8');
      response.body = Readable.from([Buffer.from(rewriteLargeLongValues(text), 'utf8')]);
      return result;
    },
    // Low priority in the deserialize step runs inside the deserializer: after the response arrives,
    // before the body is parsed.
    { step: 'deserialize', priority: 'low', name: 'fwbPreserveLargeLongValues' },
  );
}
