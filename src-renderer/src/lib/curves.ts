// Curve data for the charts: points from the metrics history, exponential-moving-average
// smoothing, and an update scheduler that draws at most a few times per second.
import type { MetricsHistory } from '../../../src-shared/contract';

export interface Point {
  x: number;
  y: number;
}

/**
 * Smooth `points` with an exponential moving average of weight `weight` in [0, 1) (0 leaves
 * them as they are). The average is debiased like TensorBoard's, so early points are not
 * pulled towards zero. Non-finite values (a NaN loss) pass through unsmoothed and do not
 * poison later points.
 */
export function smooth(points: readonly Point[], weight: number): Point[] {
  if (weight <= 0) return points.map((point) => ({ ...point }));
  let average = 0;
  let count = 0;
  return points.map((point) => {
    if (!Number.isFinite(point.y)) return { ...point };
    count += 1;
    average = average * weight + (1 - weight) * point.y;
    return { x: point.x, y: average / (1 - weight ** count) };
  });
}

export interface CurveSet {
  loss: Point[];
  accuracy: Point[];
  testAccuracy: Point[];
}

/** Curves of one run: per-step loss and batch accuracy (smoothed), per-epoch test accuracy. */
export function curvesOf(history: MetricsHistory, smoothing: number): CurveSet {
  const loss = history.steps.map((step) => ({ x: step.globalStep, y: step.loss }));
  const accuracy = history.steps.map((step) => ({ x: step.globalStep, y: step.batchAccuracy }));
  return {
    loss: smooth(loss, smoothing),
    accuracy: smooth(accuracy, smoothing),
    testAccuracy: history.epochs.map((epoch) => ({ x: epoch.epoch, y: epoch.testAccuracy })),
  };
}

/**
 * Create a redraw scheduler: request() runs `draw` in the next animation frame, and calls
 * made while a draw is pending, or sooner than `intervalMs` after the last draw, are merged.
 */
export function createScheduler(draw: () => void, intervalMs: number) {
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;

  const run = () => {
    frame = null;
    last = performance.now();
    draw();
  };
  const request = () => {
    if (frame !== null || timer !== null) return;
    const wait = Math.max(0, last + intervalMs - performance.now());
    timer = setTimeout(() => {
      timer = null;
      frame = requestAnimationFrame(run);
    }, wait);
  };
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    if (frame !== null) cancelAnimationFrame(frame);
    timer = null;
    frame = null;
  };
  return { request, cancel };
}

/** One line of a chart. */
export interface Series {
  label: string;
  points: Point[];
  color: string;
  dashed?: boolean;
  /** Draw a dot at every point, for short per-epoch series. */
  markers?: boolean;
}

/**
 * Join the history shown before a run (a resumed checkpoint's) with the run's own metrics
 * file, which records only the steps and epochs the run itself trained.
 */
export function mergeHistory(before: MetricsHistory, run: MetricsHistory): MetricsHistory {
  const firstStep = run.steps[0]?.globalStep ?? Number.POSITIVE_INFINITY;
  const firstEpoch = run.epochs[0]?.epoch ?? Number.POSITIVE_INFINITY;
  return {
    steps: [...before.steps.filter((step) => step.globalStep < firstStep), ...run.steps],
    epochs: [...before.epochs.filter((epoch) => epoch.epoch < firstEpoch), ...run.epochs],
  };
}
