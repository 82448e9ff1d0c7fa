/**
 * The contract over Electron IPC, main side: one `ipcMain.handle` channel per surface method (derived from
 * SURFACE, so none can be missing or extra), a cancel channel, and events pushed back on one event channel
 * tagged with the caller's call id. Every payload goes through the dispatcher's schema validation; a message
 * from anything but the app's own frame is refused.
 */
import type { IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import type { EngineError } from '../../core/contract/errors';
import { IPC_CANCEL_CHANNEL, IPC_EVENT_CHANNEL, ipcChannel, listMethods } from '../../core/contract/surface';
import type { Result } from '../../core/contract/types';
import type { Dispatcher } from '../../core/host/dispatch';

/** The part of ipcMain this needs (an interface, so tests can pass a fake). */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>,
  ): void;
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): void;
}

export interface IpcOptions {
  /** Whether a message comes from the workbench's own top frame (app://workbench/...). */
  isTrusted(event: IpcMainInvokeEvent | IpcMainEvent): boolean;
  log?: (line: string) => void;
}

function refuse(method: string, message: string): Result<never> {
  const error: EngineError = { kind: 'RequestInvalid', method, issues: [{ path: '', message }] };
  return { ok: false, error };
}

export function registerContractIpc(ipc: IpcMainLike, dispatcher: Dispatcher, options: IpcOptions): void {
  const inFlight = new Map<string, AbortController>();
  const key = (sender: WebContents, callId: string) => `${sender.id}:${callId}`;

  for (const { path } of listMethods()) {
    ipc.handle(ipcChannel(path), async (event, message) => {
      if (!options.isTrusted(event)) {
        options.log?.(`ipc: refused ${path} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return refuse(path, 'the sender is not the workbench window');
      }
      const { callId, input } = (typeof message === 'object' && message !== null ? message : {}) as {
        callId?: unknown;
        input?: unknown;
      };
      if (typeof callId !== 'string' || callId.length === 0 || callId.length > 128) {
        return refuse(path, 'a call needs a call id');
      }
      const sender = event.sender;
      const id = key(sender, callId);
      if (inFlight.has(id)) return refuse(path, 'call id in use');
      const controller = new AbortController();
      inFlight.set(id, controller);
      // A closed or reloaded window cancels what it started.
      const gone = () => controller.abort();
      sender.once('destroyed', gone);
      sender.once('did-start-navigation', gone);
      try {
        return await dispatcher.dispatch(path, input, {
          signal: controller.signal,
          emit: (payload) => {
            if (!sender.isDestroyed()) sender.send(IPC_EVENT_CHANNEL, callId, payload);
          },
        });
      } finally {
        inFlight.delete(id);
        sender.removeListener('destroyed', gone);
        sender.removeListener('did-start-navigation', gone);
      }
    });
  }

  ipc.on(IPC_CANCEL_CHANNEL, (event, callId) => {
    if (!options.isTrusted(event) || typeof callId !== 'string') return;
    inFlight.get(key(event.sender, callId))?.abort();
  });
}
