import { describe, expect, it } from 'vitest';
import { getPreset } from '../../../src-shared/presets';
import type { StepMetrics } from '../../../src-shared/training';
import { CHANCE_LOSS, NotLearningDetector, WINDOW_STEPS } from './watchdog';

function step(globalStep: number, loss: number, batchAccuracy: number): StepMetrics {
  return {
    epoch: 1,
    step: globalStep,
    stepsPerEpoch: 469,
    globalStep,
    loss,
    batchAccuracy,
    runningAccuracy: batchAccuracy,
    imagesPerSecond: 100,
    etaSeconds: 60,
  };
}

describe('NotLearningDetector', () => {
  it('warns once when the loss stays at ln 10', () => {
    const detector = new NotLearningDetector(getPreset('nin-28').hyperparameters);
    const warnings = [];
    for (let index = 1; index <= 2 * WINDOW_STEPS; index += 1) {
      warnings.push(detector.observe(step(index, CHANCE_LOSS + 0.001 * Math.sin(index), 0.1)));
    }
    const raised = warnings.filter((warning) => warning !== null);
    expect(raised).toHaveLength(1);
    expect(warnings.indexOf(raised[0])).toBe(WINDOW_STEPS - 1);
    expect(raised[0]).toContain('learning rate 0.002');
    expect(raised[0]).toContain('ln 10 = 2.303');
  });

  it('stays quiet while the loss falls', () => {
    const detector = new NotLearningDetector(getPreset('nin-28').hyperparameters);
    for (let index = 1; index <= 2 * WINDOW_STEPS; index += 1) {
      expect(detector.observe(step(index, 2.3 - index * 0.01, 0.1 + index * 0.005))).toBeNull();
    }
  });
});
