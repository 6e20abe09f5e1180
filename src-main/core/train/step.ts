// One optimiser step and one evaluation pass, as tensor math; the loop lives in trainer.ts.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CLASS_COUNT } from '../../../src-shared/spec';
import { IMAGE_COLS, IMAGE_ROWS } from '../data/idx';

const IMAGE_SIZE = IMAGE_ROWS;
const IMAGE_PIXELS = IMAGE_ROWS * IMAGE_COLS;

/** Sums over the images of one batch or one evaluation pass. */
export interface BatchTotals {
  /** Sum of per-image cross-entropy losses. */
  lossSum: number;
  correct: number;
  count: number;
}

/** Pixels of images [start, start + count) of `pixels` (values in [0, 1]) as an NHWC tensor of the model's size. */
export function toInputTensor(
  pixels: Float32Array,
  start: number,
  count: number,
  inputSize: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const slice = pixels.subarray(start * IMAGE_PIXELS, (start + count) * IMAGE_PIXELS);
    const images = tf.tensor4d(slice, [count, IMAGE_SIZE, IMAGE_SIZE, 1]);
    if (inputSize === IMAGE_SIZE) return images;
    // Half-pixel centres match PyTorch's bilinear interpolation with align_corners=False.
    return tf.image.resizeBilinear(images, [inputSize, inputSize], false, true);
  });
}

function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/**
 * Compute the gradients of one batch's mean loss, split into micro-batches of at most `microBatch`
 * images whose gradients are summed, so the update equals the one of the whole batch.
 */
export function batchGradients(
  model: tfl.LayersModel,
  pixels: Float32Array,
  labels: Int32Array,
  count: number,
  inputSize: number,
  microBatch: number,
): { grads: tf.NamedTensorMap; totals: BatchTotals } {
  const variables = trainableVariables(model);
  let grads: tf.NamedTensorMap | null = null;
  const totals: BatchTotals = { lossSum: 0, correct: 0, count };

  for (let start = 0; start < count; start += microBatch) {
    const size = Math.min(microBatch, count - start);
    const fromPass: { correct?: tf.Scalar } = {};
    const { value, grads: part } = tf.variableGrads(() => {
      const input = toInputTensor(pixels, start, size, inputSize);
      const target = tf.tensor1d(labels.subarray(start, start + size), 'int32');
      const logits = model.apply(input, { training: true }) as tf.Tensor2D;
      fromPass.correct = tf.keep(countCorrect(logits, target));
      // Weight each micro-batch by its share of the batch, so the summed loss is the batch mean.
      return tf.mul(meanCrossEntropy(logits, target), size / count) as tf.Scalar;
    }, variables);
    totals.lossSum += value.dataSync()[0] * count;
    totals.correct += fromPass.correct ? fromPass.correct.dataSync()[0] : 0;
    tf.dispose([value, fromPass.correct as tf.Scalar]);
    grads = grads === null ? part : addInto(grads, part);
  }
  return { grads: grads as tf.NamedTensorMap, totals };
}

function addInto(sum: tf.NamedTensorMap, part: tf.NamedTensorMap): tf.NamedTensorMap {
  const result: tf.NamedTensorMap = {};
  for (const name of Object.keys(sum)) {
    result[name] = tf.add(sum[name], part[name]);
  }
  tf.dispose([...Object.values(sum), ...Object.values(part)]);
  return result;
}

/** Mean softmax cross-entropy of logits against integer labels. */
export function meanCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, CLASS_COUNT);
    return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
  });
}

function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(
    () => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar,
  );
}

/** Loss and accuracy sums of the model in inference mode over a prepared batch. */
export function evaluateBatch(
  model: tfl.LayersModel,
  pixels: Float32Array,
  labels: Int32Array,
  count: number,
  inputSize: number,
): BatchTotals {
  const [loss, correct] = tf.tidy(() => {
    const input = toInputTensor(pixels, 0, count, inputSize);
    const target = tf.tensor1d(labels.subarray(0, count), 'int32');
    const logits = model.apply(input, { training: false }) as tf.Tensor2D;
    return [meanCrossEntropy(logits, target), countCorrect(logits, target)];
  });
  const totals = { lossSum: loss.dataSync()[0] * count, correct: correct.dataSync()[0], count };
  tf.dispose([loss, correct]);
  return totals;
}

/** Class probabilities (softmax of the logits) for a prepared batch, one row per image. */
export function predictProbabilities(
  model: tfl.LayersModel,
  pixels: Float32Array,
  count: number,
  inputSize: number,
): number[][] {
  const probabilities = tf.tidy(() => {
    const input = toInputTensor(pixels, 0, count, inputSize);
    return tf.softmax(model.apply(input, { training: false }) as tf.Tensor2D);
  });
  const rows = probabilities.arraySync() as number[][];
  probabilities.dispose();
  return rows;
}
