import {
  util,
  type DataType,
  type KernelBackend,
  type MaxPoolGradAttrs,
  type SumAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

import { maxPoolGradInto, poolInfo } from './pool-grad';

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

/**
 * dL/dx of 2D max pooling, computed on the wasm heap (see pool-grad.ts). Returns `null`
 * for other dtypes than float32.
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
  const dx = backend.makeOutput(x.shape, 'float32');
  // Views are taken after the only allocation: growing the heap replaces its buffer.
  maxPoolGradInto(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(dy) as Float32Array,
    backend.typedArrayFromHeap(dx) as Float32Array,
    poolInfo(x, attrs),
  );
  return dx;
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
