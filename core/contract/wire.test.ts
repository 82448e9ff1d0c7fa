import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorkbenchClient, decodeFrame, encodeFrame, FrameError, type Transport } from './wire';

describe('bridge frames', () => {
  it('round-trips JSON with byte arrays (aligned for Arrow) and bigints', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const message = {
      t: 'event',
      id: 'c1',
      event: {
        type: 'batch',
        arrow: bytes,
        rows: 3,
        n: 12345678901234567890n,
        nested: [{ b: new Uint8Array(0) }],
      },
    };
    const decoded = decodeFrame(encodeFrame(message)) as typeof message;
    expect(decoded.event.arrow).toBeInstanceOf(Uint8Array);
    expect([...decoded.event.arrow]).toEqual([1, 2, 3, 4, 5]);
    expect(decoded.event.arrow.byteOffset % 8).toBe(0);
    expect(decoded.event.n).toBe(12345678901234567890n);
    expect(decoded.event.nested[0]!.b.byteLength).toBe(0);
    expect(decoded.event.rows).toBe(3);
  });

  it('carries Node Buffers as bytes, not as {type: "Buffer"} JSON', () => {
    const decoded = decodeFrame(encodeFrame({ bytes: Buffer.from('abc') })) as { bytes: Uint8Array };
    expect(decoded.bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(decoded.bytes)).toBe('abc');
  });

  it('decodes frames that start at an unaligned offset', () => {
    const frame = encodeFrame({ x: new Uint8Array([9, 8, 7]) });
    const shifted = new Uint8Array(frame.byteLength + 3);
    shifted.set(frame, 3);
    const decoded = decodeFrame(shifted.subarray(3)) as { x: Uint8Array };
    expect([...decoded.x]).toEqual([9, 8, 7]);
    expect(decoded.x.byteOffset % 8).toBe(0);
  });

  it('never throws anything but FrameError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeFrame(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rejects a header that names bytes beyond the frame', () => {
    const header = new TextEncoder().encode(JSON.stringify({ m: '{"x":{"__fwb_bin__":0}}', b: [1000] }));
    const frame = new Uint8Array(8 + header.byteLength);
    new DataView(frame.buffer).setUint32(0, header.byteLength, true);
    frame.set(header, 4);
    expect(() => decodeFrame(frame)).toThrow(FrameError);
  });
});

describe('createWorkbenchClient', () => {
  it('derives one function per method and turns an abort into a cancel of that call', async () => {
    const cancelled: string[] = [];
    let release: (() => void) | undefined;
    const transport: Transport = {
      invoke(method, _input, callId, onEvent) {
        onEvent?.({ type: 'progress', method });
        return new Promise((resolve) => {
          release = () => resolve({ ok: false, error: { kind: 'Cancelled', phase: callId } });
        });
      },
      cancel(callId) {
        cancelled.push(callId);
        release?.();
      },
    };
    const api = createWorkbenchClient(transport);
    expect(typeof api.retrieval.run).toBe('function');
    expect(typeof api.iam.check).toBe('function');
    const controller = new AbortController();
    const events: unknown[] = [];
    const pending = api.retrieval.run(
      { request: { features: ['a:b'] }, frameId: 'f' },
      {
        signal: controller.signal,
        onEvent: (e) => events.push(e),
      },
    );
    controller.abort();
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(cancelled).toHaveLength(1);
    expect(result).toEqual({ ok: false, error: { kind: 'Cancelled', phase: cancelled[0] } });
    expect(events).toEqual([{ type: 'progress', method: 'retrieval.run' }]);
  });

  it('answers Cancelled without calling the host when the signal is already aborted', async () => {
    let calls = 0;
    const api = createWorkbenchClient({
      invoke: async () => {
        calls++;
        return { ok: true, value: null };
      },
      cancel() {},
    });
    const result = await api.session.current({}, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ ok: false, error: { kind: 'Cancelled' } });
    expect(calls).toBe(0);
  });
});
