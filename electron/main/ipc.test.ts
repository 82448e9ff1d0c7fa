import { EventEmitter } from 'node:events';
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import type { CallContext, ServiceHandlers } from '../../core/contract/api';
import { IPC_CANCEL_CHANNEL, IPC_EVENT_CHANNEL, ipcChannel, listMethods } from '../../core/contract/surface';
import { createDispatcher } from '../../core/host/dispatch';
import { registerContractIpc, type IpcMainLike } from './ipc';

type AnyHandler = (input: unknown, context: CallContext<unknown>) => Promise<unknown>;

function handlers(overrides: Record<string, AnyHandler>): ServiceHandlers {
  const out: Record<string, Record<string, AnyHandler>> = {};
  for (const { service, method, path } of listMethods()) {
    out[service] ??= {};
    out[service][method] = overrides[path] ?? (async (input) => ({ echo: input }));
  }
  return out as unknown as ServiceHandlers;
}

class FakeSender extends EventEmitter {
  sent: unknown[][] = [];
  destroyed = false;
  constructor(readonly id: number) {
    super();
  }
  send(...args: unknown[]) {
    this.sent.push(args);
  }
  isDestroyed() {
    return this.destroyed;
  }
}

function setup(overrides: Record<string, AnyHandler> = {}) {
  const handles = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const ons = new Map<string, (event: IpcMainEvent, ...args: unknown[]) => void>();
  const ipc: IpcMainLike = {
    handle: (channel, listener) => void handles.set(channel, listener),
    on: (channel, listener) => void ons.set(channel, listener),
  };
  const trusted = new Set<FakeSender>();
  registerContractIpc(ipc, createDispatcher(handlers(overrides)), {
    isTrusted: (event) => trusted.has(event.sender as unknown as FakeSender),
  });
  const sender = new FakeSender(1);
  trusted.add(sender);
  const event = (from: FakeSender = sender) =>
    ({ sender: from, senderFrame: { url: 'app://workbench/index.html' } }) as unknown as IpcMainInvokeEvent;
  return { handles, ons, sender, event };
}

describe('Electron IPC from the contract', () => {
  it('registers exactly one handler per surface method plus the cancel channel', () => {
    const { handles, ons } = setup();
    expect([...handles.keys()].sort()).toEqual(
      listMethods()
        .map((m) => ipcChannel(m.path))
        .sort(),
    );
    expect([...ons.keys()]).toEqual([IPC_CANCEL_CHANNEL]);
  });

  it('refuses untrusted senders and calls without an id, and validates payloads', async () => {
    const { handles, event } = setup();
    const stranger = new FakeSender(2);
    const invoke = handles.get(ipcChannel('session.current'))!;
    expect(await invoke(event(stranger), { callId: 'c1', input: {} })).toMatchObject({
      ok: false,
      error: { kind: 'RequestInvalid' },
    });
    expect(await invoke(event(), { input: {} })).toMatchObject({
      ok: false,
      error: { kind: 'RequestInvalid' },
    });
    expect(await invoke(event(), 'garbage')).toMatchObject({ ok: false, error: { kind: 'RequestInvalid' } });
    expect(await invoke(event(), { callId: 'c1', input: { unexpected: true } })).toMatchObject({
      ok: false,
      error: { kind: 'RequestInvalid', method: 'session.current' },
    });
    expect(await invoke(event(), { callId: 'c1', input: {} })).toEqual({ ok: true, value: { echo: {} } });
  });

  it('pushes events tagged with the call id and cancels through the cancel channel', async () => {
    let sawAbort = false;
    const { handles, ons, sender, event } = setup({
      'retrieval.run': async (_input, context) => {
        context.emit({ type: 'started' });
        await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
        sawAbort = true;
        throw new Error('stopped');
      },
    });
    const pending = handles.get(ipcChannel('retrieval.run'))!(event(), {
      callId: 'run-1',
      input: { request: { features: ['v:f'] }, frameId: 'frame_1' },
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sender.sent).toEqual([[IPC_EVENT_CHANNEL, 'run-1', { type: 'started' }]]);
    ons.get(IPC_CANCEL_CHANNEL)!({ sender } as unknown as IpcMainEvent, 'run-1');
    expect(await pending).toMatchObject({ ok: false, error: { kind: 'Cancelled' } });
    expect(sawAbort).toBe(true);
  });

  it('cancels what a window started when it is destroyed', async () => {
    const { handles, sender, event } = setup({
      'plan.explain': async (_input, context) => {
        await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
        throw new Error('stopped');
      },
    });
    const pending = handles.get(ipcChannel('plan.explain'))!(event(), {
      callId: 'x',
      input: { request: { featureService: 's' }, frameId: 'frame_1' },
    });
    await new Promise((resolve) => setImmediate(resolve));
    sender.destroyed = true;
    sender.emit('destroyed');
    expect(await pending).toMatchObject({ ok: false, error: { kind: 'Cancelled' } });
    expect(sender.listenerCount('destroyed')).toBe(0);
  });
});
