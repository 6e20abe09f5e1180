import {
  backend_util,
  util,
  type DataType,
  type KernelBackend,
  type MaxPoolGradAttrs,
  type SumAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/**
 * Kernels for the wasm backend that work on its heap from JavaScript, where the stock
 * kernels of tfjs-backend-wasm 4.22 do needless work. Identity and Cast copy a tensor
 * although tensors are immutable. Sum over leading axes transposes its whole input first.
 * MaxPoolGrad is a scalar C++ loop that strides across channels.
 * Each function returns a TensorInfo that the caller owns, or `null` for a case it does
 * not handle.
 */

/** The methods of tfjs-backend-wasm's BackendWasm that these kernels use. */
export interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export function isWasmHeapBackend(backend: KernelBackend): backend is WasmHeapBackend {
  const candidate = backend as Partial<WasmHeapBackend>;
  return (
    typeof candidate.makeOutput === 'function' && typeof candidate.typedArrayFromHeap === 'function'
  );
}

/**
 * Returns `x` under a new reference instead of a copy, as tfjs-backend-cpu does. Sharing
 * is safe because tensor data is never written after its kernel returns. The tfjs engine
 * clones every tensor that it saves for backpropagation, so this saves a copy of each
 * activation per training step. Strings keep the stock kernel.
 */
export function shareData(backend: KernelBackend, x: TensorInfo): TensorInfo | null {
  if (x.dtype === 'string') {
    return null;
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** Float32 views of a pooling gradient's operands on the wasm heap. */
interface PoolViews {
  x: Float32Array;
  dy: Float32Array;
  dx: Float32Array;
}

/**
 * dL/dx of 2D max pooling, NHWC: each dy value goes to the position of its window's
 * maximum, the first one in row-major window order on ties, as tfjs-backend-cpu 4.22
 * picks it. Loops run with the channel innermost, over contiguous memory.
 */
export function maxPoolGradOnHeap(
  backend: WasmHeapBackend,
  dy: TensorInfo,
  x: TensorInfo,
  attrs: MaxPoolGradAttrs,
): TensorInfo | null {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4) {
    return null;
  }
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const dxInfo = backend.makeOutput(x.shape, 'float32');
  // Views are taken after the only allocation: growing the heap replaces its buffer.
  const views: PoolViews = {
    x: backend.typedArrayFromHeap(x) as Float32Array,
    dy: backend.typedArrayFromHeap(dy) as Float32Array,
    dx: backend.typedArrayFromHeap(dxInfo) as Float32Array,
  };
  views.dx.fill(0);
  const best = new Float32Array(info.inChannels);
  const bestAt = new Int32Array(info.inChannels);
  for (let b = 0; b < info.batchSize; b++) {
    for (let outRow = 0; outRow < info.outHeight; outRow++) {
      for (let outCol = 0; outCol < info.outWidth; outCol++) {
        findWindowMax(views.x, info, [b, outRow, outCol], best, bestAt);
        const dyOffset = ((b * info.outHeight + outRow) * info.outWidth + outCol) * info.inChannels;
        routeGradient(views, dyOffset, bestAt);
      }
    }
  }
  return dxInfo;
}

/**
 * Writes the maximum of each channel over one pooling window into `best`, and its flat
 * index in x into `bestAt` (−1 when the window lies wholly in the padding).
 */
function findWindowMax(
  x: Float32Array,
  info: backend_util.Conv2DInfo,
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

function routeGradient(views: PoolViews, dyOffset: number, bestAt: Int32Array): void {
  for (let c = 0; c < bestAt.length; c++) {
    const at = bestAt[c];
    if (at >= 0) {
      views.dx[at] += views.dy[dyOffset + c];
    }
  }
}

/**
 * Sums a float32 tensor over every axis but the last: the reduction behind every bias
 * gradient (dy summed over batch, height and width). Accumulates in float64, as
 * tfjs-backend-cpu does. The stock wasm Sum first transposes the reduced axes to the end,
 * a full copy; this reads the input once, in memory order. Returns `null` for any other
 * reduction.
 */
export function sumLeadingAxesOnHeap(
  backend: WasmHeapBackend,
  x: TensorInfo,
  attrs: SumAttrs,
): TensorInfo | null {
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2) {
    return null;
  }
  const axes = [...new Set(util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
  const leading = axes.length === rank - 1 && axes.every((axis, i) => axis === i);
  if (!leading) {
    return null;
  }

  const channels = x.shape[rank - 1];
  const outShape = attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels];
  const out = backend.makeOutput(outShape, 'float32');
  const values = backend.typedArrayFromHeap(x) as Float32Array;
  const sums = new Float64Array(channels);
  for (let offset = 0; offset < values.length; offset += channels) {
    for (let c = 0; c < channels; c++) {
      sums[c] += values[offset + c];
    }
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
}
