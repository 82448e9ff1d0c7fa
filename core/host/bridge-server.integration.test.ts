/**
 * The browser bridge over real sockets: static files with the CSP, the WebSocket's token, origin and Host
 * checks, malformed frames, and calls through the contract's own client (the renderer's code path).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CallContext, ServiceHandlers } from '../contract/api';
import { listMethods } from '../contract/surface';
import {
  BRIDGE_PATH,
  BRIDGE_PROTOCOL,
  createWorkbenchClient,
  decodeFrame,
  encodeFrame,
  TOKEN_PROTOCOL_PREFIX,
  type HostMessage,
  type Transport,
} from '../contract/wire';
import { startBridgeServer, type BridgeServer } from './bridge-server';
import { createDispatcher } from './dispatch';

type AnyHandler = (input: unknown, context: CallContext<unknown>) => Promise<unknown>;

function fakeHandlers(overrides: Record<string, AnyHandler>): ServiceHandlers {
  const out: Record<string, Record<string, AnyHandler>> = {};
  for (const { service, method, path: name } of listMethods()) {
    out[service] ??= {};
    out[service][method] = overrides[name] ?? (async (input) => ({ echo: input }));
  }
  return out as unknown as ServiceHandlers;
}

let dir: string;
let bridge: BridgeServer;
let released: (() => void) | undefined;
let sawAbort = false;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-bridge-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  const dispatcher = createDispatcher(
    fakeHandlers({
      'frames.open': async (input) => {
        const { bytes, fileName } = input as { bytes: Uint8Array; fileName: string };
        return { fileName, byteLength: bytes.byteLength, first: bytes[0] };
      },
      'retrieval.run': async (_input, context) => {
        context.emit({ type: 'batch', arrow: new Uint8Array([1, 2, 3]) });
        await new Promise<void>((resolve) => {
          released = resolve;
          context.signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve();
          });
        });
        throw Object.assign(new Error('stopped'), { name: 'AbortError' });
      },
    }),
  );
  bridge = await startBridgeServer({ dispatcher, staticDir: dir, token: 'a'.repeat(64) });
});

afterAll(async () => {
  released?.();
  await bridge.close();
  await rm(dir, { recursive: true, force: true });
});

function get(pathname: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: bridge.port,
          path: pathname,
          headers: { host: `127.0.0.1:${bridge.port}`, ...headers },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

function open(options: { token?: string; origin?: string; host?: string; protocols?: string[] } = {}) {
  const protocols = options.protocols ?? [
    BRIDGE_PROTOCOL,
    `${TOKEN_PROTOCOL_PREFIX}${options.token ?? bridge.token}`,
  ];
  return new WebSocket(`ws://127.0.0.1:${bridge.port}${BRIDGE_PATH}`, protocols, {
    origin: options.origin ?? bridge.origin,
    headers: options.host ? { host: options.host } : {},
  });
}

function outcome(socket: WebSocket): Promise<'open' | number> {
  return new Promise((resolve) => {
    socket.once('open', () => resolve('open'));
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', () => resolve(-1));
  });
}

/** The renderer's transport, over the `ws` client. */
function transportOver(socket: WebSocket): Transport {
  const pending = new Map<string, { resolve: (r: never) => void; onEvent?: (e: unknown) => void }>();
  socket.on('message', (data: Buffer) => {
    const message = decodeFrame(new Uint8Array(data)) as HostMessage;
    const call = pending.get(message.id);
    if (message.t === 'event') call?.onEvent?.(message.event);
    else {
      pending.delete(message.id);
      call?.resolve(message.result as never);
    }
  });
  return {
    invoke: (method, input, callId, onEvent) =>
      new Promise((resolve) => {
        pending.set(callId, { resolve: resolve as (r: never) => void, ...(onEvent ? { onEvent } : {}) });
        socket.send(encodeFrame({ t: 'call', id: callId, method, input }));
      }),
    cancel: (callId) => socket.send(encodeFrame({ t: 'cancel', id: callId })),
  };
}

describe('browser bridge', () => {
  it('serves the renderer with a strict CSP and no path escapes', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(String(index.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(String(index.headers['content-security-policy'])).toContain(`ws://127.0.0.1:${bridge.port}`);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/../../etc/passwd')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await get('/missing.js')).status).toBe(404);
  });

  it('refuses requests for another Host (DNS rebinding)', async () => {
    expect((await get('/', { host: `evil.example:${bridge.port}` })).status).toBe(421);
  });

  it('opens the WebSocket only with the token, this origin and this host', async () => {
    expect(await outcome(open())).toBe('open');
    expect(await outcome(open({ token: 'b'.repeat(64) }))).toBe(401);
    expect(await outcome(open({ protocols: [BRIDGE_PROTOCOL] }))).toBe(401);
    expect(await outcome(open({ origin: 'http://evil.example' }))).toBe(403);
    expect(await outcome(open({ origin: `http://127.0.0.1:${bridge.port + 1}` }))).toBe(403);
    expect(await outcome(open({ host: `evil.example:${bridge.port}` }))).toBe(421);
  });

  it('carries calls, bytes both ways, typed errors for bad payloads, events and cancellation', async () => {
    const socket = open();
    expect(await outcome(socket)).toBe('open');
    const api = createWorkbenchClient(transportOver(socket));

    const opened = await api.frames.open({ fileName: 'e.csv', bytes: new Uint8Array([7, 8, 9]) });
    expect(opened).toEqual({ ok: true, value: { fileName: 'e.csv', byteLength: 3, first: 7 } });

    const bad = await api.frames.open({
      fileName: 'e.csv',
      bytes: 'nope' as unknown as Uint8Array<ArrayBuffer>,
    });
    expect(bad).toMatchObject({ ok: false, error: { kind: 'RequestInvalid', method: 'frames.open' } });

    const controller = new AbortController();
    const events: unknown[] = [];
    const run = api.retrieval.run(
      { request: { features: ['v:f'] }, frameId: 'frame_1' },
      {
        signal: controller.signal,
        onEvent: (event) => {
          events.push(event);
          controller.abort();
        },
      },
    );
    expect(await run).toMatchObject({ ok: false, error: { kind: 'Cancelled' } });
    expect(sawAbort).toBe(true);
    expect(events).toHaveLength(1);
    expect((events[0] as { arrow: Uint8Array }).arrow).toEqual(new Uint8Array([1, 2, 3]));
    socket.close();
  });

  it('closes the socket on a malformed frame, and aborts what the closed socket had running', async () => {
    const socket = open();
    expect(await outcome(socket)).toBe('open');
    sawAbort = false;
    const api = createWorkbenchClient(transportOver(socket));
    const started = new Promise<void>((resolve) => {
      void api.retrieval.run(
        { request: { features: ['v:f'] }, frameId: 'frame_1' },
        { onEvent: () => resolve() },
      );
    });
    await started;
    expect(sawAbort).toBe(false);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('plain text is not part of the protocol');
    expect(await closed).toBe(1003);
    await expect.poll(() => sawAbort).toBe(true);
  });
});
