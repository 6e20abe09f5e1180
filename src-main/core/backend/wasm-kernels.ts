import type {
  CastAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  MaxPoolGradAttrs,
  SumAttrs,
} from '@tensorflow/tfjs-core';

import { conv2dBackpropFilterByConv, conv2dBackpropInputByConv } from './conv-backprop';
import { replaceKernel, requireInput } from './kernel-registry';
import {
  isWasmHeapBackend,
  maxPoolGradOnHeap,
  shareData,
  sumLeadingAxesOnHeap,
} from './wasm-heap-kernels';

/**
 * Registers the kernels that make NiN training fast on the wasm backend.
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel at all, and its
 * Conv2DBackpropInput is a scalar C++ loop. Both are replaced by compositions that run on
 * the backend's XNNPACK Conv2D (see conv-backprop.ts); the input gradient keeps the stock
 * kernel for strides above 2. Bias gradients (Sum), MaxPoolGrad, Identity and Cast get
 * the faster forms of wasm-heap-kernels.ts. Safe to call more than
 * once, and before or after `tf.setBackend('wasm')`.
 */
export function registerWasmTrainingKernels(): void {
  registerConvolutionGradients();
  replaceKernel('Sum', 'wasm', (calls, inputs, attrs) =>
    isWasmHeapBackend(calls.backend)
      ? sumLeadingAxesOnHeap(
          calls.backend,
          requireInput(inputs, 'x', 'Sum'),
          attrs as unknown as SumAttrs,
        )
      : null,
  );
  replaceKernel('Identity', 'wasm', (calls, inputs) =>
    shareData(calls.backend, requireInput(inputs, 'x', 'Identity')),
  );
  replaceKernel('Cast', 'wasm', (calls, inputs, attrs) => {
    const x = requireInput(inputs, 'x', 'Cast');
    return (attrs as unknown as CastAttrs).dtype === x.dtype ? shareData(calls.backend, x) : null;
  });
  replaceKernel('MaxPoolGrad', 'wasm', (calls, inputs, attrs) =>
    isWasmHeapBackend(calls.backend)
      ? maxPoolGradOnHeap(
          calls.backend,
          requireInput(inputs, 'dy', 'MaxPoolGrad'),
          requireInput(inputs, 'input', 'MaxPoolGrad'),
          attrs as unknown as MaxPoolGradAttrs,
        )
      : null,
  );
}

function registerConvolutionGradients(): void {
  replaceKernel('Conv2DBackpropFilter', 'wasm', (calls, inputs, attrs) =>
    conv2dBackpropFilterByConv(
      calls,
      requireInput(inputs, 'x', 'Conv2DBackpropFilter'),
      requireInput(inputs, 'dy', 'Conv2DBackpropFilter'),
      attrs as unknown as Conv2DBackpropFilterAttrs,
    ),
  );
  replaceKernel('Conv2DBackpropInput', 'wasm', (calls, inputs, attrs) => {
    const inputAttrs = attrs as unknown as Conv2DBackpropInputAttrs;
    if (strideArea(inputAttrs.strides) > MAX_STRIDE_AREA) {
      return null;
    }
    return conv2dBackpropInputByConv(
      calls,
      requireInput(inputs, 'dy', 'Conv2DBackpropInput'),
      requireInput(inputs, 'filter', 'Conv2DBackpropInput'),
      inputAttrs,
    );
  });
}

/**
 * Largest strideHeight × strideWidth for which the input gradient runs as a convolution.
 * The dilated dy has stride² times the positions of dy, and all but one in stride² are
 * zeros that XNNPACK still multiplies. Measured on tfjs-backend-wasm 4.22 (single thread):
 * stride 2 ran 2–3× faster than the stock kernel, stride 4 ran 1.6–16× slower.
 * NOTE: a sub-pixel split (one convolution per stride phase) would avoid the zeros; NiN
 * needs no input gradient for its only strided convolution (the first layer), so it is not done.
 */
const MAX_STRIDE_AREA = 4;

function strideArea(strides: number | [number, number]): number {
  return typeof strides === 'number' ? strides * strides : strides[0] * strides[1];
}
