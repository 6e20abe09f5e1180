import { describe, expect, it } from 'vitest';
import { BatchReader, epochSeed, mulberry32, shuffledOrder } from './batches';
import type { Split } from './dataset';

/** Builds a split whose image n has every pixel equal to (n * 3) mod 256 and label n mod 10. */
function fakeSplit(count: number): Split {
  const images = new Uint8Array(count * 784);
  for (let n = 0; n < count; n += 1) {
    images.fill((n * 3) % 256, n * 784, (n + 1) * 784);
  }
  const labels = Uint8Array.from({ length: count }, (_, n) => n % 10);
  return { images, labels, count };
}

describe('mulberry32', () => {
  it('repeats for the same seed', () => {
    const first = mulberry32(42);
    const second = mulberry32(42);
    const other = mulberry32(43);

    const a = Array.from({ length: 5 }, () => first());
    const b = Array.from({ length: 5 }, () => second());
    const c = Array.from({ length: 5 }, () => other());

    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const value of a) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('is roughly uniform', () => {
    const random = mulberry32(7);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) {
      bins[Math.floor(random() * 10)] += 1;
    }
    for (const bin of bins) {
      expect(bin).toBeGreaterThan(9_500);
      expect(bin).toBeLessThan(10_500);
    }
  });

  it('epochSeed separates epochs and seeds', () => {
    expect(epochSeed(1, 0)).not.toBe(epochSeed(1, 1));
    expect(epochSeed(1, 0)).not.toBe(epochSeed(2, 0));
    expect(epochSeed(1, 0)).toBe(epochSeed(1, 0));
  });
});

describe('shuffledOrder', () => {
  it('repeats for the same seed and epoch', () => {
    expect(Array.from(shuffledOrder(1000, 5, 3))).toEqual(Array.from(shuffledOrder(1000, 5, 3)));
  });

  it('differs between epochs and seeds', () => {
    const base = Array.from(shuffledOrder(1000, 5, 0));

    expect(Array.from(shuffledOrder(1000, 5, 1))).not.toEqual(base);
    expect(Array.from(shuffledOrder(1000, 6, 0))).not.toEqual(base);
  });

  it('contains every index once per epoch', () => {
    for (const epoch of [0, 1, 2]) {
      const order = shuffledOrder(60_000, 2024, epoch);
      const sorted = Array.from(order).sort((a, b) => a - b);

      expect(order).toHaveLength(60_000);
      expect(sorted.every((value, index) => value === index)).toBe(true);
    }
  });

  it('actually moves indices', () => {
    const order = shuffledOrder(1000, 1, 0);
    const fixedPoints = Array.from(order).filter((value, index) => value === index).length;

    // A uniform permutation has 1 fixed point on average; 20 would mean no shuffling.
    expect(fixedPoints).toBeLessThan(20);
  });

  it('handles empty and single orders', () => {
    expect(Array.from(shuffledOrder(0, 1, 0))).toEqual([]);
    expect(Array.from(shuffledOrder(1, 1, 0))).toEqual([0]);
    expect(() => shuffledOrder(-1, 1, 0)).toThrow(RangeError);
  });
});

describe('BatchReader', () => {
  it('fills scaled pixels and labels in order', () => {
    const reader = new BatchReader(fakeSplit(20), 4);

    const size = reader.fill([7, 2, 19, 0, 5], 0);

    expect(size).toBe(4);
    expect(reader.pixels[0]).toBe(Math.fround(21 / 255));
    expect(reader.pixels[783]).toBe(Math.fround(21 / 255));
    expect(reader.pixels[784]).toBe(Math.fround(6 / 255));
    expect(reader.pixels[2 * 784 + 100]).toBe(Math.fround(57 / 255));
    expect(reader.pixels[3 * 784]).toBe(0);
    expect(Array.from(reader.labels)).toEqual([7, 2, 9, 0]);
  });

  it('maps 255 to exactly 1', () => {
    const split = fakeSplit(1);
    split.images.fill(255);
    const reader = new BatchReader(split, 1);

    reader.fill([0], 0);

    expect(reader.pixels.every((value) => value === 1)).toBe(true);
  });

  it('reuses its buffers', () => {
    const reader = new BatchReader(fakeSplit(20), 8);
    const { pixels, labels } = reader;

    reader.fill(shuffledOrder(20, 1, 0), 0);
    const firstLabels = Array.from(reader.labels);
    reader.fill(shuffledOrder(20, 1, 0), 8);

    expect(reader.pixels).toBe(pixels);
    expect(reader.labels).toBe(labels);
    expect(Array.from(reader.labels)).not.toEqual(firstLabels);
    expect(reader.views(3).pixels.buffer).toBe(pixels.buffer);
    expect(reader.views(3).pixels).toHaveLength(3 * 784);
    expect(reader.views(3).labels).toHaveLength(3);
  });

  it('handles the last partial batch', () => {
    const split = fakeSplit(10);
    const reader = new BatchReader(split, 4);
    const order = shuffledOrder(10, 3, 0);

    const sizes = [0, 4, 8].map((start) => reader.fill(order, start));

    expect(reader.batchCount()).toBe(3);
    expect(sizes).toEqual([4, 4, 2]);
    expect(reader.sizeAt(8)).toBe(2);
    expect(Array.from(reader.views(2).labels)).toEqual([order[8] % 10, order[9] % 10]);
  });

  it('visits every image once per epoch', () => {
    const split = fakeSplit(23);
    const reader = new BatchReader(split, 5);
    const order = shuffledOrder(split.count, 9, 4);
    const seen: number[] = [];

    for (let start = 0; start < order.length; start += reader.batchSize) {
      const size = reader.fill(order, start);
      for (let row = 0; row < size; row += 1) {
        // Pixel value n*3/255 identifies image n (n < 23, so n*3 < 256).
        seen.push(Math.round(reader.pixels[row * 784] * 255) / 3);
      }
    }

    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, n) => n));
  });

  it('uses a shorter order than the split', () => {
    const reader = new BatchReader(fakeSplit(100), 8);

    expect(reader.fill([1, 2, 3], 0)).toBe(3);
    expect(reader.batchCount(3)).toBe(1);
  });

  it.each([
    ['start past the end', [0, 1], 2, /start from 0 to 1, found 2/],
    ['negative start', [0, 1], -1, /found -1/],
    ['index out of range', [0, 50], 0, /indices from 0 to 19, found 50 at order position 1/],
  ])('rejects %s', (_name, order, start, message) => {
    const reader = new BatchReader(fakeSplit(20), 4);

    expect(() => reader.fill(order, start)).toThrow(RangeError);
    expect(() => reader.fill(order, start)).toThrow(message);
  });

  it('rejects a batch size of 0', () => {
    expect(() => new BatchReader(fakeSplit(2), 0)).toThrow(/batch size >= 1, found 0/);
  });
});
