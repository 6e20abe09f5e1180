// Notices a run that is not learning: loss stuck at chance level for a window of steps.
import type { Hyperparameters } from '../../../src-shared/spec';
import type { StepMetrics } from '../../../src-shared/training';

/** Cross-entropy of a uniform guess over 10 classes: ln 10. */
export const CHANCE_LOSS = Math.log(10);

/** Steps the loss must stay near ln 10 before the warning. */
export const WINDOW_STEPS = 50;
const LOSS_TOLERANCE = 0.05;
const CHANCE_ACCURACY_LIMIT = 0.15;

/** Warns once per run when the mean loss of the last WINDOW_STEPS steps is ln 10 ± 0.05 with ~10% accuracy. */
export class NotLearningDetector {
  private readonly losses: number[] = [];
  private readonly accuracies: number[] = [];
  private warned = false;

  constructor(private readonly hyperparameters: Hyperparameters) {}

  /** Add one step; return the warning message the first time the window looks stuck. */
  observe(metrics: StepMetrics): string | null {
    this.losses.push(metrics.loss);
    this.accuracies.push(metrics.batchAccuracy);
    if (this.losses.length > WINDOW_STEPS) {
      this.losses.shift();
      this.accuracies.shift();
    }
    if (this.warned || this.losses.length < WINDOW_STEPS) return null;

    const meanLoss = mean(this.losses);
    const meanAccuracy = mean(this.accuracies);
    if (Math.abs(meanLoss - CHANCE_LOSS) > LOSS_TOLERANCE || meanAccuracy > CHANCE_ACCURACY_LIMIT)
      return null;
    this.warned = true;
    const { optimizer, learningRate, initializer } = this.hyperparameters;
    return (
      `Not learning: over the last ${WINDOW_STEPS} steps the loss stayed at ${meanLoss.toFixed(3)} ` +
      `(ln 10 = 2.303, a uniform guess) with ${(meanAccuracy * 100).toFixed(1)}% accuracy. ` +
      `Likely causes: the learning rate ${learningRate} (${optimizer}) is so high that the ReLUs died, ` +
      `or so low that the weights barely move; the initialiser ${initializer} starts with dead units; ` +
      'or too much dropout. Try a learning rate 10× lower (or higher) or Glorot-uniform initialisation, then train again.'
    );
  }
}

function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length;
}
