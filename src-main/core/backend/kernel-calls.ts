import {
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/** Explicit NHWC padding as tfjs-core expects it: [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type ExplicitPadding = [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

/**
 * Calls one backend's registered kernel functions directly on TensorInfo values.
 *
 * The custom kernels in this folder are compositions of other kernels of the same backend.
 * Calling the kernel functions directly (instead of `engine().runKernel`) keeps the
 * intermediates off the gradient tape and out of the engine's tensor count. The caller
 * therefore owns every returned TensorInfo and must release it with `dispose`.
 */
export class KernelCalls {
  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    dilations: [number, number],
    pad: ExplicitPadding,
  ): TensorInfo {
    return this.run(
      'Conv2D',
      { x, filter },
      { strides: [1, 1], dilations, pad, dataFormat: 'NHWC' },
    );
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Pads with zeros, by one [before, after] pair of `paddings` per axis. */
  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  /** Plain `a × b` on rank-3 tensors; the wasm kernel is much slower with transpose flags set. */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /** Releases intermediates; each TensorInfo returned by this class holds one reference. */
  dispose(...infos: TensorInfo[]): void {
    for (const info of infos) {
      this.backend.disposeData(info.dataId);
    }
  }

  private run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): TensorInfo {
    const config = getKernel(kernelName, this.backendName);
    if (config == null) {
      throw new Error(
        `Kernel ${kernelName} is not registered for backend '${this.backendName}', ` +
          'so the custom convolution gradient cannot run; register the backend before its custom kernels.',
      );
    }
    const result = config.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(result)) {
      throw new Error(
        `Kernel ${kernelName} returned ${result.length} outputs where one was expected.`,
      );
    }
    return result;
  }
}
