// Chooses and initializes the TensorFlow.js backend for training, in order of speed:
// tfjs-node-gpu, tfjs-node, wasm, cpu. The two native packages are optional dependencies
// whose install downloads libtensorflow, so they are imported only dynamically.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';

import { BACKEND_NAMES, type BackendName } from '../../../src-shared/training';
import { registerCpuTrainingKernels } from './cpu-kernels';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { resolveWasmThreads, threadedWasmFactory, type WasmPackage } from './wasm-threads';

export type { BackendName };

/** Environment variable that pins a backend; it takes precedence over the settings pin. */
export const BACKEND_ENV_VAR = 'NIN_LAB_BACKEND';

export interface BackendReport {
  name: BackendName;
  /** Name of the backend in the tfjs registry (both native packages register 'tensorflow'). */
  tfjsBackend: string;
  /** Human-readable device, such as "CPU (WebAssembly)" or "GPU (CUDA, libtensorflow)". */
  device: string;
  /** Whether the wasm module uses 128-bit SIMD; absent for the other backends. */
  simd?: boolean;
  /** Threads that run kernels: the wasm thread pool, or libtensorflow's per-core pools. */
  threads: number;
  /** Reason the wasm backend runs on one thread although more were requested; absent otherwise. */
  threadsFallback?: string;
  /** Backends tried before this one, each with a one-sentence reason. Empty when pinned. */
  skipped: { name: BackendName; reason: string }[];
  pinnedBy?: 'setting' | 'env';
}

export interface InitBackendOptions {
  /** Backend pinned in the settings; NIN_LAB_BACKEND overrides it. */
  pin?: BackendName;
  /**
   * Threads of the wasm backend; NIN_LAB_WASM_THREADS overrides it, and the default is one
   * per logical core. A process starts the wasm backend once, so only the first call counts.
   */
  wasmThreads?: number;
}

/** Dynamic `import()`; tests pass their own to simulate missing or broken packages. */
export type ImportModule = (specifier: string) => Promise<unknown>;

export interface BackendLoaderDeps {
  importModule: ImportModule;
  env: Record<string, string | undefined>;
}

type BackendDetails = Omit<BackendReport, 'skipped' | 'pinnedBy'>;

type LoadResult = { ok: true; details: BackendDetails } | { ok: false; reason: string };

const PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/**
 * Initializes the fastest backend that loads, or the pinned one, and makes it tfjs's
 * active backend. A pin comes from `options.pin` (settings) or NIN_LAB_BACKEND; the
 * environment wins because it is set for one launch, on purpose, while a setting persists.
 * A pinned backend that fails to load is an error, never a silent fallback.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  return initBackendWith(options, {
    importModule: (specifier) => import(specifier),
    env: process.env,
  });
}

/** `initBackend` with its module loader and environment passed in. */
export async function initBackendWith(
  options: InitBackendOptions,
  deps: BackendLoaderDeps,
): Promise<BackendReport> {
  const pin = resolvePin(options.pin, deps.env);
  const context: LoadContext = { ...deps, wasmThreads: options.wasmThreads };
  if (pin !== undefined) {
    const result = await loadBackend(pin.name, context);
    if (!result.ok) {
      throw new Error(
        `The ${pin.name} backend pinned by ${pinSourceText(pin.source)} failed to load: ${result.reason}. ` +
          `Remove the pin or pin another backend (${BACKEND_NAMES.join(', ')}).`,
      );
    }
    return { ...result.details, skipped: [], pinnedBy: pin.source };
  }

  const skipped: BackendReport['skipped'] = [];
  for (const name of BACKEND_NAMES) {
    const result = await loadBackend(name, context);
    if (result.ok) {
      return { ...result.details, skipped };
    }
    skipped.push({ name, reason: result.reason });
  }
  const reasons = skipped.map((entry) => `${entry.name}: ${entry.reason}`).join('; ');
  throw new Error(
    `No TensorFlow.js backend could be loaded (${reasons}). Reinstall the npm packages.`,
  );
}

function resolvePin(
  settingPin: string | undefined,
  env: Record<string, string | undefined>,
): { name: BackendName; source: 'setting' | 'env' } | undefined {
  const envPin = env[BACKEND_ENV_VAR]?.trim();
  if (envPin) {
    return { name: parseBackendName(envPin, `${BACKEND_ENV_VAR}="${envPin}"`), source: 'env' };
  }
  if (settingPin !== undefined) {
    return {
      name: parseBackendName(settingPin, `backend setting "${settingPin}"`),
      source: 'setting',
    };
  }
  return undefined;
}

