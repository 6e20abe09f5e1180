import {
  backend_util,
  type KernelBackend,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

type PoolInfo = backend_util.Conv2DInfo;

/** Pooling geometry of MaxPoolGrad's forward pass over `x` (NHWC). */
export function poolInfo(x: TensorInfo, attrs: MaxPoolGradAttrs): PoolInfo {
  return backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * Writes dL/dx of 2D max pooling (NHWC) into `dx`: each dy value goes to the position of
 * its window's maximum in x, the first one in row-major window order on ties, as
 * tfjs-backend-cpu 4.22 picks it. Loops run with the channel innermost, over contiguous
 * memory, where the stock kernels of both backends stride across channels.
 */
export function maxPoolGradInto(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: PoolInfo,
): void {
  dx.fill(0);
  const channels = info.inChannels;
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  for (let b = 0; b < info.batchSize; b++) {
    for (let outRow = 0; outRow < info.outHeight; outRow++) {
      for (let outCol = 0; outCol < info.outWidth; outCol++) {
        findWindowMax(x, info, [b, outRow, outCol], best, bestAt);
        const dyOffset = ((b * info.outHeight + outRow) * info.outWidth + outCol) * channels;
        for (let c = 0; c < channels; c++) {
          const at = bestAt[c];
          if (at >= 0) {
            dx[at] += dy[dyOffset + c];
          }
        }
      }
    }
  }
}

/**
 * Writes the maximum of each channel over one pooling window into `best`, and its flat
 * index in x into `bestAt` (−1 when the window lies wholly in the padding).
 */
function findWindowMax(
  x: Float32Array,
  info: PoolInfo,
  [b, outRow, outCol]: [number, number, number],
  best: Float32Array,
  bestAt: Int32Array,
): void {
  const channels = info.inChannels;
  best.fill(Number.NEGATIVE_INFINITY);
  bestAt.fill(-1);
  const rowStart = outRow * info.strideHeight - info.padInfo.top;
  const colStart = outCol * info.strideWidth - info.padInfo.left;
  for (let fh = 0; fh < info.effectiveFilterHeight; fh += info.dilationHeight) {
    const row = rowStart + fh;
    if (row < 0 || row >= info.inHeight) continue;
    for (let fw = 0; fw < info.effectiveFilterWidth; fw += info.dilationWidth) {
      const col = colStart + fw;
      if (col < 0 || col >= info.inWidth) continue;
      const offset = ((b * info.inHeight + row) * info.inWidth + col) * channels;
      for (let c = 0; c < channels; c++) {
        const value = x[offset + c];
        if (value > best[c]) {
          best[c] = value;
          bestAt[c] = offset + c;
        }
      }
    }
  }
}

/** A backend that stores tensors as JavaScript arrays, as tfjs-backend-cpu does. */
export interface ArrayBackend extends KernelBackend {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/**
 * dL/dx of 2D max pooling on a backend whose readSync returns its stored array without a
 * copy (tfjs-backend-cpu). Returns `null` for other dtypes than float32.
 */
export function maxPoolGradByReadSync(
  backend: ArrayBackend,
  dy: TensorInfo,
  x: TensorInfo,
  attrs: MaxPoolGradAttrs,
): TensorInfo | null {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4) {
    return null;
  }
  const dx = new Float32Array(x.shape.reduce((size, dim) => size * dim, 1));
  maxPoolGradInto(
    backend.readSync(x.dataId) as Float32Array,
    backend.readSync(dy.dataId) as Float32Array,
    dx,
    poolInfo(x, attrs),
  );
  return backend.makeTensorInfo(x.shape, 'float32', dx);
}
