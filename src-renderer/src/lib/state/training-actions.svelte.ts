// Actions that span panels: start, pause, resume and stop a run; save, load, resume and
// delete checkpoints; predict the example strip.
import type { TrainingStatus } from '../../../../src-shared/contract';
import { mergeHistory } from '../curves';
import type { Lab } from './lab.svelte';

export class TrainingActions {
  /** Optional cap on optimiser steps for a short demo run; null trains every epoch fully. */
  maxSteps = $state<number | null>(null);
  /** Optional cap on test images evaluated per epoch; null evaluates the whole test split. */
  maxTestImages = $state<number | null>(null);
  /** True while a start, pause, resume or stop request is in flight. */
  pending = $state(false);
  readonly #lab: Lab;

  constructor(lab: Lab) {
    this.#lab = lab;
  }

  /** Rebuild the view of the current or last run, for example after a page reload. */
  async restoreRun(): Promise<void> {
    const lab = this.#lab;
    const status = await lab.request('training.status');
    if (!status) return;
    lab.training.applyStatus(status);
    if (status.spec && status.hyperparameters && lab.training.active) {
      lab.model.replace(status.spec);
      lab.hyperparameters.replace(status.hyperparameters);
    }
    if (status.runId) await this.#loadRunHistory(status.runId);
  }

  async #loadRunHistory(runId: string): Promise<void> {
    // A run that just started may have no metrics file yet; that is not an error to show.
    const reply = await this.#lab.api.invoke('runs.metrics', { runId });
    const training = this.#lab.training;
    if (!reply.ok || training.runId !== runId) return;
    // NOTE: after a page reload a resumed run's curves start at the resume point, because
    // the checkpoint's earlier steps are not in the run's metrics file.
    training.replaceHistory(mergeHistory(training.history, reply.result));
  }

  /** After a run ends: the full (unthrottled) curves, and the new run in the overlay list. */
  async afterRun(runId: string): Promise<void> {
    await Promise.all([this.#loadRunHistory(runId), this.#lab.runs.refresh()]);
  }

  async train(resumeFrom?: string): Promise<void> {
    const lab = this.#lab;
    const request = {
      spec: lab.model.snapshot(),
      hyperparameters: lab.hyperparameters.snapshot(),
      ...(resumeFrom ? { resumeFrom } : {}),
      ...(this.maxSteps ? { maxSteps: this.maxSteps } : {}),
      ...(this.maxTestImages ? { maxTestImages: this.maxTestImages } : {}),
    };
    lab.checkpoints.predictions = null;
    lab.training.epochs = request.hyperparameters.epochs;
    await this.#control(() => lab.request('training.start', request));
    lab.checkpoints.loaded = resumeFrom ?? null;
  }

  pause = (): Promise<void> => this.#control(() => this.#lab.request('training.pause'));
  resume = (): Promise<void> => this.#control(() => this.#lab.request('training.resume'));
  stop = (): Promise<void> => this.#control(() => this.#lab.request('training.stop'));

  async #control(send: () => Promise<TrainingStatus | null>): Promise<void> {
    this.pending = true;
    try {
      const status = await send();
      if (status) this.#lab.training.applyStatus(status);
    } finally {
      this.pending = false;
    }
  }

  async saveCheckpoint(): Promise<void> {
    const { checkpoints, messages } = this.#lab;
    const name = checkpoints.name.trim();
    checkpoints.busy = true;
    const saved = await this.#lab.request('checkpoints.save', { name });
    checkpoints.busy = false;
    if (!saved) return;
    checkpoints.name = '';
    messages.info('ckpt.saved', { name });
    await this.#lab.refreshCheckpoints();
  }

  /** Load a checkpoint: its model for predictions, and its spec, hyperparameters and curves. */
  async loadCheckpoint(name: string): Promise<boolean> {
    const lab = this.#lab;
    lab.checkpoints.busy = true;
    const loaded = await lab.request('checkpoints.load', { name });
    lab.checkpoints.busy = false;
    if (!loaded) return false;

    lab.model.replace(loaded.spec);
    lab.hyperparameters.replace(loaded.hyperparameters);
    lab.training.replaceHistory(loaded.history);
    lab.training.epochs = loaded.hyperparameters.epochs;
    lab.checkpoints.loaded = name;
    lab.checkpoints.predictions = null;
    lab.messages.info('ckpt.loaded', { name });
    return true;
  }

  /** Load a checkpoint, then continue training it with the (possibly edited) hyperparameters. */
  async resumeCheckpoint(name: string): Promise<void> {
    if (await this.loadCheckpoint(name)) await this.train(name);
  }

  async deleteCheckpoint(name: string): Promise<void> {
    const lab = this.#lab;
    const deleted = await lab.request('checkpoints.delete', { name });
    if (!deleted) return;
    if (lab.checkpoints.loaded === name) lab.checkpoints.loaded = null;
    lab.messages.info('ckpt.deleted', { name });
    await lab.refreshCheckpoints();
  }

  /** Predict the example strip with the current run's model or the loaded checkpoint's. */
  async predict(): Promise<void> {
    const lab = this.#lab;
    const testIndices = lab.data.examples.map((example) => example.index);
    if (testIndices.length === 0) return;
    const result = await lab.request('training.predict', { testIndices });
    if (result) lab.checkpoints.predictions = result.predictions;
  }
}
