import { describe, expect, it } from 'vitest';
import { mergeHistory, smooth } from './curves';

describe('smooth', () => {
  it('returns the points unchanged with weight 0', () => {
    const points = [
      { x: 1, y: 3 },
      { x: 2, y: 1 },
    ];
    expect(smooth(points, 0)).toEqual(points);
  });

  it('starts at the first value thanks to debiasing', () => {
    const smoothed = smooth([{ x: 1, y: 2.5 }], 0.9);
    expect(smoothed[0].y).toBeCloseTo(2.5, 12);
  });

  it('keeps a constant series constant', () => {
    const points = Array.from({ length: 20 }, (_, i) => ({ x: i, y: 0.7 }));
    for (const point of smooth(points, 0.8)) expect(point.y).toBeCloseTo(0.7, 12);
  });

  it('follows a step change gradually', () => {
    const points = [0, 0, 0, 1, 1, 1].map((y, x) => ({ x, y }));
    const ys = smooth(points, 0.5).map((point) => point.y);
    expect(ys[3]).toBeGreaterThan(0);
    expect(ys[3]).toBeLessThan(1);
    expect(ys[5]).toBeGreaterThan(ys[4]);
  });

  it('passes NaN through without poisoning later points', () => {
    const ys = smooth(
      [
        { x: 1, y: 1 },
        { x: 2, y: Number.NaN },
        { x: 3, y: 1 },
      ],
      0.6,
    ).map((point) => point.y);
    expect(ys[1]).toBeNaN();
    expect(ys[2]).toBeCloseTo(1, 12);
  });
});

describe('mergeHistory', () => {
  const step = (globalStep: number) => ({
    epoch: 1,
    step: globalStep,
    stepsPerEpoch: 100,
    globalStep,
    loss: 2,
    batchAccuracy: 0.1,
    runningAccuracy: 0.1,
    imagesPerSecond: 50,
    etaSeconds: 10,
  });
  const epoch = (number: number) => ({
    epoch: number,
    trainLoss: 2,
    trainAccuracy: 0.1,
    testLoss: 2,
    testAccuracy: 0.1,
    elapsedSeconds: 1,
    etaSeconds: 1,
    imagesPerSecond: 50,
  });

  it('puts the checkpoint history before a resumed run', () => {
    const before = { steps: [1, 2, 3, 4].map(step), epochs: [epoch(1)] };
    const run = { steps: [5, 6].map(step), epochs: [epoch(2)] };
    const merged = mergeHistory(before, run);
    expect(merged.steps.map((entry) => entry.globalStep)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(merged.epochs.map((entry) => entry.epoch)).toEqual([1, 2]);
  });

  it('replaces throttled points of the same run', () => {
    const before = { steps: [2, 5].map(step), epochs: [] };
    const run = { steps: [1, 2, 3, 4, 5].map(step), epochs: [epoch(1)] };
    const merged = mergeHistory(before, run);
    expect(merged.steps.map((entry) => entry.globalStep)).toEqual([1, 2, 3, 4, 5]);
    expect(merged.epochs).toHaveLength(1);
  });

  it('keeps the history when the run has no metrics yet', () => {
    const before = { steps: [1, 2].map(step), epochs: [epoch(1)] };
    const merged = mergeHistory(before, { steps: [], epochs: [] });
    expect(merged).toEqual(before);
  });
});
