// A SpawnWorker for the Electron app: the training worker runs in an Electron utilityProcess
// (a Node child without a window) instead of child_process.fork. Takes the fork function as
// a parameter, so the adapter is testable without Electron.
import type { WorkerRequest } from '../../src-shared/training';
import type { SpawnWorker, WorkerHandle } from '../core/train/supervisor';

/** The parts of Electron's UtilityProcess the adapter uses. */
export interface UtilityChild {
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export type ForkUtility = (modulePath: string) => UtilityChild;

/**
 * Returns a SpawnWorker that forks `entry` (the bundled worker.js) with `fork`. Messages sent
 * before the child has started are queued and sent on its 'spawn' event.
 */
export function utilityWorkerSpawner(fork: ForkUtility, entry: string): SpawnWorker {
  return (): WorkerHandle => {
    const child = fork(entry);
    let queue: WorkerRequest[] | null = [];
    child.on('spawn', () => {
      const waiting = queue ?? [];
      queue = null;
      for (const message of waiting) {
        child.postMessage(message);
      }
    });

    return {
      send: (message) => {
        if (queue === null) {
          child.postMessage(message);
        } else {
          queue.push(message);
        }
      },
      onMessage: (listener) => child.on('message', listener),
      // utilityProcess reports only an exit code; a crash shows as a non-zero code.
      onExit: (listener) => child.on('exit', (code) => listener(code, null)),
      kill: () => {
        child.kill();
      },
    };
  };
}
