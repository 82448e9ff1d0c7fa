/**
 * The browser host's loopback bridge: serves the renderer bundle over HTTP and the contract over a WebSocket,
 * both on 127.0.0.1 only. Other local pages cannot use it: the WebSocket needs this start's random token
 * (which the page reads from the URL fragment, never sent to any server) and must come from this origin; the
 * Host header is checked against DNS rebinding. Every message goes through the dispatcher's validation.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_UPLOAD_BYTES } from '../contract/schemas';
import {
  BRIDGE_PATH,
  BRIDGE_PROTOCOL,
  decodeFrame,
  encodeFrame,
  TOKEN_PROTOCOL_PREFIX,
  type ClientMessage,
  type HostMessage,
} from '../contract/wire';
import { contentSecurityPolicy } from './csp';
import type { Dispatcher } from './dispatch';

export interface BridgeOptions {
  dispatcher: Dispatcher;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Fixed token (tests); default: 32 random bytes per start. */
  token?: string;
  /** Extra HTTP routes under /__test__/, only reachable with the token (see serve.ts --test-hooks). */
  testRoutes?: Record<string, (body: unknown) => Promise<unknown>>;
  log?: (line: string) => void;
}

export interface BridgeServer {
  port: number;
  token: string;
  origin: string;
  /** The URL to open: origin plus the token in the fragment. */
  url: string;
  /** Connected WebSocket clients. */
  clients(): number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBridgeServer(options: BridgeOptions): Promise<BridgeServer> {
  const log = options.log ?? (() => undefined);
  const token = options.token ?? randomBytes(32).toString('hex');
  const staticDir = path.resolve(options.staticDir);
  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  const securityHeaders = (res: ServerResponse) => {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(allowedHosts().map((h) => `ws://${h}`)));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res);
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong host\n');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname.startsWith('/__test__/')) {
      const route = options.testRoutes?.[url.pathname.slice('/__test__/'.length)];
      const auth = req.headers.authorization ?? '';
      if (!route || req.method !== 'POST' || !sameToken(auth.replace(/^Bearer /, ''), token)) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = JSON.parse((await readBody(req, 1024 * 1024)) || '{}') as unknown;
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify((await route(body)) ?? {}));
      } catch (error) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${(error as Error).message}\n`);
      }
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (relative === '/' || relative === '') relative = '/index.html';
    const file = path.resolve(staticDir, `.${relative}`);
    if (!file.startsWith(staticDir + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const hashed = relative.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': info.size,
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else res.end(await readFile(file));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`bridge: ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_UPLOAD_BYTES + 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has(BRIDGE_PROTOCOL) ? BRIDGE_PROTOCOL : false),
  });

  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, reason: string) => {
      log(`bridge: refused a WebSocket (${reason})`);
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== BRIDGE_PATH) return reject(404, 'Not Found');
    if (!allowedHosts().includes(req.headers.host ?? '')) return reject(421, 'Misdirected Request');
    if (!allowedOrigins().includes(req.headers.origin ?? '')) return reject(403, 'Forbidden');
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const given = offered
      .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))
      ?.slice(TOKEN_PROTOCOL_PREFIX.length);
    if (!given || !sameToken(given, token)) return reject(401, 'Unauthorized');
    if (!offered.includes(BRIDGE_PROTOCOL)) return reject(400, 'Bad Request');
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(ws));
  });

  const serveConnection = (ws: WebSocket) => {
    const inFlight = new Map<string, AbortController>();
    const send = (message: HostMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeFrame(message));
    };
    ws.on('message', (data, isBinary) => {
      let message: ClientMessage;
      try {
        if (!isBinary) throw new Error('text frames are not part of the protocol');
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        message = decodeFrame(
          new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        ) as ClientMessage;
        if (typeof message !== 'object' || message === null) throw new Error('not an object');
        if (typeof message.id !== 'string' || message.id.length === 0 || message.id.length > 128) {
          throw new Error('a message needs an id');
        }
      } catch (error) {
        log(`bridge: dropped a malformed message: ${(error as Error).message}`);
        ws.close(1003, 'malformed message');
        return;
      }
      if (message.t === 'cancel') {
        inFlight.get(message.id)?.abort();
        return;
      }
      if (message.t !== 'call') {
        // Untrusted input: the type says this cannot happen, the wire says otherwise.
        send({
          t: 'result',
          id: (message as { id: string }).id,
          result: {
            ok: false,
            error: {
              kind: 'RequestInvalid',
              method: '',
              issues: [{ path: 't', message: 'unknown message type' }],
            },
          },
        });
        return;
      }
      if (inFlight.has(message.id)) {
        send({
          t: 'result',
          id: message.id,
          result: {
            ok: false,
            error: {
              kind: 'RequestInvalid',
              method: String(message.method),
              issues: [{ path: 'id', message: 'call id in use' }],
            },
          },
        });
        return;
      }
      const controller = new AbortController();
      inFlight.set(message.id, controller);
      const { id } = message;
      options.dispatcher
        .dispatch(message.method, message.input, {
          signal: controller.signal,
          emit: (event) => send({ t: 'event', id, event }),
        })
        .then((result) => send({ t: 'result', id, result }))
        .finally(() => inFlight.delete(id));
    });
    ws.on('close', () => {
      for (const controller of inFlight.values()) controller.abort();
      inFlight.clear();
    });
    ws.on('error', (error) => log(`bridge: socket error: ${error.message}`));
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    token,
    origin,
    url: `${origin}/#token=${token}`,
    clients: () => wss.clients.size,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
