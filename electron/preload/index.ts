/**
 * The preload: runs sandboxed (built as CommonJS, see scripts/build-electron.mjs) and exposes exactly one
 * thing, `window.workbench`: one function per contract method, derived from SURFACE, plus `cancel`. No
 * ipcRenderer, no Node, no generic invoke reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { PreloadApi } from '../../core/contract/api';
import { IPC_CANCEL_CHANNEL, IPC_EVENT_CHANNEL, ipcChannel, listMethods } from '../../core/contract/surface';

const listeners = new Map<string, (event: unknown) => void>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, callId: unknown, payload: unknown) => {
  if (typeof callId === 'string') listeners.get(callId)?.(payload);
});

const api: Record<string, unknown> = {
  transport: 'electron',
  sandboxed: (process as { sandboxed?: boolean }).sandboxed === true,
  cancel(callId: unknown) {
    if (typeof callId === 'string') ipcRenderer.send(IPC_CANCEL_CHANNEL, callId);
  },
};

for (const { service, method, path } of listMethods()) {
  const methods = (api[service] ??= {}) as Record<string, unknown>;
  methods[method] = async (input: unknown, callId: unknown, onEvent?: (event: unknown) => void) => {
    if (typeof callId !== 'string') throw new TypeError('a call id is required');
    if (typeof onEvent === 'function') listeners.set(callId, onEvent);
    try {
      return await ipcRenderer.invoke(ipcChannel(path), { callId, input });
    } finally {
      listeners.delete(callId);
    }
  };
}

contextBridge.exposeInMainWorld('workbench', api as PreloadApi);
