// Times the convolution kernels of one NiN training step (28×28 input) on the wasm and
// cpu backends: forward Conv2D, filter gradient and input gradient, each stock (as
// tfjs 4.22 ships it) and custom (src-main/core/backend). Prints milliseconds per call
// and GFLOP/s, counting 2 FLOPs per multiply-add of the forward convolution.
//
//   npx tsx bench/kernels.ts [--batch 128] [--cpu-batch 4] [--reps 3] [--backends wasm,cpu]
//
// The stock cpu filter gradient takes about 40 s per layer at batch 4 (and ~20 min at
// batch 128), so the cpu backend runs a smaller batch by default; GFLOP/s stay
// comparable across batch sizes. Timings are single-threaded wall clock.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';

import { registerCpuTrainingKernels } from '../src-main/core/backend/cpu-kernels';
import { getStockKernel } from '../src-main/core/backend/kernel-registry';
import { registerWasmTrainingKernels } from '../src-main/core/backend/wasm-kernels';

interface Layer {
  name: string;
  size: number;
  kernel: number;
  inChannels: number;
  outChannels: number;
}

/** Convolutions of NiN's 28×28 variant, each padded to keep its size ('same', stride 1). */
const LAYERS: Layer[] = [
  { name: 'conv5x5 1->96 @28', size: 28, kernel: 5, inChannels: 1, outChannels: 96 },
  { name: 'conv1x1 96->96 @28', size: 28, kernel: 1, inChannels: 96, outChannels: 96 },
  { name: 'conv5x5 96->256 @13', size: 13, kernel: 5, inChannels: 96, outChannels: 256 },
  { name: 'conv1x1 256->256 @13', size: 13, kernel: 1, inChannels: 256, outChannels: 256 },
  { name: 'conv3x3 256->384 @6', size: 6, kernel: 3, inChannels: 256, outChannels: 384 },
  { name: 'conv1x1 384->384 @6', size: 6, kernel: 1, inChannels: 384, outChannels: 384 },
  { name: 'conv3x3 384->10 @2', size: 2, kernel: 3, inChannels: 384, outChannels: 10 },
];

type Op = 'forward' | 'filter grad' | 'input grad';

const KERNEL_OF: Record<Op, string> = {
  forward: 'Conv2D',
  'filter grad': 'Conv2DBackpropFilter',
  'input grad': 'Conv2DBackpropInput',
};

interface Operands {
  x: tf.Tensor4D;
  filter: tf.Tensor4D;
  dy: tf.Tensor4D;
}

function makeOperands(layer: Layer, batch: number): Operands {
  return {
    x: tf.randomNormal([batch, layer.size, layer.size, layer.inChannels]),
    filter: tf.randomNormal([layer.kernel, layer.kernel, layer.inChannels, layer.outChannels]),
    dy: tf.randomNormal([batch, layer.size, layer.size, layer.outChannels]),
  };
}

function kernelArgs(
  op: Op,
  operands: Operands,
): { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap } {
  const common = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  if (op === 'forward') {
    return { inputs: { x: operands.x, filter: operands.filter }, attrs: common };
  }
  if (op === 'filter grad') {
    return {
      inputs: { x: operands.x, dy: operands.dy },
      attrs: { ...common, filterShape: operands.filter.shape },
    };
  }
  return {
    inputs: { dy: operands.dy, filter: operands.filter },
    attrs: { ...common, inputShape: operands.x.shape },
  };
}

/** A call this long (in ms) is timed once, without warm-up: the stock cpu kernels take minutes. */
const SINGLE_CALL_MS = 2000;

/** Best time of `reps` calls after one warm-up call, in milliseconds. */
function timeKernel(kernel: tf.KernelConfig, op: Op, operands: Operands, reps: number): number {
  const backend = tf.backend();
  const { inputs, attrs } = kernelArgs(op, operands);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= reps; i++) {
    const start = performance.now();
    const out = kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
    const elapsed = performance.now() - start;
    backend.disposeData(out.dataId);
    if (i === 0 && elapsed >= SINGLE_CALL_MS) {
      return elapsed;
    }
    if (i > 0) {
      best = Math.min(best, elapsed);
    }
  }
  return best;
}

function gflops(layer: Layer, batch: number): number {
  const macs = batch * layer.size ** 2 * layer.kernel ** 2 * layer.inChannels * layer.outChannels;
  return (2 * macs) / 1e9;
}

function formatRow(cells: string[]): string {
  const widths = [22, 12, 5, 6, 10, 10, 9, 9, 8];
  return cells
    .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
    .join(' ');
}

function benchLayer(backendName: string, layer: Layer, batch: number, reps: number): string[] {
  const rows: string[] = [];
  const operands = makeOperands(layer, batch);
  const work = gflops(layer, batch);
  for (const op of ['forward', 'filter grad', 'input grad'] as Op[]) {
    const kernelName = KERNEL_OF[op];
    const stock = getStockKernel(kernelName, backendName);
    const current = tf.getKernel(kernelName, backendName);
    const custom = current !== stock ? current : undefined;
    const stockMs = stock ? timeKernel(stock, op, operands, reps) : Number.NaN;
    const customMs = custom ? timeKernel(custom, op, operands, reps) : Number.NaN;
    const cells = [layer.name, op, backendName, String(batch)];
    cells.push(
      ms(stockMs),
      ms(customMs),
      rate(work, stockMs),
      rate(work, customMs),
      ratio(stockMs, customMs),
    );
    rows.push(formatRow(cells));
  }
  tf.dispose([operands.x, operands.filter, operands.dy]);
  return rows;
}

function ms(value: number): string {
  return Number.isNaN(value) ? '-' : value.toFixed(1);
}

function rate(work: number, milliseconds: number): string {
  return Number.isNaN(milliseconds) ? '-' : (work / (milliseconds / 1000)).toFixed(2);
}

function ratio(stockMs: number, customMs: number): string {
  return Number.isNaN(stockMs) || Number.isNaN(customMs)
    ? '-'
    : `${(stockMs / customMs).toFixed(1)}x`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      batch: { type: 'string', default: '128' },
      'cpu-batch': { type: 'string', default: '4' },
      reps: { type: 'string', default: '3' },
      backends: { type: 'string', default: 'wasm,cpu' },
    },
  });
  const reps = Number(values.reps);
  registerWasmTrainingKernels();
  registerCpuTrainingKernels();

  const header = [
    'layer',
    'op',
    'backend',
    'batch',
    'stock ms',
    'custom ms',
    'stock GF/s',
    'cust GF/s',
    'speedup',
  ];
  console.log(formatRow(header));
  for (const backendName of values.backends.split(',')) {
    if (!(await tf.setBackend(backendName))) {
      throw new Error(
        `Backend ${backendName} failed to initialize; pass --backends wasm,cpu or a subset.`,
      );
    }
    const batch = Number(backendName === 'cpu' ? values['cpu-batch'] : values.batch);
    for (const layer of LAYERS) {
      for (const row of benchLayer(backendName, layer, batch, reps)) {
        console.log(row);
      }
    }
  }
}

await main();
