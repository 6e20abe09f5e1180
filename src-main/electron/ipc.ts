// The Electron IPC adapter over LabService: one invoke handler that passes the raw channel
// and request to LabService.handle (which validates them), and one event channel that
// forwards every LabEvent to the app's windows.
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { Reply } from '../../src-shared/lab-api';
import { IPC_EVENT, IPC_INVOKE } from '../../src-shared/lab-api';
import type { LabService } from '../lab/lab-service';
import type { Logger } from '../lab/log';

/** Registers the handlers; returns the function that removes them. */
export function registerLabIpc(
  lab: LabService,
  isTrustedFrame: (url: string) => boolean,
  log: Logger,
): () => void {
  ipcMain.handle(
    IPC_INVOKE,
    (
      event: IpcMainInvokeEvent,
      channel: unknown,
      request: unknown,
    ): Promise<Reply<unknown>> | Reply<unknown> => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedFrame(url)) {
        log.warn('IPC request from a foreign frame rejected', { url, channel: String(channel) });
        return {
          ok: false,
          error: {
            code: 'UNAUTHORIZED',
            message: 'Requests are accepted only from the NiN Lab window.',
          },
        };
      }
      return lab.handle(channel, request);
    },
  );

  const unsubscribe = lab.subscribe((labEvent) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed() && !window.webContents.isDestroyed()) {
        window.webContents.send(IPC_EVENT, labEvent);
      }
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_INVOKE);
  };
}
