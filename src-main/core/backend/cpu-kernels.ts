import type { Conv2DBackpropFilterAttrs, MaxPoolGradAttrs } from '@tensorflow/tfjs-core';

import { conv2dBackpropFilterByConv } from './conv-backprop';
import { replaceKernel, requireInput } from './kernel-registry';
import { maxPoolGradByReadSync, type ArrayBackend } from './pool-grad';

/**
 * Registers a faster convolution filter gradient (Conv2DBackpropFilter) on the pure-JavaScript
 * cpu backend.
 *
 * The stock cpu Conv2DBackpropFilter of tfjs-backend-cpu 4.22 reads every operand through
 * `TensorBuffer.get` in its innermost loop, striding across channels. The backend's own
 * Conv2D does the same multiply-adds over flat arrays, so the gradient runs as that
 * convolution with batch and channel axes swapped (see conv-backprop.ts): 23–45× faster
 * on NiN's 28×28 layers (bench/kernels.ts, batch 4).
 * The stock Conv2DBackpropInput stays, because the same rewrite made it 1.3–23× slower.
 * MaxPoolGrad runs as the loop of pool-grad.ts, which reads x with the channel innermost:
 * on nin-28 at batch 8, 500 ms of CPU time per step before (cpu backend, one thread).
 * Safe to call more than once.
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
  replaceKernel('MaxPoolGrad', 'cpu', (calls, inputs, attrs) =>
    maxPoolGradByReadSync(
      calls.backend as ArrayBackend,
      requireInput(inputs, 'dy', 'MaxPoolGrad'),
      requireInput(inputs, 'input', 'MaxPoolGrad'),
      attrs as unknown as MaxPoolGradAttrs,
    ),
  );
}
