import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs } from '@tensorflow/tfjs-core';

import { conv2dBackpropFilterByConv, conv2dBackpropInputByConv } from './conv-backprop';
import { replaceKernel, requireInput } from './kernel-registry';

/**
 * Registers the convolution gradient kernels that NiN training needs on the wasm backend.
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel at all, and its
 * Conv2DBackpropInput is a scalar C++ loop. Both are replaced by compositions that run on
 * the backend's XNNPACK Conv2D (see conv-backprop.ts). Safe to call more than once, and
 * before or after `tf.setBackend('wasm')`.
 */
export function registerWasmTrainingKernels(): void {
  replaceKernel('Conv2DBackpropFilter', 'wasm', (calls, inputs, attrs) =>
    conv2dBackpropFilterByConv(
      calls,
      requireInput(inputs, 'x', 'Conv2DBackpropFilter'),
      requireInput(inputs, 'dy', 'Conv2DBackpropFilter'),
      attrs as unknown as Conv2DBackpropFilterAttrs,
    ),
  );
  replaceKernel('Conv2DBackpropInput', 'wasm', (calls, inputs, attrs) =>
    conv2dBackpropInputByConv(
      calls,
      requireInput(inputs, 'dy', 'Conv2DBackpropInput'),
      requireInput(inputs, 'filter', 'Conv2DBackpropInput'),
      attrs as unknown as Conv2DBackpropInputAttrs,
    ),
  );
}
