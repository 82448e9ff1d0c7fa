/**
 * Finds the host: the Electron preload's `window.workbench`, or the browser host's WebSocket bridge (the
 * token comes from the URL fragment the host printed). Either way the rest of the renderer gets the same typed
 * WorkbenchApi, built from the contract's surface.
 */
import type { PreloadApi, WorkbenchApi } from '../../../core/contract/api';
import type { MethodPath } from '../../../core/contract/surface';
import type { Result } from '../../../core/contract/types';
import {
  BRIDGE_PATH,
  BRIDGE_PROTOCOL,
  createWorkbenchClient,
  decodeFrame,
  encodeFrame,
  TOKEN_PROTOCOL_PREFIX,
  type ClientMessage,
  type HostMessage,
  type Transport,
} from '../../../core/contract/wire';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser host. */
    workbench?: PreloadApi;
  }
}

export interface Connection {
  api: WorkbenchApi;
  kind: 'electron' | 'browser';
  /** Called when the host goes away (browser host stopped); never for Electron. */
  onClosed(listener: () => void): void;
}

const TOKEN_KEY = 'fwb-bridge-token';

function electronTransport(preload: PreloadApi): Transport {
  return {
    invoke(method: MethodPath, input, callId, onEvent) {
      const [service, name] = method.split('.') as [string, string];
      const fn = (preload as unknown as Record<string, Record<string, unknown>>)[service]?.[name];
      if (typeof fn !== 'function') {
        return Promise.resolve({
          ok: false,
          error: {
            kind: 'RequestInvalid',
            method,
            issues: [{ path: '', message: 'the preload does not expose it' }],
          },
        });
      }
      return (fn as (i: unknown, c: string, e?: (event: unknown) => void) => Promise<Result<unknown>>)(
        input,
        callId,
        onEvent,
      );
    },
    cancel(callId) {
      preload.cancel(callId);
    },
  };
}

/** Reads the token from `#token=...` once, keeps it for reloads of this tab, and clears it from the address bar. */
export function takeBridgeToken(): string | undefined {
  const match = /(?:^#|&)token=([0-9a-f]+)/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, match[1]!);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

class BridgeTransport implements Transport {
  private readonly pending = new Map<
    string,
    { resolve: (result: Result<unknown>) => void; onEvent: ((event: unknown) => void) | undefined }
  >();
  private readonly closedListeners: (() => void)[] = [];
  private closed = false;

  constructor(private readonly socket: WebSocket) {
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => this.close());
  }

  static open(token: string): Promise<BridgeTransport> {
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}${BRIDGE_PATH}`;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, [BRIDGE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`]);
      const fail = () => reject(new Error('the workbench host refused the connection or is not running'));
      socket.addEventListener('error', fail, { once: true });
      socket.addEventListener(
        'open',
        () => {
          socket.removeEventListener('error', fail);
          resolve(new BridgeTransport(socket));
        },
        { once: true },
      );
    });
  }

  private receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    let message: HostMessage;
    try {
      message = decodeFrame(new Uint8Array(data)) as HostMessage;
    } catch {
      return;
    }
    const call = this.pending.get(message.id);
    if (!call) return;
    if (message.t === 'event') call.onEvent?.(message.event);
    else if (message.t === 'result') {
      this.pending.delete(message.id);
      call.resolve(message.result);
    }
  }

  private send(message: ClientMessage): void {
    this.socket.send(encodeFrame(message));
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.pending.values()) {
      call.resolve({
        ok: false,
        error: { kind: 'Internal', message: 'the connection to the workbench host closed' },
      });
    }
    this.pending.clear();
    for (const listener of this.closedListeners) listener();
  }

  onClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }

  invoke(method: MethodPath, input: unknown, callId: string, onEvent?: (event: unknown) => void) {
    if (this.closed) {
      return Promise.resolve<Result<unknown>>({
        ok: false,
        error: { kind: 'Internal', message: 'the connection to the workbench host is closed' },
      });
    }
    return new Promise<Result<unknown>>((resolve) => {
      this.pending.set(callId, { resolve, onEvent });
      this.send({ t: 'call', id: callId, method, input });
    });
  }

  cancel(callId: string): void {
    if (!this.closed && this.pending.has(callId)) this.send({ t: 'cancel', id: callId });
  }
}

export async function connect(): Promise<Connection> {
  if (window.workbench) {
    return {
      api: createWorkbenchClient(electronTransport(window.workbench)),
      kind: 'electron',
      onClosed() {},
    };
  }
  const token = takeBridgeToken();
  if (!token) {
    throw new Error(
      'This page needs the address the workbench host printed (it ends in #token=...). Start it with `npm start` or `npm run serve` and open that address.',
    );
  }
  const transport = await BridgeTransport.open(token);
  return {
    api: createWorkbenchClient(transport),
    kind: 'browser',
    onClosed: (listener) => transport.onClosed(listener),
  };
}
