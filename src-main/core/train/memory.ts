// How many images one forward/backward pass may hold on a backend.
import { inferShapes } from '../../../src-shared/shapes';
import type { ModelSpec } from '../../../src-shared/spec';
import type { BackendName } from '../../../src-shared/training';

/**
 * Bytes a training pass needs per image, as a multiple of the forward activations.
 * Estimate from a measurement: the chapter's network at 224 with batch 64 peaked at about
 * 2.9 GB on the tfjs 4.22 wasm backend, about 3.9× its forward activations.
 */
const TRAINING_BYTES_PER_ACTIVATION_BYTE = 4;

/** Memory one pass may use: wasm has a 4 GiB heap that also contains the weights and the optimiser state. */
const PASS_BUDGET_BYTES: Record<BackendName, number> = {
  wasm: 2.5 * 2 ** 30,
  cpu: 8 * 2 ** 30,
  tensorflow: 8 * 2 ** 30,
  'tensorflow-gpu': 4 * 2 ** 30,
};

export interface MicroBatchPlan {
  /** Images per forward/backward pass. */
  microBatch: number;
  /** Passes per optimiser step. */
  passes: number;
  /** Estimated bytes of one pass. */
  passBytes: number;
}

/** Split a batch into equal micro-batches that fit the backend's memory budget. */
export function planMicroBatches(
  spec: ModelSpec,
  batchSize: number,
  backend: BackendName,
): MicroBatchPlan {
  const perImage = inferShapes(spec).activationBytesPerImage * TRAINING_BYTES_PER_ACTIVATION_BYTE;
  const fitting = Math.max(1, Math.floor(PASS_BUDGET_BYTES[backend] / perImage));
  const passes = Math.ceil(batchSize / fitting);
  const microBatch = Math.ceil(batchSize / passes);
  return { microBatch, passes, passBytes: microBatch * perImage };
}

export function describePlan(
  plan: MicroBatchPlan,
  batchSize: number,
  backend: BackendName,
): string {
  const gigabytes = (plan.passBytes / 1e9).toFixed(1);
  return (
    `A batch of ${batchSize} images does not fit the ${backend} backend's memory in one pass, ` +
    `so each step runs ${plan.passes} micro-batches of at most ${plan.microBatch} images ` +
    `(about ${gigabytes} GB each) and sums their gradients: the update and the metrics are the same.`
  );
}
