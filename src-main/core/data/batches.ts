// Seeded shuffling and batch assembly for training. The dataset stays as bytes; only one
// batch at a time is converted to floats, into buffers that are reused for every batch.
// No tfjs here: the trainer turns the buffers into tensors and resizes them on its backend.
import { IMAGE_PIXELS } from './idx';
import type { Split } from './dataset';

/**
 * Returns a mulberry32 generator: 32 bits of state, period 2^32, uniform floats in [0, 1).
 * Fast and reproducible across platforms, but not cryptographic.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Combines a seed and an epoch into one 32-bit seed with the murmur3 finalizer, so that
 * nearby seeds and epochs give unrelated streams.
 */
export function epochSeed(seed: number, epoch: number): number {
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Returns a permutation of 0..count-1 (Fisher-Yates), the same for the same seed and epoch
 * and different from epoch to epoch.
 */
export function shuffledOrder(count: number, seed: number, epoch: number): Uint32Array {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`shuffledOrder: expected a count >= 0, found ${count}.`);
  }
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i += 1) {
    order[i] = i;
  }

  const random = mulberry32(epochSeed(seed, epoch));
  for (let i = count - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

/** Pixel byte to float in [0, 1]: a table, so each value is exactly byte / 255. */
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, byte) => byte / 255);

/**
 * Fills reused buffers with batches of a split: `pixels` contains batchSize x 784 floats
 * (pixel / 255, image after image, row-major) and `labels` contains batchSize class labels.
 * After `fill`, only the first `size` images and labels are valid.
 * NOTE: tfjs-backend-cpu 4.22 keeps a reference to a typed array passed to `tf.tensor`
 * instead of copying it, so a tensor made from `pixels` changes at the next `fill`. Dispose
 * such tensors before the next fill, or build them from a copy (`pixels.slice()`).
 */
export class BatchReader {
  /** Batch pixels, batchSize x 784 floats in [0, 1]. */
  readonly pixels: Float32Array;
  /** Batch labels 0-9. */
  readonly labels: Int32Array;

  constructor(
    readonly split: Split,
    readonly batchSize: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`BatchReader: expected a batch size >= 1, found ${batchSize}.`);
    }
    this.pixels = new Float32Array(batchSize * IMAGE_PIXELS);
    this.labels = new Int32Array(batchSize);
  }

  /** Number of batches in an order of `orderLength` indices, counting a last partial one. */
  batchCount(orderLength = this.split.count): number {
    return Math.ceil(orderLength / this.batchSize);
  }

  /** Size of the batch that starts at `start` in an order of `orderLength` indices. */
  sizeAt(start: number, orderLength = this.split.count): number {
    return Math.max(0, Math.min(this.batchSize, orderLength - start));
  }

  /**
   * Fills the buffers with the images and labels of `order[start]` to `order[start + size - 1]`
   * and returns `size`, which is smaller than batchSize for the last batch.
   */
  fill(order: ArrayLike<number>, start: number): number {
    const size = this.sizeAt(start, order.length);
    if (!Number.isInteger(start) || start < 0 || size === 0) {
      throw new RangeError(
        `BatchReader.fill: expected a start from 0 to ${order.length - 1}, found ${start}.`,
      );
    }

    const { images, labels, count } = this.split;
    for (let row = 0; row < size; row += 1) {
      const index = order[start + row];
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(
          `BatchReader.fill: expected image indices from 0 to ${count - 1}, found ${index} ` +
            `at order position ${start + row}.`,
        );
      }
      const source = index * IMAGE_PIXELS;
      const target = row * IMAGE_PIXELS;
      for (let pixel = 0; pixel < IMAGE_PIXELS; pixel += 1) {
        this.pixels[target + pixel] = PIXEL_SCALE[images[source + pixel]];
      }
      this.labels[row] = labels[index];
    }
    return size;
  }

  /** Views (not copies) of the first `size` images and labels of the buffers. */
  views(size: number): { pixels: Float32Array; labels: Int32Array } {
    return {
      pixels: this.pixels.subarray(0, size * IMAGE_PIXELS),
      labels: this.labels.subarray(0, size),
    };
  }
}
