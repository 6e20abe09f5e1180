// Multithreaded wasm backend for Node. tfjs-backend-wasm 4.22 ships a threaded SIMD build
// but never loads it in Node: its WASM_HAS_MULTITHREAD_SUPPORT flag is false there, and
// it hands Emscripten the pthread worker script and the main script as Blob URLs, which
// Node's worker_threads cannot load. This module registers a 'wasm' backend factory that
// loads that build with both scripts as file paths instead.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';

/** Environment variable that sets the wasm thread count; 1 loads the single-threaded build. */
export const WASM_THREADS_ENV_VAR = 'NIN_LAB_WASM_THREADS';

/** Upper bound of NIN_LAB_WASM_THREADS: tfjs-backend-wasm 4.22 caps its thread pool at 8. */
const MAX_WASM_THREADS = 8;

/** Seconds after which a threaded start that has not finished counts as failed. */
const START_TIMEOUT_SECONDS = 60;

/** The part of @tensorflow/tfjs-backend-wasm that this module uses. */
export interface WasmPackage {
  BackendWasm: new (module: ThreadedModule) => tf.KernelBackend;
  setWasmPaths(prefixOrFileMap: string): void;
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

/** A Node worker as Emscripten 3.1 keeps it in its pthread pool. */
interface PthreadWorker {
  terminate(): unknown;
  unref(): void;
}

/** The Emscripten module of the threaded build, with the fields used here. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): unknown;
  PThread: {
    unusedWorkers: PthreadWorker[];
    runningWorkers: PthreadWorker[];
    terminateAllThreads(): void;
  };
  tfjs?: unknown;
}

/** Imports of the wasm module, as Emscripten passes them to `instantiateWasm`. */
interface WasmImports extends WebAssembly.Imports {
  env: Record<string, WebAssembly.ImportValue>;
}

interface FactoryConfig {
  mainScriptUrlOrBlob: string;
  locateFile(file: string, prefix: string): string;
  instantiateWasm(
    imports: WasmImports,
    receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): object;
}

type ModuleFactory = (config: FactoryConfig) => Promise<ThreadedModule>;

/**
 * Returns the wasm thread count: NIN_LAB_WASM_THREADS when set, else `requested`, else
 * the machine's logical cores. Throws on a value that is not an integer from 1 to 8.
 */
export function resolveWasmThreads(
  requested: number | undefined,
  env: Record<string, string | undefined>,
): number {
  const text = env[WASM_THREADS_ENV_VAR]?.trim();
  if (text) {
    return checkThreads(Number(text), `${WASM_THREADS_ENV_VAR}="${text}"`);
  }
  if (requested !== undefined) {
    return checkThreads(requested, `wasm thread count ${requested}`);
  }
  return Math.min(availableParallelism(), MAX_WASM_THREADS);
}

function checkThreads(value: number, description: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_WASM_THREADS) {
    throw new Error(
      `Invalid ${description}: expected an integer from 1 to ${MAX_WASM_THREADS}; ` +
        `set ${WASM_THREADS_ENV_VAR}=1 to run the wasm backend on one thread.`,
    );
  }
  return value;
}

/** Folder of the package's Emscripten scripts (wasm-out), next to its dist folder. */
function wasmOutFolder(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@tensorflow/tfjs-backend-wasm');
  return path.join(path.dirname(entry), '..', 'wasm-out');
}

/**
 * Writes the pthread worker script of the threaded build to a private temporary folder
 * and returns the folder and the script's path. The caller removes the folder once the
 * workers have read the script, and a handler removes it at exit in case a start failed.
 */
