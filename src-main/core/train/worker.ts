// Entry of the training worker process: Node's child_process.fork or Electron's utilityProcess.
// Messages are validated against the protocol's schema before the session acts on them.
import { workerRequestSchema, type WorkerMessage } from '../../../src-shared/training';
import { toLabError } from './errors';
import { WorkerSession } from './worker-session';

interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** Electron's utilityProcess exposes process.parentPort; a forked Node process has process.send. */
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: WorkerMessage): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

const session = new WorkerSession(send);

function receive(raw: unknown): void {
  const parsed = workerRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
    send({ type: 'reply', id, ok: false, error: toLabError(parsed.error) });
    return;
  }
  void session.handle(parsed.data);
}

// Ctrl-C in a terminal reaches the whole process group: the host decides how the run stops
// (the CLI stops it and saves a checkpoint), so the worker must not die on it.
process.on('SIGINT', () => undefined);
// A forked worker whose host has gone has no one to report to.
process.on('disconnect', () => process.exit(0));

if (parentPort) parentPort.on('message', (message) => receive(message.data));
else process.on('message', receive);

process.on('uncaughtException', (error) => {
  send({
    type: 'event',
    event: {
      type: 'error',
      error: { code: 'worker-crashed', message: `The training worker failed: ${error.message}` },
    },
  });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
