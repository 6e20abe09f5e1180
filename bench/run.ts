// Training throughput of NiN on each available backend and in PyTorch, measured in the
// same run on the same machine, printed as one Markdown table (`npm run bench`).
//
//   npm run bench -- [--networks nin-28,d2l] [--steps 5] [--steps-224 2] [--batch 128]
//                    [--threads 2] [--cpu] [--no-pytorch] [--repeat 1] [--peak 228]
//
// Each measurement runs in its own process (bench/measure-steps.ts, or
// bench/pytorch/nin_bench.py), one after another, so no two compete for the cores.
// GFLOP/s counts 6 FLOPs per multiply-add of the forward convolutions: 2 per multiply-add,
// times 3 for the forward pass, the input gradient and the filter gradient.
import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { getPreset, isPresetName, PRESET_NAMES, type Preset } from '../src-shared/presets';
import { inferShapes } from '../src-shared/shapes';
import type { StepsResult } from './measure-steps';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';

/** One row of the table: a network trained by one engine with a thread count. */
interface Row {
  network: string;
  engine: string;
  threads: number;
  batch: string;
  imagesPerSecond: number;
  peakRssMb: number;
  wasmHeapMb: number | null;
  inputMsPerStep: number | null;
  note: string;
}

interface Options {
  networks: string[];
  steps: number;
  steps224: number;
  warmup: number;
  batch: number;
  threads: number;
  cpu: boolean;
  pytorch: boolean;
  repeat: number;
  peakGflops: number;
}

function presetByName(name: string): Preset {
  if (!isPresetName(name)) {
    throw new Error(`Unknown network "${name}"; use one of ${PRESET_NAMES.join(', ')}.`);
  }
  return getPreset(name);
}

/** Runs a command and returns its last stdout line that is a JSON object. */
function runJsonLine(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout
        .trim()
        .split('\n')
        .reverse()
        .find((text) => text.startsWith('{'));
      if (code !== 0 || line === undefined) {
        reject(new Error(`${command} ${args.join(' ')} failed with exit code ${code}.`));
        return;
      }
      resolve(JSON.parse(line));
    });
  });
}

function stepsFor(network: string, options: Options): number {
  return presetByName(network).spec.inputSize > 28 ? options.steps224 : options.steps;
}

async function measureTfjs(
  network: string,
  backend: 'wasm' | 'cpu',
  threads: number,
  steps: number,
  warmup: number,
  options: Options,
): Promise<Row> {
  const args = ['--import', 'tsx', path.join(BENCH_DIR, 'measure-steps.ts')];
  args.push('--preset', network, '--backend', backend, '--batch', String(options.batch));
  args.push('--steps', String(steps), '--warmup', String(warmup));
  const env = { ...process.env, NIN_LAB_WASM_THREADS: String(threads) };
  const result = (await runJsonLine(process.execPath, args, env)) as StepsResult;
  const micro = result.microBatch < result.batchSize ? ` (${result.microBatch})` : '';
  return {
    network,
    engine: `tfjs ${backend}`,
    threads: result.threads,
    batch: `${result.batchSize}${micro}`,
    imagesPerSecond: result.imagesPerSecond,
    peakRssMb: result.peakRssMb,
    wasmHeapMb: result.wasmHeapMb.length > 0 ? Math.max(...result.wasmHeapMb) : null,
    inputMsPerStep: result.inputMsPerStep,
    note:
      `${steps} steps; RSS after step 1 → ${steps}: ${result.rssMb[0].toFixed(0)} → ` +
      `${result.rssMb[result.rssMb.length - 1].toFixed(0)} MiB`,
  };
}

/** Returns whether Debian's python3-torch can be imported. */
function hasPyTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function measurePyTorch(network: string, steps: number, options: Options): Promise<Row> {
  const spec = JSON.stringify(presetByName(network).spec);
  const args = [path.join(BENCH_DIR, 'pytorch', 'nin_bench.py'), spec, '--steps', String(steps)];
  args.push('--batch-size', String(options.batch), '--threads', String(options.threads));
  const result = (await runJsonLine(PYTHON, args, process.env)) as {
    images_per_second: number;
    peak_rss_mb: number;
    torch_version: string;
  };
  return {
    network,
    engine: `PyTorch ${result.torch_version}`,
    threads: options.threads,
    batch: String(options.batch),
    imagesPerSecond: result.images_per_second,
    peakRssMb: result.peak_rss_mb,
    wasmHeapMb: null,
    inputMsPerStep: null,
    note: `${steps} steps`,
  };
}

