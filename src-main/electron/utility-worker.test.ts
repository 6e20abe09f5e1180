import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WorkerRequest } from '../../src-shared/training';
import { utilityWorkerSpawner, type UtilityChild } from './utility-worker';

class FakeUtilityChild extends EventEmitter implements UtilityChild {
  readonly posted: unknown[] = [];
  killed = false;

  postMessage(message: unknown): void {
    this.posted.push(message);
  }

  kill(): boolean {
    this.killed = true;
    return true;
  }
}

const pause: WorkerRequest = { type: 'pause', id: 1 };
const resume: WorkerRequest = { type: 'resume', id: 2 };

describe('utilityWorkerSpawner', () => {
  it('forks the entry it was given', () => {
    const entries: string[] = [];
    const spawn = utilityWorkerSpawner((entry) => {
      entries.push(entry);
      return new FakeUtilityChild();
    }, '/app/out/main/worker.js');

    spawn();

    expect(entries).toEqual(['/app/out/main/worker.js']);
  });

  it('queues messages until spawn', () => {
    const child = new FakeUtilityChild();
    const handle = utilityWorkerSpawner(() => child, 'worker.js')();

    handle.send(pause);
    expect(child.posted).toEqual([]);
    child.emit('spawn');
    handle.send(resume);

    expect(child.posted).toEqual([pause, resume]);
  });

  it('passes messages and exit codes on', () => {
    const child = new FakeUtilityChild();
    const handle = utilityWorkerSpawner(() => child, 'worker.js')();
    const messages: unknown[] = [];
    const exits: Array<[number | null, string | null]> = [];
    handle.onMessage((message) => messages.push(message));
    handle.onExit((code, signal) => exits.push([code, signal]));

    child.emit('message', { type: 'event', event: { type: 'state', state: 'running' } });
    child.emit('exit', 134);

    expect(messages).toEqual([{ type: 'event', event: { type: 'state', state: 'running' } }]);
    expect(exits).toEqual([[134, null]]);
  });

  it('kill ends the child', () => {
    const child = new FakeUtilityChild();
    const handle = utilityWorkerSpawner(() => child, 'worker.js')();

    handle.kill();

    expect(child.killed).toBe(true);
  });
});
