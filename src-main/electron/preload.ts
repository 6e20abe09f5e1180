// The preload script: exposes the narrow, typed `window.ninLab` bridge and nothing else.
// It runs sandboxed, so it may import only `electron` and bundled code (lab-api.ts has no
// runtime dependencies). The main side validates every request again; the channel check here
// only turns a typo into a clear error without an IPC round trip.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { LabEvent } from '../../src-shared/contract';
import {
  IPC_EVENT,
  IPC_INVOKE,
  isChannel,
  type NinLabBridge,
  type Reply,
} from '../../src-shared/lab-api';

const bridge: NinLabBridge = {
  invoke(channel, request) {
    if (!isChannel(channel)) {
      const reply: Reply<unknown> = {
        ok: false,
        error: {
          code: 'UNKNOWN_CHANNEL',
          message: `Unknown request channel ${JSON.stringify(String(channel))}.`,
        },
      };
      return Promise.resolve(reply);
    }
    return ipcRenderer.invoke(IPC_INVOKE, channel, request) as Promise<Reply<unknown>>;
  },

  subscribe(listener) {
    const forward = (_event: IpcRendererEvent, labEvent: LabEvent) => listener(labEvent);
    ipcRenderer.on(IPC_EVENT, forward);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, forward);
    };
  },
};

contextBridge.exposeInMainWorld('ninLab', bridge);