function parseBackendName(value: string, description: string): BackendName {
  const name = BACKEND_NAMES.find((candidate) => candidate === value);
  if (name === undefined) {
    throw new Error(
      `Invalid ${description}: the backend must be one of ${BACKEND_NAMES.join(', ')}.`,
    );
  }
  return name;
}

function pinSourceText(source: 'setting' | 'env'): string {
  return source === 'env' ? BACKEND_ENV_VAR : 'the backend setting';
}

/** Inputs of loading a backend: the module loader, the environment and the wasm option. */
interface LoadContext extends BackendLoaderDeps {
  wasmThreads?: number;
}

function loadBackend(name: BackendName, context: LoadContext): Promise<LoadResult> {
  const { importModule } = context;
  switch (name) {
    case 'tensorflow-gpu':
      return loadNative(name, importModule, 'GPU (CUDA, libtensorflow)');
    case 'tensorflow':
      return loadNative(name, importModule, 'CPU (libtensorflow)');
    case 'wasm':
      return loadWasm(context);
    case 'cpu':
      return loadCpu(importModule);
  }
}

async function loadNative(
  name: BackendName,
  importModule: ImportModule,
  device: string,
): Promise<LoadResult> {
  const failure = await importPackage(name, importModule);
  if (failure !== undefined) {
    return { ok: false, reason: failure };
  }
  const activated = await activate('tensorflow');
  if (activated !== undefined) {
    return { ok: false, reason: `package ${PACKAGES[name]} loaded, but ${activated}` };
  }
  // libtensorflow sizes its thread pools to the logical cores unless configured otherwise.
  return {
    ok: true,
    details: { name, tfjsBackend: 'tensorflow', device, threads: availableParallelism() },
  };
}

async function loadWasm(context: LoadContext): Promise<LoadResult> {
  let wasmPackage: WasmPackage;
  try {
    wasmPackage = (await context.importModule(PACKAGES.wasm)) as WasmPackage;
  } catch (error) {
    return { ok: false, reason: describeImportFailure('wasm', error) };
  }

  const folder = wasmBinaryFolder();
  if (folder instanceof Error) {
    return { ok: false, reason: folder.message };
  }
  wasmPackage.setWasmPaths(folder);
  const threads = resolveWasmThreads(context.wasmThreads, context.env);
  const started = await startWasm(wasmPackage, threads, folder);
  if (!started.ok) {
    return started;
  }

  registerWasmTrainingKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const details: BackendDetails = {
    name: 'wasm',
    tfjsBackend: 'wasm',
    device: 'CPU (WebAssembly)',
    simd: simd === true,
    threads: wasmPackage.getThreadsCount(),
  };
  if (started.threadsFallback !== undefined) {
    details.threadsFallback = started.threadsFallback;
  }
  return { ok: true, details };
}

/** The 'wasm' registration of tfjs-backend-wasm itself: the single-threaded SIMD build. */
let stockWasmFactory: Engine['registryFactory'][string] | undefined;

type Engine = ReturnType<typeof tf.engine>;

/**
 * Makes 'wasm' the active backend with `threads` threads (the threaded build when more than
 * one), falling back to the single-threaded build when the threaded one fails to start.
 * A wasm backend that already runs in this process keeps its thread count.
 */
async function startWasm(
  wasmPackage: WasmPackage,
  threads: number,
  folder: string,
): Promise<{ ok: true; threadsFallback?: string } | { ok: false; reason: string }> {
  if (threads > 1 && tf.findBackend('wasm') == null) {
    registerWasmFactory(threadedWasmFactory(wasmPackage, threads, folder));
    const failure = await activate('wasm');
    if (failure === undefined) {
      return { ok: true };
    }
    registerWasmFactory(undefined);
    const fallback = await activate('wasm');
    return fallback === undefined
      ? { ok: true, threadsFallback: `the threaded wasm build failed to start (${failure})` }
      : { ok: false, reason: fallback };
  }
  const failure = await activate('wasm');
  return failure === undefined ? { ok: true } : { ok: false, reason: failure };
}

/** Registers `factory` as the 'wasm' backend, or restores the package's own when undefined. */
function registerWasmFactory(factory: (() => Promise<tf.KernelBackend>) | undefined): void {
  const engine = tf.engine();
  stockWasmFactory ??= engine.registryFactory.wasm;
  if (stockWasmFactory === undefined) {
    throw new Error(
      `${PACKAGES.wasm} did not register the 'wasm' backend; reinstall the npm packages.`,
    );
  }
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory ?? stockWasmFactory.factory, stockWasmFactory.priority);
}

/**
 * Returns the folder of the .wasm binaries, with the trailing separator that setWasmPaths
 * expects. In Node the package's Emscripten loader reads them with fs from next to its own
 * script, and naming the folder explicitly keeps that working when the app code is bundled.
 */
