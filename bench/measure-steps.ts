// Times training steps of one network on one backend and prints one JSON line (the
// contract with bench/run.ts, which starts this script once per network and backend so
// that each measurement gets a fresh process, backend and peak memory).
//
//   npx tsx bench/measure-steps.ts --preset nin-28 --backend wasm --steps 5 [--warmup 1]
//
// The backend comes from initBackend, so NIN_LAB_WASM_THREADS sets the wasm threads.
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';

import { BACKEND_NAMES, type BackendName } from '../src-shared/training';
import { initBackend } from '../src-main/core/backend/backends';
import { toInputTensor } from '../src-main/core/train/step';
import { BenchTrainer, loadTrainSplit, presetByName } from './harness';

/** One line of output: everything bench/run.ts prints about a measurement. */
export interface StepsResult {
  preset: string;
  backend: BackendName;
  threads: number;
  batchSize: number;
  microBatch: number;
  steps: number;
  imagesPerSecond: number;
  stepMs: number[];
  /** Filling the batch buffers (BatchReader) plus building the input tensors, resized. */
  inputMsPerStep: number;
  /** Peak resident memory of this process, in MiB. */
  peakRssMb: number;
  /** Resident memory after each timed step, in MiB. */
  rssMb: number[];
  /** Size of the wasm heap after each timed step (it never shrinks), in MiB; empty on other backends. */
  wasmHeapMb: number[];
  lastLoss: number;
}

const MIB = 2 ** 20;

function parseBackend(text: string): BackendName {
  const name = BACKEND_NAMES.find((candidate) => candidate === text);
  if (name === undefined) {
    throw new Error(`Invalid --backend "${text}"; use one of ${BACKEND_NAMES.join(', ')}.`);
  }
  return name;
}

/** Milliseconds that the input side of one step takes: fill, then tensors of each micro-batch. */
function timeInputSide(trainer: BenchTrainer): number {
  const start = performance.now();
  const count = trainer.fillBatch();
  const { inputSize } = trainer.preset.spec;
  for (let first = 0; first < count; first += trainer.plan.microBatch) {
    const size = Math.min(trainer.plan.microBatch, count - first);
    const input = toInputTensor(trainer.pixels, first, size, inputSize);
    input.dataSync();
    input.dispose();
  }
  return performance.now() - start;
}

/** Current size of the wasm backend's heap, or null on another backend. */
function wasmHeapMb(): number | null {
  const backend = tf.backend() as { wasm?: { HEAPU8: Uint8Array } };
  return backend.wasm ? backend.wasm.HEAPU8.buffer.byteLength / MIB : null;
}

async function measure(options: {
  preset: string;
  backend: BackendName;
  batch: number;
  steps: number;
  warmup: number;
}): Promise<StepsResult> {
  const report = await initBackend({ pin: options.backend });
  const preset = presetByName(options.preset);
  const trainer = new BenchTrainer(preset, options.batch, options.backend, await loadTrainSplit());

  for (let i = 0; i < options.warmup; i++) trainer.trainStep();
  const inputMs = timeInputSide(trainer);

  const stepMs: number[] = [];
  const rss: number[] = [];
  const heap: number[] = [];
  let lastLoss = Number.NaN;
  for (let i = 0; i < options.steps; i++) {
    const start = performance.now();
    const totals = trainer.trainStep();
    stepMs.push(performance.now() - start);
    rss.push(process.memoryUsage().rss / MIB);
    const heapMb = wasmHeapMb();
    if (heapMb !== null) heap.push(heapMb);
    lastLoss = totals.lossSum / totals.count;
  }
  const seconds = stepMs.reduce((sum, ms) => sum + ms, 0) / 1000;
  trainer.dispose();

  return {
    preset: preset.name,
    backend: report.name,
    threads: report.threads,
    batchSize: options.batch,
    microBatch: trainer.plan.microBatch,
    steps: options.steps,
    imagesPerSecond: (options.steps * options.batch) / seconds,
    stepMs,
    inputMsPerStep: inputMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssMb: rss,
    wasmHeapMb: heap,
    lastLoss,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'nin-28' },
      backend: { type: 'string', default: 'wasm' },
      batch: { type: 'string', default: '128' },
      steps: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
    },
  });
  const result = await measure({
    preset: values.preset,
    backend: parseBackend(values.backend),
    batch: Number(values.batch),
    steps: Number(values.steps),
    warmup: Number(values.warmup),
  });
  console.log(JSON.stringify(result));
}

await main();
