import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

import { KernelCalls } from './kernel-calls';

/** A custom kernel body; `null` means "not handled here, run the stock kernel". */
export type CustomKernelBody = (
  calls: KernelCalls,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
) => TensorInfo | null;

/** Stock kernels replaced by `replaceKernel`, keyed by `backend/kernel`; null where none existed. */
const stockKernels = new Map<string, KernelConfig | null>();

/**
 * Registers `body` as `kernelName` for `backendName`, in place of the stock kernel if one
 * is registered. Calling it again for the same kernel and backend does nothing, so the
 * stock kernel saved by the first call is never lost.
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  body: CustomKernelBody,
): void {
  const key = `${backendName}/${kernelName}`;
  if (stockKernels.has(key)) {
    return;
  }
  const stock = getKernel(kernelName, backendName) ?? null;
  stockKernels.set(key, stock);
  if (stock != null) {
    unregisterKernel(kernelName, backendName);
  }

  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const calls = new KernelCalls(backend as KernelBackend, backendName);
    const result = body(calls, inputs, attrs ?? {});
    if (result != null) {
      return result;
    }
    if (stock == null) {
      throw new Error(
        `${kernelName} on the ${backendName} backend cannot handle data format ` +
          `${String(attrs?.dataFormat)} with pad ${JSON.stringify(attrs?.pad)}, and the backend has no ` +
          'stock kernel to fall back to; use NHWC data and padding of at most filter size − 1.',
      );
    }
    return stock.kernelFunc({ inputs, backend, attrs });
  };

  // The stock setupFunc (a wasm cwrap) must still run when the backend initializes
  // after this call, because the fallback above calls the stock kernel function.
  registerKernel({ kernelName, backendName, kernelFunc, setupFunc: stock?.setupFunc });
}

/**
 * Returns the stock kernel that `replaceKernel` replaced, the currently registered one
 * when nothing was replaced yet, or undefined when the backend has none.
 */
export function getStockKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  const key = `${backendName}/${kernelName}`;
  if (stockKernels.has(key)) {
    return stockKernels.get(key) ?? undefined;
  }
  return getKernel(kernelName, backendName);
}

/** Returns a required kernel input, failing with the kernel and input named. */
export function requireInput(
  inputs: NamedTensorInfoMap,
  name: string,
  kernelName: string,
): TensorInfo {
  const input = inputs[name];
  if (input == null) {
    throw new Error(`${kernelName} was called without its '${name}' input.`);
  }
  return input;
}