function writeWorkerScript(folder: string): { dir: string; file: string } {
  const require = createRequire(import.meta.url);
  const { wasmWorkerContents } = require(
    path.join(folder, 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as { wasmWorkerContents: string };
  const dir = mkdtempSync(path.join(tmpdir(), 'nin-lab-wasm-'));
  const file = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  // The contents come from a template literal, which turned the "\n" escapes of its string
  // literals into real newlines. Escape them again, as tfjs-backend-wasm 4.22 does.
  writeFileSync(file, wasmWorkerContents.replace(/\n/g, '\\n'), { mode: 0o600 });
  process.once('exit', () => removeFolder(dir));
  return { dir, file };
}

function removeFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Adds the C++ entry points that BackendWasm expects, as tfjs-backend-wasm's init does. */
function addTfjsBindings(module: ThreadedModule): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

/**
 * Releases the pthread workers the backend does not use. Emscripten pre-spawns 8 workers
 * (about 17 MB each), while XNNPACK's thread pool, created once when the backend starts,
 * keeps threads − 1 of them. The busy ones are unref'd so that they never keep the
 * process alive: their threads only wait for work from the main thread.
 */
function releaseIdleWorkers(module: ThreadedModule): void {
  const { PThread } = module;
  for (const worker of PThread.unusedWorkers) {
    void worker.terminate();
  }
  PThread.unusedWorkers.length = 0;
  for (const worker of PThread.runningWorkers) {
    worker.unref();
  }
}

/** Rejects when `promise` has not settled after START_TIMEOUT_SECONDS, or when `failure` rejects. */
function withStartTimeout<T>(promise: Promise<T>, failure: Promise<never>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`the threaded wasm module did not start in ${START_TIMEOUT_SECONDS} s`)),
      START_TIMEOUT_SECONDS * 1000,
    );
    timer.unref();
  });
  return Promise.race([promise, failure, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Returns Emscripten's `instantiateWasm` hook for `binary`, and a promise that rejects
 * when instantiation fails (Emscripten itself would wait forever).
 *
 * tfjs-backend-wasm 4.22 caps its thread pool at emscripten_num_logical_cores() / 2,
 * assuming two hardware threads per core, so a 2-core machine would get one thread. The
 * hook reports 2 × `threads` cores, which makes the cap exactly `threads`.
 */
function instantiateWithThreads(
  binary: string,
  threads: number,
): { hook: FactoryConfig['instantiateWasm']; failure: Promise<never> } {
  let fail: (error: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failure.catch(() => undefined);
  const hook: FactoryConfig['instantiateWasm'] = (imports, receiveInstance) => {
    imports.env.emscripten_num_logical_cores = () => 2 * threads;
    WebAssembly.instantiate(readFileSync(binary), imports).then(
      ({ instance, module }) => receiveInstance(instance, module),
      fail,
    );
    return {};
  };
  return { hook, failure };
}

/** Starts the Emscripten module of the threaded SIMD build with its pthread worker pool. */
async function startThreadedModule(threads: number, binaryFolder: string): Promise<ThreadedModule> {
  const folder = wasmOutFolder();
  const require = createRequire(import.meta.url);
  const mainScript = path.join(folder, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(mainScript) as ModuleFactory;
  const workerScript = writeWorkerScript(folder);
  const binary = binaryFolder + 'tfjs-backend-wasm-threaded-simd.wasm';
  const { hook, failure } = instantiateWithThreads(binary, threads);

  const module = await withStartTimeout(
    factory({
      mainScriptUrlOrBlob: mainScript,
      locateFile: (file, prefix) =>
        file.endsWith('.worker.js') ? workerScript.file : prefix + file,
      instantiateWasm: hook,
    }),
    failure,
  );
  // The module resolves only after every pre-spawned worker has loaded the script, and
  // XNNPACK creates its threads from those workers, so no worker reads the file again.
  // NOTE: a thread created later would need the script. tfjs-backend-wasm 4.22 creates none.
  removeFolder(workerScript.dir);
  return module;
}

/**
 * Returns a backend factory that starts the threaded SIMD build with `threads` threads.
 * `binaryFolder` is the folder of the .wasm files, with a trailing separator.
 */
export function threadedWasmFactory(
  wasmPackage: WasmPackage,
  threads: number,
  binaryFolder: string,
): () => Promise<tf.KernelBackend> {
  return async () => {
    const module = await startThreadedModule(threads, binaryFolder);
    addTfjsBindings(module);
    wasmPackage.setThreadsCount(threads);
    let backend: tf.KernelBackend;
    try {
      backend = new wasmPackage.BackendWasm(module);
    } catch (error) {
      module.PThread.terminateAllThreads();
      throw error;
    }
    releaseIdleWorkers(module);
    return backend;
  };
}
