/**
 * How calls travel when there is no Electron IPC to carry them: the browser bridge's messages and their binary
 * framing, plus the renderer-side proxy that turns any {@link Transport} into the typed {@link WorkbenchApi}.
 *
 * Framing: one WebSocket binary message per contract message. JSON carries the structure; every Uint8Array in
 * it (Arrow IPC batches, CSV bytes, export chunks) is lifted out and sent raw after the JSON, 8-byte aligned so
 * Arrow can read typed arrays over it without copying. Bigints survive as decimal text.
 */
import type { CallOptions, WorkbenchApi } from './api';
import { listMethods, type MethodPath } from './surface';
import type { Result } from './types';

export type ClientMessage =
  { t: 'call'; id: string; method: string; input: unknown } | { t: 'cancel'; id: string };

export type HostMessage =
  { t: 'event'; id: string; event: unknown } | { t: 'result'; id: string; result: Result<unknown> };

/** The WebSocket subprotocol of this contract version; the token travels as a second subprotocol. */
export const BRIDGE_PROTOCOL = 'fwb.v1';
export const TOKEN_PROTOCOL_PREFIX = 'fwb-token.';
/** Path of the bridge's WebSocket endpoint. */
export const BRIDGE_PATH = '/bridge';

const BIN = '__fwb_bin__';
const BIG = '__fwb_bigint__';

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Encodes one message: `[u32 json length][json][pad][buffer][pad][buffer]...`, buffer lengths in the JSON. */
export function encodeFrame(message: unknown): Uint8Array<ArrayBuffer> {
  const buffers: Uint8Array[] = [];
  const json = JSON.stringify(message, function (this: unknown, key: string, value: unknown) {
    // JSON.stringify hands typed arrays to the replacer after toJSON lookups; catch them via the holder.
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Uint8Array) {
      buffers.push(raw);
      return { [BIN]: buffers.length - 1 };
    }
    if (typeof raw === 'bigint') return { [BIG]: raw.toString() };
    return value;
  });
  const body = new TextEncoder().encode(JSON.stringify({ m: json, b: buffers.map((b) => b.byteLength) }));
  let size = align8(4 + body.byteLength);
  for (const buffer of buffers) size = align8(size + buffer.byteLength);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, body.byteLength, true);
  out.set(body, 4);
  let offset = align8(4 + body.byteLength);
  for (const buffer of buffers) {
    out.set(buffer, offset);
    offset = align8(offset + buffer.byteLength);
  }
  return out;
}

export class FrameError extends Error {}

/** Decodes a frame from {@link encodeFrame}; throws FrameError for anything malformed. */
export function decodeFrame(frame: Uint8Array): unknown {
  if (frame.byteLength < 4) throw new FrameError('frame too short');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > frame.byteLength) throw new FrameError('frame header overruns the frame');
  let header: { m: string; b: number[] };
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + headerLength)),
    );
  } catch {
    throw new FrameError('frame header is not JSON');
  }
  if (typeof header?.m !== 'string' || !Array.isArray(header.b))
    throw new FrameError('frame header is malformed');
  // Copy once into an 8-byte-aligned buffer when the frame itself is not aligned (e.g. a Node Buffer slice).
  const base = frame.byteOffset % 8 === 0 ? frame : frame.slice();
  const buffers: Uint8Array[] = [];
  let offset = align8(4 + headerLength);
  for (const length of header.b) {
    if (!Number.isSafeInteger(length) || length < 0 || offset + length > base.byteLength) {
      throw new FrameError('frame buffer overruns the frame');
    }
    buffers.push(new Uint8Array(base.buffer, base.byteOffset + offset, length));
    offset = align8(offset + length);
  }
  try {
    return JSON.parse(header.m, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record);
        if (keys.length === 1 && keys[0] === BIN && typeof record[BIN] === 'number') {
          const buffer = buffers[record[BIN]];
          if (!buffer) throw new FrameError('frame names a missing buffer');
          return buffer;
        }
        if (keys.length === 1 && keys[0] === BIG && typeof record[BIG] === 'string')
          return BigInt(record[BIG]);
      }
      return value;
    });
  } catch (error) {
    if (error instanceof FrameError) throw error;
    throw new FrameError('frame body is not JSON');
  }
}

/** Carries calls to a host: Electron IPC (through the preload) or the browser bridge. */
export interface Transport {
  invoke(
    method: MethodPath,
    input: unknown,
    callId: string,
    onEvent?: (event: unknown) => void,
  ): Promise<Result<unknown>>;
  cancel(callId: string): void;
}

let counter = 0;
function newCallId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  const random = globalThis.crypto?.randomUUID?.().replace(/-/g, '').slice(0, 12) ?? '';
  return `c${counter.toString(36)}${random}`;
}

/** The typed API over a transport: one function per contract method, cancellation through AbortSignal. */
export function createWorkbenchClient(transport: Transport): WorkbenchApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const { service, method, path } of listMethods()) {
    api[service] ??= {};
    api[service][method] = async (
      input: unknown,
      options: CallOptions<unknown> = {},
    ): Promise<Result<unknown>> => {
      const { signal, onEvent } = options;
      if (signal?.aborted) return { ok: false, error: { kind: 'Cancelled', phase: 'before it started' } };
      const callId = newCallId();
      const abort = () => transport.cancel(callId);
      signal?.addEventListener('abort', abort, { once: true });
      try {
        return await transport.invoke(path, input, callId, onEvent);
      } finally {
        signal?.removeEventListener('abort', abort);
      }
    };
  }
  return api as WorkbenchApi;
}
