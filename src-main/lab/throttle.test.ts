import { afterEach, describe, expect, it, vi } from 'vitest';
import { LatestThrottle } from './throttle';

afterEach(() => {
  vi.useRealTimers();
});

describe('LatestThrottle', () => {
  it('sends the first value at once', () => {
    const sent: number[] = [];
    const throttle = new LatestThrottle(
      5,
      (value: number) => sent.push(value),
      () => 0,
    );

    throttle.push(1);

    expect(sent).toEqual([1]);
  });

  it('keeps only the latest value within the interval', () => {
    vi.useFakeTimers();
    let now = 0;
    const sent: number[] = [];
    const throttle = new LatestThrottle(
      5,
      (value: number) => sent.push(value),
      () => now,
    );

    throttle.push(1);
    throttle.push(2);
    throttle.push(3);
    expect(sent).toEqual([1]);
    now = 200;
    vi.advanceTimersByTime(200);

    expect(sent).toEqual([1, 3]);
  });

  it('flush sends the kept value once', () => {
    const sent: number[] = [];
    const throttle = new LatestThrottle(
      5,
      (value: number) => sent.push(value),
      () => 0,
    );

    throttle.push(1);
    throttle.push(2);
    throttle.flush();
    throttle.flush();

    expect(sent).toEqual([1, 2]);
  });

  it('cancel drops the kept value', () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const throttle = new LatestThrottle(
      5,
      (value: number) => sent.push(value),
      () => 0,
    );

    throttle.push(1);
    throttle.push(2);
    throttle.cancel();
    vi.advanceTimersByTime(1000);

    expect(sent).toEqual([1]);
  });
});
