import { describe, expect, it } from 'vitest';
import { smooth } from './curves';

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
