// LabApi over the Electron preload bridge (`window.ninLab`). The bridge already returns
// replies as data; this wrapper adds the types and turns a missing bridge or a failed IPC
// call into a TRANSPORT error instead of a rejected promise.
import type { Channel, InvokeArgs, LabApi, NinLabBridge, Reply } from '../../../src-shared/lab-api';
import type { ResultOf } from '../../../src-shared/contract';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    ninLab?: NinLabBridge;
  }
}

/** Returns true when the page runs inside the Electron app (the preload set `window.ninLab`). */
export function hasElectronBridge(): boolean {
  return typeof window !== 'undefined' && window.ninLab !== undefined;
}

export function createElectronClient(bridge: NinLabBridge | undefined = window.ninLab): LabApi {
  return {
    async invoke<C extends Channel>(
      channel: C,
      ...args: InvokeArgs<C>
    ): Promise<Reply<ResultOf<C>>> {
      if (bridge === undefined) {
        return transportError('The Electron bridge window.ninLab is missing; restart NiN Lab.');
      }
      try {
        return (await bridge.invoke(channel, args[0] ?? {})) as Reply<ResultOf<C>>;
      } catch (error) {
        return transportError(`The request ${channel} failed in IPC: ${String(error)}`);
      }
    },

    subscribe(listener) {
      if (bridge === undefined) {
        return () => {};
      }
      return bridge.subscribe(listener);
    },
  };
}

function transportError<T>(message: string): Reply<T> {
  return { ok: false, error: { code: 'TRANSPORT', message } };
}