/** Returns the fastest of `repeat` measurements, so that a burst of load from other jobs counts less. */
async function best(repeat: number, measure: () => Promise<Row>): Promise<Row> {
  let fastest: Row | undefined;
  for (let i = 0; i < repeat; i++) {
    const row = await measure();
    if (fastest === undefined || row.imagesPerSecond > fastest.imagesPerSecond) fastest = row;
  }
  return fastest as Row;
}

async function measureNetwork(network: string, options: Options): Promise<Row[]> {
  const steps = stepsFor(network, options);
  const rows: Row[] = [];
  if (options.pytorch) {
    rows.push(await best(options.repeat, () => measurePyTorch(network, steps, options)));
  }
  const { warmup, threads } = options;
  rows.push(
    await best(options.repeat, () => measureTfjs(network, 'wasm', 1, steps, warmup, options)),
  );
  if (threads > 1) {
    rows.push(
      await best(options.repeat, () =>
        measureTfjs(network, 'wasm', threads, steps, warmup, options),
      ),
    );
  }
  // One step without warm-up, because the cpu backend needs minutes per step at 28×28.
  if (options.cpu && presetByName(network).spec.inputSize === 28) {
    rows.push(await measureTfjs(network, 'cpu', 1, 1, 0, options));
  }
  return rows;
}

function formatTable(rows: Row[], options: Options): string {
  const lines = [
    '| network | engine | threads | batch (micro) | images/s | GFLOP/s | × PyTorch | % of peak | peak RSS MiB | wasm heap MiB | input ms/step | note |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    const flopsPerImage = 6 * inferShapes(presetByName(row.network).spec).totalMultiplyAdds;
    const gflops = (row.imagesPerSecond * flopsPerImage) / 1e9;
    const reference = rows.find((r) => r.network === row.network && r.engine.startsWith('PyTorch'));
    const ratio = reference ? (row.imagesPerSecond / reference.imagesPerSecond).toFixed(2) : '-';
    const cells = [
      row.network,
      row.engine,
      String(row.threads),
      row.batch,
      row.imagesPerSecond.toFixed(2),
      gflops.toFixed(1),
      ratio,
      ((100 * gflops) / options.peakGflops).toFixed(1),
      row.peakRssMb.toFixed(0),
      row.wasmHeapMb === null ? '-' : row.wasmHeapMb.toFixed(0),
      row.inputMsPerStep === null ? '-' : row.inputMsPerStep.toFixed(1),
      row.note,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      networks: { type: 'string', default: 'nin-28,d2l' },
      steps: { type: 'string', default: '5' },
      'steps-224': { type: 'string', default: '2' },
      warmup: { type: 'string', default: '1' },
      batch: { type: 'string', default: '128' },
      threads: { type: 'string', default: String(availableParallelism()) },
      cpu: { type: 'boolean', default: false },
      'no-pytorch': { type: 'boolean', default: false },
      repeat: { type: 'string', default: '1' },
      peak: { type: 'string', default: '228' },
    },
  });
  const networks = values.networks.split(',');
  networks.forEach((network) => presetByName(network));
  return {
    networks,
    steps: Number(values.steps),
    steps224: Number(values['steps-224']),
    warmup: Number(values.warmup),
    batch: Number(values.batch),
    threads: Number(values.threads),
    cpu: values.cpu,
    pytorch: !values['no-pytorch'],
    repeat: Number(values.repeat),
    peakGflops: Number(values.peak),
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const notes: string[] = [];
  if (options.pytorch && !hasPyTorch()) {
    options.pytorch = false;
    notes.push(`PyTorch skipped: ${PYTHON} cannot import torch (apt-get install python3-torch).`);
  }
  if (!options.cpu) {
    notes.push('tfjs cpu skipped: about 100× slower than wasm; --cpu times 1 step at 28×28.');
  }

  const rows: Row[] = [];
  for (const network of options.networks) {
    rows.push(...(await measureNetwork(network, options)));
  }
  console.log(formatTable(rows, options));
  for (const note of notes) console.log(`\n${note}`);
}

await main();
