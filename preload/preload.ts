/**
 * Electron preload (sandboxed, contextIsolation on). Exposes exactly the
 * operations of preload/contract/api.ts on `window.refundTerminal`, one named
 * IPC channel each, plus typed event subscriptions. No raw ipcRenderer, no
 * Node, nothing else crosses. Bundled to a single file by esbuild because a
 * sandboxed preload cannot require local modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, operations, type ApiEventName, type ApiEvents, type OperationName, type RefundTerminalApi } from './contract/api';

function buildApi(): RefundTerminalApi {
  const api: Record<string, unknown> = {};
  for (const name of Object.keys(operations) as OperationName[]) {
    const channel = operations[name].channel;
    api[name] = (request: unknown) => ipcRenderer.invoke(channel, request);
  }
  api.on = <E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): (() => void) => {
    const channel = EVENT_CHANNELS[event];
    if (!channel) throw new Error(`Unknown event ${String(event)}`);
    const wrapped = (_e: IpcRendererEvent, payload: ApiEvents[E]) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.removeListener(channel, wrapped);
  };
  return Object.freeze(api) as unknown as RefundTerminalApi;
}

contextBridge.exposeInMainWorld('refundTerminal', buildApi());
