// Class probabilities of chosen test images, for the lab's prediction view and round-trip checks.
import { BatchReader } from '../data/batches';
import type { Split } from '../data/dataset';
import { predictProbabilities } from './step';
import type { TrainingState } from './trainer';

/** Return softmax probabilities for `indices` of the test split, one row of 10 per index. */
export function predictTestImages(
  state: TrainingState,
  split: Split,
  indices: number[],
): number[][] {
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= split.count) {
      throw Object.assign(
        new Error(
          `Test image ${index} does not exist: the test split has ${split.count} images (0 to ${split.count - 1}).`,
        ),
        { code: 'invalid-request' },
      );
    }
  }
  if (indices.length === 0) return [];
  const reader = new BatchReader(split, indices.length);
  const count = reader.fill(indices, 0);
  return predictProbabilities(state.model, reader.pixels, count, state.spec.inputSize);
}
