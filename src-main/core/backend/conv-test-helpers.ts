// Test-only helpers: the convolution shapes NiN uses, deterministic data, and direct
// loop implementations of the two convolution gradients that share no code with tfjs
// kernels (only tfjs-core's padding arithmetic, which also drives the forward Conv2D).
import * as tf from '@tensorflow/tfjs-core';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

export interface ConvCase {
  name: string;
  /** Input height and width in pixels. */
  size: [number, number];
  kernel: number;
  stride: number | [number, number];
  pad: Pad;
  batch: number;
  inChannels: number;
  outChannels: number;
}

function convCase(
  size: number | [number, number],
  kernel: number,
  stride: number | [number, number],
  pad: Pad,
  batch: number,
  inChannels: number,
  outChannels: number,
): ConvCase {
  const hw: [number, number] = typeof size === 'number' ? [size, size] : size;
  const name = `${hw[0]}x${hw[1]} k${kernel} s${String(stride)} pad ${JSON.stringify(pad)} n${batch} ${inChannels}->${outChannels}`;
  return { name, size: hw, kernel, stride, pad, batch, inChannels, outChannels };
}

/** NiN's layer shapes at reduced sizes, plus the padding and stride corner cases. */
export const CONV_CASES: ConvCase[] = [
  convCase(54, 11, 4, 0, 3, 1, 4),
  convCase(54, 11, 4, 'valid', 1, 2, 3),
  convCase(54, 11, 4, 'same', 3, 2, 3),
  convCase(54, 11, 4, 2, 1, 1, 2),
  convCase(26, 5, 1, 2, 3, 3, 4),
  convCase(28, 5, 1, 'same', 1, 1, 3),
  convCase(26, 5, 2, 2, 3, 2, 3),
  convCase(26, 5, 4, 'valid', 1, 2, 2),
  convCase(28, 5, 4, 2, 3, 2, 2),
  convCase(13, 3, 1, 1, 3, 3, 4),
  convCase(6, 3, 1, 1, 1, 4, 3),
  convCase(6, 3, 1, 'valid', 3, 2, 2),
  convCase(28, 3, 2, 0, 3, 2, 3),
  convCase(28, 3, 2, 'same', 1, 3, 2),
  convCase(13, 3, 4, 1, 3, 2, 2),
  convCase(28, 1, 1, 0, 3, 3, 5),
  convCase(13, 1, 1, 'valid', 1, 4, 2),
  convCase(13, 1, 2, 0, 3, 2, 3),
  convCase(6, 1, 1, 1, 1, 2, 2),
  convCase(
    13,
    3,
    1,
    [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
    3,
    2,
    3,
  ),
  convCase(
    13,
    3,
    2,
    [
      [0, 0],
      [2, 0],
      [1, 1],
      [0, 0],
    ],
    1,
    2,
    2,
  ),
  convCase([13, 6], 3, [2, 1], 1, 3, 2, 3),
];

/** Deterministic values in [-1, 1) from a linear congruential generator. */
export function seededValues(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** Shapes of x, filter and dy for a case, from tfjs-core's own padding arithmetic. */
export function caseShapes(c: ConvCase): {
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  dyShape: [number, number, number, number];
  info: tf.backend_util.Conv2DInfo;
} {
  const xShape: [number, number, number, number] = [c.batch, c.size[0], c.size[1], c.inChannels];
  const filterShape: [number, number, number, number] = [
    c.kernel,
    c.kernel,
    c.inChannels,
    c.outChannels,
  ];
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, c.stride, 1, c.pad);
  const dyShape: [number, number, number, number] = [
    c.batch,
    info.outHeight,
    info.outWidth,
    c.outChannels,
  ];
  return { xShape, filterShape, dyShape, info };
}

/** dW[fh, fw, ci, co] = Σ x[n, oh·s + fh − top, ow·s + fw − left, ci] · dy[n, oh, ow, co]. */
export function loopFilterGrad(x: Float32Array, dy: Float32Array, c: ConvCase): Float32Array {
  const { xShape, info } = caseShapes(c);
  const [batch, height, width, inC] = xShape;
  const { outHeight, outWidth, outChannels: outC, strideHeight, strideWidth } = info;
  const dw = new Float32Array(c.kernel * c.kernel * inC * outC);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let fh = 0; fh < c.kernel; fh++) {
          const h = oh * strideHeight + fh - info.padInfo.top;
          for (let fw = 0; fw < c.kernel; fw++) {
            const w = ow * strideWidth + fw - info.padInfo.left;
            if (h < 0 || h >= height || w < 0 || w >= width) continue;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[((n * height + h) * width + w) * inC + ci];
              for (let co = 0; co < outC; co++) {
                dw[((fh * c.kernel + fw) * inC + ci) * outC + co] +=
                  xv * dy[((n * outHeight + oh) * outWidth + ow) * outC + co];
              }
            }
          }
        }
      }
    }
  }
  return dw;
}

/** dx[n, h, w, ci] = Σ filter[fh, fw, ci, co] · dy[n, oh, ow, co] over taps that read x[n, h, w]. */
export function loopInputGrad(dy: Float32Array, filter: Float32Array, c: ConvCase): Float32Array {
  const { xShape, info } = caseShapes(c);
  const [batch, height, width, inC] = xShape;
  const { outHeight, outWidth, outChannels: outC, strideHeight, strideWidth } = info;
  const dx = new Float32Array(batch * height * width * inC);
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let fh = 0; fh < c.kernel; fh++) {
          const h = oh * strideHeight + fh - info.padInfo.top;
          for (let fw = 0; fw < c.kernel; fw++) {
            const w = ow * strideWidth + fw - info.padInfo.left;
            if (h < 0 || h >= height || w < 0 || w >= width) continue;
            for (let ci = 0; ci < inC; ci++) {
              let sum = 0;
              for (let co = 0; co < outC; co++) {
                sum +=
                  filter[((fh * c.kernel + fw) * inC + ci) * outC + co] *
                  dy[((n * outHeight + oh) * outWidth + ow) * outC + co];
              }
              dx[((n * height + h) * width + w) * inC + ci] += sum;
            }
          }
        }
      }
    }
  }
  return dx;
}

/** Largest absolute difference divided by the largest reference magnitude. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    return Number.POSITIVE_INFINITY;
  }
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}
