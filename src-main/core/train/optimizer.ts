// The optimiser a run uses, built from its hyperparameters.
import * as tf from '@tensorflow/tfjs-core';
import type { Hyperparameters } from '../../../src-shared/spec';

/** Adam's epsilon as in PyTorch, the book's framework (tfjs would default to 1e-7). */
const ADAM_EPSILON = 1e-8;

/** Create Adam (β1 0.9, β2 0.999) or SGD with momentum, as PyTorch defines them. */
export function createOptimizer(hyperparameters: Hyperparameters): tf.Optimizer {
  const { optimizer, learningRate, momentum } = hyperparameters;
  if (optimizer === 'adam') return tf.train.adam(learningRate, 0.9, 0.999, ADAM_EPSILON);
  return tf.train.momentum(learningRate, momentum);
}
