// Profiles one training step kernel by kernel (tf.profile) on the wasm or cpu backend, after one
// warm-up step, and prints where the time goes: per kernel name, then the slowest calls.
//
//   npx tsx bench/profile.ts [--preset nin-28] [--batch 128] [--top 25] [--clock wall]
//                            [--backend wasm]
//
// Set NIN_LAB_WASM_THREADS to choose the thread count (default: all cores). Kernel times
// are wall clock around each kernel call, or with --clock cpu the process's CPU time
// (user + system, all threads), which other jobs on a busy machine disturb less. A custom
// kernel (the convolution gradients in src-main/core/backend) includes the kernels it
// calls inside.
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';

import { initBackend } from '../src-main/core/backend/backends';
import { BenchTrainer, loadTrainSplit, presetByName } from './harness';

interface KernelCall {
  name: string;
  inputShapes: number[][];
  ms: number;
}

interface KernelTotal {
  name: string;
  calls: number;
  ms: number;
}

/** Makes the backend time kernels by process CPU time (tf.profile calls `backend.time`). */
function timeKernelsByCpu(): void {
  const backend = tf.backend();
  backend.time = async (run: () => void) => {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    return { kernelMs: (used.user + used.system) / 1000 };
  };
}

interface StepProfile {
  wallMs: number;
  cpuMs: number;
  calls: KernelCall[];
}

async function profileStep(trainer: BenchTrainer): Promise<StepProfile> {
  const count = trainer.fillBatch();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const info = await tf.profile(() => {
    trainer.trainFilledBatch(count);
  });
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const calls: KernelCall[] = [];
  for (const kernel of info.kernels) {
    const time = await kernel.kernelTimeMs;
    if (typeof time !== 'number') {
      throw new Error(`The backend did not time kernel ${kernel.name}: ${time.error}`);
    }
    calls.push({ name: kernel.name, inputShapes: kernel.inputShapes as number[][], ms: time });
  }
  return { wallMs, cpuMs, calls };
}

function totalsByName(calls: KernelCall[]): KernelTotal[] {
  const totals = new Map<string, KernelTotal>();
  for (const call of calls) {
    const total = totals.get(call.name) ?? { name: call.name, calls: 0, ms: 0 };
    total.calls += 1;
    total.ms += call.ms;
    totals.set(call.name, total);
  }
  return [...totals.values()].sort((a, b) => b.ms - a.ms);
}

function printTables(step: StepProfile, clock: string, top: number): void {
  const { wallMs, cpuMs, calls } = step;
  const kernelMs = calls.reduce((sum, call) => sum + call.ms, 0);
  const stepMs = clock === 'cpu' ? cpuMs : wallMs;
  console.log(
    `step: wall ${wallMs.toFixed(0)} ms, CPU ${cpuMs.toFixed(0)} ms; ` +
      `inside kernels ${kernelMs.toFixed(0)} ms (${clock} clock)`,
  );
  console.log('\n| kernel | calls | ms | share of step |\n| --- | ---: | ---: | ---: |');
  for (const total of totalsByName(calls)) {
    const share = ((100 * total.ms) / stepMs).toFixed(1);
    console.log(`| ${total.name} | ${total.calls} | ${total.ms.toFixed(1)} | ${share} % |`);
  }
  console.log('\n| slowest calls | input shapes | ms |\n| --- | --- | ---: |');
  for (const call of [...calls].sort((a, b) => b.ms - a.ms).slice(0, top)) {
    const shapes = call.inputShapes.map((shape) => `[${shape.join(',')}]`).join(' ');
    console.log(`| ${call.name} | ${shapes} | ${call.ms.toFixed(1)} |`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'nin-28' },
      batch: { type: 'string', default: '128' },
      top: { type: 'string', default: '25' },
      clock: { type: 'string', default: 'wall' },
      backend: { type: 'string', default: 'wasm' },
    },
  });
  if (values.backend !== 'wasm' && values.backend !== 'cpu') {
    throw new Error(`Invalid --backend "${values.backend}"; use wasm or cpu.`);
  }
  const backend = await initBackend({ pin: values.backend });
  if (values.clock === 'cpu') {
    timeKernelsByCpu();
  } else if (values.clock !== 'wall') {
    throw new Error(`Invalid --clock "${values.clock}"; use wall or cpu.`);
  }
  const preset = presetByName(values.preset);
  const trainer = new BenchTrainer(
    preset,
    Number(values.batch),
    backend.name,
    await loadTrainSplit(),
  );
  console.log(
    `${preset.name}, batch ${values.batch} (micro-batches of ${trainer.plan.microBatch}), ` +
      `${backend.name} ${backend.threads} thread(s)`,
  );

  trainer.trainStep();
  printTables(await profileStep(trainer), values.clock, Number(values.top));
  trainer.dispose();
}

await main();