function wasmBinaryFolder(): string | Error {
  const require = createRequire(import.meta.url);
  const folder = path.dirname(require.resolve(PACKAGES.wasm)) + path.sep;
  const binary = path.join(folder, 'tfjs-backend-wasm-simd.wasm');
  if (!existsSync(binary)) {
    return new Error(`the WebAssembly binary ${binary} is missing; reinstall ${PACKAGES.wasm}`);
  }
  return folder;
}

async function loadCpu(importModule: ImportModule): Promise<LoadResult> {
  const failure = await importPackage('cpu', importModule);
  if (failure !== undefined) {
    return { ok: false, reason: failure };
  }
  const activated = await activate('cpu');
  if (activated !== undefined) {
    return { ok: false, reason: activated };
  }
  registerCpuTrainingKernels();
  return {
    ok: true,
    details: { name: 'cpu', tfjsBackend: 'cpu', device: 'CPU (JavaScript)', threads: 1 },
  };
}

/** Imports a backend's package; returns the reason it failed, or undefined. */
async function importPackage(
  name: BackendName,
  importModule: ImportModule,
): Promise<string | undefined> {
  try {
    await importModule(PACKAGES[name]);
    return undefined;
  } catch (error) {
    return describeImportFailure(name, error);
  }
}

/** Makes `tfjsBackend` active; returns why that failed, or undefined. */
async function activate(tfjsBackend: string): Promise<string | undefined> {
  try {
    // setBackend resolves to false (after logging the cause) when the backend's
    // initialization fails, and throws when no package registered the name.
    if (await tf.setBackend(tfjsBackend)) {
      return undefined;
    }
    return `tfjs backend '${tfjsBackend}' failed to initialize (tfjs logged the cause as a warning)`;
  } catch (error) {
    return `tfjs backend '${tfjsBackend}' failed to initialize: ${firstLine(error)}`;
  }
}

/** Describes in one sentence why a package did not load: not installed, or broken. */
function describeImportFailure(name: BackendName, error: unknown): string {
  const packageName = PACKAGES[name];
  const code = (error as { code?: unknown } | null)?.code;
  const message = firstLine(error);
  // Node names the missing package in quotes. A native binding that is missing inside an
  // installed package is also MODULE_NOT_FOUND, but its message names a file path instead.
  const missing =
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    message.includes(`'${packageName}'`);
  if (!missing) {
    return `package ${packageName} failed to load: ${message}`;
  }
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    return `package ${packageName} is not installed: its install downloads libtensorflow, which needs internet`;
  }
  return `package ${packageName} is not installed; run npm install`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}

/**
 * Kernels that one NiN training step calls, collected with tf.profile over steps with
 * 28×28 and 64×64 inputs, explicit padding, stride 4, dropout, Adam and SGD (tfjs 4.22).
 * Collect them again when the model builder, the loss or the optimizers change.
 */
export const TRAINING_KERNELS = [
  'Add',
  'ArgMax',
  'Cast',
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Equal',
  'Exp',
  'Floor',
  'Identity',
  'Log',
  'Max',
  'MaxPool',
  'MaxPoolGrad',
  'Mean',
  'Multiply',
  'Neg',
  'OneHot',
  'PadV2',
  'RealDiv',
  'Relu',
  'Reshape',
  'ResizeBilinear',
  'Slice',
  'Sqrt',
  'Square',
  'Step',
  'Sub',
  'Sum',
  'ZerosLike',
] as const;

/** Forward kernels of NiN whose gradient functions backpropagation needs. */
const GRADIENTS = ['Conv2D', 'MaxPool', 'Relu', 'Mean', 'PadV2', 'Reshape'] as const;

/**
 * Throws unless every kernel and gradient that NiN training calls is registered for the
 * report's backend, so that a run fails before its first step instead of in the middle.
 */
export function assertBackendCanTrain(report: Pick<BackendReport, 'name' | 'tfjsBackend'>): void {
  const missingKernels = TRAINING_KERNELS.filter(
    (kernel) => tf.getKernel(kernel, report.tfjsBackend) == null,
  );
  if (missingKernels.length > 0) {
    throw new Error(
      `The ${report.name} backend cannot train NiN: kernels ${missingKernels.join(', ')} are not registered ` +
        `for tfjs backend '${report.tfjsBackend}'. Pin another backend in the settings or with ${BACKEND_ENV_VAR}.`,
    );
  }
  const missingGradients = GRADIENTS.filter((kernel) => tf.getGradient(kernel) == null);
  if (missingGradients.length > 0) {
    throw new Error(
      `Gradients of ${missingGradients.join(', ')} are not registered, so no backend can train; ` +
        'import @tensorflow/tfjs-layers (which registers them) before training.',
    );
  }
}
