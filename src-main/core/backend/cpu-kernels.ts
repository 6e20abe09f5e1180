import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs } from '@tensorflow/tfjs-core';

import { conv2dBackpropFilterByConv, conv2dBackpropInputByConv } from './conv-backprop';
import { replaceKernel, requireInput } from './kernel-registry';

/**
 * Registers faster convolution gradient kernels on the pure-JavaScript cpu backend.
 *
 * The stock cpu Conv2DBackpropFilter of tfjs-backend-cpu 4.22 loops with the channel
 * axes innermost, which are short in early layers. Run as the backend's own Conv2D with
 * batch and channel axes swapped (see conv-backprop.ts), the inner loops run over the
 * batch instead. Safe to call more than once.
 */
export function registerCpuTrainingKernels(): void {
  replaceKernel('Conv2DBackpropFilter', 'cpu', (calls, inputs, attrs) =>
    conv2dBackpropFilterByConv(
      calls,
      requireInput(inputs, 'x', 'Conv2DBackpropFilter'),
      requireInput(inputs, 'dy', 'Conv2DBackpropFilter'),
      attrs as unknown as Conv2DBackpropFilterAttrs,
    ),
  );
  replaceKernel('Conv2DBackpropInput', 'cpu', (calls, inputs, attrs) =>
    conv2dBackpropInputByConv(
      calls,
      requireInput(inputs, 'dy', 'Conv2DBackpropInput'),
      requireInput(inputs, 'filter', 'Conv2DBackpropInput'),
      attrs as unknown as Conv2DBackpropInputAttrs,
    ),
  );
}
